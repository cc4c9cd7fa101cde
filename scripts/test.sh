#!/bin/sh
# Install the test dependencies (pip packages and Debian's Chromium) and run every test,
# browser tests included. Used verbatim by CI (.ci/run).
set -eu
cd "$(dirname "$0")/.."
# Debian packages the tests drive: Chromium (browser tests), nginx and openssl (the HTTPS
# proxy of deploy/, tests/test_https_proxy.py).
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/sbin/nginx ] || [ ! -x /usr/bin/openssl ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium nginx openssl >/dev/null
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/pytest "$@"
