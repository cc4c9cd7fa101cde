"""Package layout that pyproject.toml alone cannot say: the top-level data folders.

``migrations/``, ``static/`` and ``deploy/`` stay at the top of the repository (people look
for them there) and are mapped into the wheel as ``survey_app.migrations``,
``survey_app.static`` and ``survey_app.deploy``, where ``survey_app/paths.py`` finds them
in an installed copy. Everything else (metadata, dependencies, package data) is in
pyproject.toml.
"""

from setuptools import find_packages, setup

MAPPED = {"survey_app.migrations": "migrations", "survey_app.static": "static", "survey_app.deploy": "deploy"}

setup(
    packages=[*find_packages(include=["survey_app", "survey_app.*"]), *MAPPED],
    package_dir=MAPPED,
)
