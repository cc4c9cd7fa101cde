"""The offline client's server side: service worker, manifest, precache list, backup import.

The phone's own logic lives in ``static/js`` (drafts, outbox, sync) and ``static/sw.js``;
this package serves those files from the root scope with a release id, tells the worker
which pages to keep, and lets coordinators import the backup files phones save.
"""
