#!/bin/sh
# Install the app, create the database (built-in surveys + demo accounts) and serve it
# on http://127.0.0.1:8000/. Safe to run again: nothing is re-created or lost.
set -eu
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -e .
.venv/bin/survey-app init --demo
exec .venv/bin/survey-app serve --host 127.0.0.1 --port "${PORT:-8000}"
