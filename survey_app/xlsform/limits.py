"""Bounds on an XLSForm upload, checked before pyxform reads a byte of it.

A 1 MB .xlsx of 70,000 rows once took 66 s of CPU in one request; a zip bomb (a small
file that inflates to gigabytes) would take more. So an upload is refused,
with a message that says which bound and by how much, when it has:

* more files, or more bytes once decompressed, than a workbook needs (``scan_zip``);
* more rows or cells than ``XLSFORM_MAX_ROWS`` / ``XLSFORM_MAX_CELLS`` (counted by
  streaming each sheet's XML: a row counts when one of its cells holds something; rows
  that are only formatting, which spreadsheet programs write down to row 65,536 or
  1,048,576, do not count, and pyxform stops reading after 60 empty rows anyway);

and the conversion itself runs in a reader process (``run_bounded``) that is killed after
``XLSFORM_MAX_SECONDS`` and may not grow past ``XLSFORM_MAX_MEMORY_MB``. Readers come
from a fork server: a clean single-threaded process that imported the reader once, never
a fork of a gunicorn worker's threads and SQLite connections; each costs milliseconds.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import re
import sys
import threading
import types
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext

# A cell that holds something is written <c r="B12" ...>...</c>; an empty, formatted one
# is <c r="B12" s="3"/>. A row's number is read from its cells' references.
_VALUE_CELL = re.compile(rb'<(?:\w+:)?c\b(?:[^>]*?\br="[A-Z]+(\d+)")?[^>]*?(?<!/)>')
_EMPTY_CELL = re.compile(rb"<(?:\w+:)?c\b[^>]*/>")
_CHUNK = 1 << 20
_MAX_ENTRIES = 500


class LimitExceeded(ValueError):
    """The upload is over one of the bounds; the message says which, for the author."""


@dataclass(frozen=True)
class Limits:
    rows: int = 20_000
    cells: int = 400_000
    unzipped_bytes: int = 50 * 1024 * 1024
    seconds: int = 30
    memory_mb: int = 1024

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Limits:
        return cls(
            rows=int(config.get("XLSFORM_MAX_ROWS", cls.rows)),
            cells=int(config.get("XLSFORM_MAX_CELLS", cls.cells)),
            unzipped_bytes=int(config.get("XLSFORM_MAX_UNZIPPED_MB", 50)) * 1024 * 1024,
            seconds=int(config.get("XLSFORM_MAX_SECONDS", cls.seconds)),
            memory_mb=int(config.get("XLSFORM_MAX_MEMORY_MB", cls.memory_mb)),
        )

    @classmethod
    def current(cls) -> Limits:
        """The app's configured limits (or the settings' defaults outside a request)."""
        if has_app_context():
            return cls.from_config(current_app.config)
        from ..settings import environment_values

        return cls.from_config(environment_values())


def check_upload(data: bytes, filename: str | None, limits: Limits) -> None:
    """Raise :class:`LimitExceeded` if the upload is over a bound; cheap, reads no cell."""
    suffix = PurePath(filename).suffix.lower() if filename else ""
    if data[:2] == b"PK":
        rows, cells = scan_zip(data, limits)
    elif suffix in (".csv", ".md"):
        rows = data.count(b"\n") + 1
        cells = data.count(b",") + data.count(b"|") + rows
    else:
        return  # .xls and unknown files: the size of the upload and the time bound apply
    if rows > limits.rows:
        raise LimitExceeded(
            gettext(
                "This form has %(rows)s rows; at most %(limit)s are accepted. Remove empty or"
                " unused rows (check for stray cells far down a sheet) and upload it again.",
                rows=rows,
                limit=limits.rows,
            )
        )
    if cells > limits.cells:
        raise LimitExceeded(
            gettext(
                "This form has %(cells)s cells; at most %(limit)s are accepted.",
                cells=cells,
                limit=limits.cells,
            )
        )


def scan_zip(data: bytes, limits: Limits) -> tuple[int, int]:
    """The rows (over all sheets) and cells of an .xlsx, refusing zip bombs on the way."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return 0, 0  # not a workbook: the reader says so in its own words
    with archive:
        members = archive.infolist()
        if len(members) > _MAX_ENTRIES:
            raise LimitExceeded(gettext("This file holds too many parts to be a form workbook."))
        declared = sum(member.file_size for member in members)
        if declared > limits.unzipped_bytes:
            raise LimitExceeded(_too_big(declared))
        rows = cells = 0
        inflated = 0
        for member in members:
            if not member.filename.startswith("xl/worksheets/") or not member.filename.endswith(".xml"):
                continue
            sheet_rows, sheet_cells, size = _count_sheet(archive, member, limits.unzipped_bytes - inflated)
            rows, cells, inflated = rows + sheet_rows, cells + sheet_cells, inflated + size
    return rows, cells


def _count_sheet(archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: int) -> tuple[int, int, int]:
    """Stream one sheet's XML: (rows holding a value, cells, bytes inflated)."""
    rows: set[int] = set()
    unnumbered = cells = size = 0
    tail = b""

    def count(body: bytes) -> int:
        nonlocal unnumbered
        found = 0
        for match in _VALUE_CELL.finditer(body):
            found += 1
            if match.group(1):
                rows.add(int(match.group(1)))
            else:
                unnumbered += 1  # no reference: count it as a row of its own (the worst case)
        return found + len(_EMPTY_CELL.findall(body))

    try:
        with archive.open(member) as stream:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > budget:
                    raise LimitExceeded(_too_big(size))
                text = tail + chunk
                # Count only whole tags; keep the last bit for the next chunk.
                cut = text.rfind(b"<")
                cut = len(text) if cut < 0 else cut
                body, tail = text[:cut], text[cut:]
                cells += count(body)
        cells += count(tail)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        return 0, 0, size  # damaged: left to the reader, which refuses it cleanly
    return len(rows) + unnumbered, cells, size


def _too_big(size: int) -> str:
    return gettext(
        "This file unpacks to %(mb)s MB, more than a form workbook needs; it was not read.",
        mb=max(1, size // (1024 * 1024)),
    )


def _child(conn, fn: Callable, args: tuple, limits: Limits) -> None:
    """In the reader process: cap memory and CPU, run the conversion, send back its result."""
    import resource

    memory = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.seconds + 1, limits.seconds + 2))
    try:
        conn.send(("ok", fn(*args)))
    except MemoryError:
        conn.send(("memory", None))
    except Exception as exc:  # reported as a refusal, never a server error
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


@contextlib.contextmanager
def _no_main_module() -> Iterator[None]:
    """Start processes without re-running ``__main__`` in them.

    multiprocessing re-imports the parent's main script in a fork server's children; under
    pytest, gunicorn or a console script that costs a second or runs code twice. The reader
    needs only survey_app, so the main module is hidden while a process starts.
    """
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


_start_lock = threading.Lock()
# What the fork server imports once, so that no reader pays for it.
PRELOAD = ["survey_app.xlsform", "pyxform.xls2xform", "pyxform.xls2json_backends", "pyxform.errors"]


def run_bounded(fn: Callable, args: tuple, limits: Limits) -> Any:
    """Run ``fn(*args)`` in a reader process; :class:`LimitExceeded` if too slow or too big."""
    context = multiprocessing.get_context("forkserver")
    # The fork server imports the reader once; each reader then starts in milliseconds.
    context.set_forkserver_preload(PRELOAD)
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, fn, args, limits), daemon=True)
    with _start_lock, _no_main_module():
        process.start()
    sender.close()
    try:
        if not receiver.poll(limits.seconds):
            raise LimitExceeded(
                gettext(
                    "Reading this form took longer than %(seconds)s seconds, so it was stopped."
                    " Make it smaller (fewer rows or choices) and upload it again.",
                    seconds=limits.seconds,
                )
            )
        try:
            status, value = receiver.recv()
        except EOFError:  # the reader died: over its memory or CPU limit
            status, value = "memory", None
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join(5)
    if status == "memory":
        raise LimitExceeded(gettext("Reading this form needed too much memory, so it was stopped."))
    if status == "error":
        raise LimitExceeded(gettext("This form could not be read (%(error)s).", error=value))
    return value
