"""Attachments: the files of records (photos, recordings, signatures, other files).

Files are field data under the same rules as records (DESIGN.md): the phone hashes them
(SHA-256), uploads them resumably and idempotently with a subset of the tus protocol
(docs/attachments.md), the server verifies the hash before it acknowledges, and stores
them durably, content-addressed, under the attachments folder, with their metadata in
SQLite. Coordinators see and download them; exports name them as paths in a media zip.

- ``storage``: the files on disk (fsync, then rename).
- ``model``: the metadata in SQLite, the limits, who may add files to which record.
- ``tus``: the protocol's headers and checks.
- ``routes``: the upload endpoints (accounts and public links) and coordinators' downloads.
- ``media``: which stored types may be shown, the answers that name files, the media zip.
"""
