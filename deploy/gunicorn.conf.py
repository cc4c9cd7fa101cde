"""Gunicorn settings for survey-app (used by ``survey-app serve``).

Threads in a few workers: requests mostly wait on SQLite, and writes are serialised by
SQLite's lock anyway (BEGIN IMMEDIATE + busy_timeout), so more processes buy little.
"""

import multiprocessing
import os

workers = int(os.environ.get("SURVEY_APP_WORKERS", min(4, multiprocessing.cpu_count() * 2)))
threads = int(os.environ.get("SURVEY_APP_THREADS", 4))
worker_class = "gthread"
timeout = 60
graceful_timeout = 20
keepalive = 5
# Access logs hold method, route pattern, status, size and duration only: no query string,
# no link token, no address (survey_app/accesslog.py says why and how).
accesslog = "-"
logger_class = "survey_app.accesslog.RedactedAccessLogger"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
preload_app = False  # no database connection is opened before the fork
