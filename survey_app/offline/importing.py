"""Import a backup file saved by a phone: the same idempotent path as the sync API.

A facilitator whose phone cannot reach the server saves its unsent records as one JSON
file (``{"submissions": [...]}``, the sync batch shape) and hands it to a coordinator.
Importing goes through ``ingest()``, so a record already on the server comes back
``duplicate`` and importing the same file twice adds nothing. The file names the account
it was saved from (``account``: a username, or ``link:<id>`` for a public link's phone);
a record of the file that collides with a stored one becomes a conflict copy only if the
stored one came from that same account or link, else it is ``refused`` (``not_yours``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from .. import audit
from ..db import write_transaction
from ..errors import BadRequest
from ..sync.envelope import parse_batch, parse_json_body
from ..sync.ingest import Origin, ingest

STATUSES = ("stored", "duplicate", "conflict", "quarantined", "refused")
# Far above any phone's outbox; the request body limit (MAX_BODY_BYTES) bounds it first.
MAX_FILE_ITEMS = 100_000


@dataclass(frozen=True)
class Backup:
    items: list[dict]
    drafts: int  # unfinished drafts in the file (not imported)
    account: str | None  # the account the phone saved it for, as the file says


def read_backup(raw: bytes) -> Backup:
    """Parse a backup file: its submissions, how many drafts it held, and whose it is.

    Every item is checked before anything is stored: a file with an unstorable record is
    refused whole, with the record's index, so it is never half-imported.
    """
    body = parse_json_body(raw)
    items = parse_batch(body, MAX_FILE_ITEMS)
    drafts = body.get("drafts") if isinstance(body, dict) else None
    account = body.get("account") if isinstance(body, dict) else None
    return Backup(
        items,
        len(drafts) if isinstance(drafts, list) else 0,
        account[:200] if isinstance(account, str) and account else None,
    )


def import_items(
    db: Database,
    items: list[dict],
    user_id: int,
    chunk_size: int,
    filename: str = "",
    account: str | None = None,
) -> dict[str, Any]:
    """Ingest the items in chunks of ``chunk_size`` (one transaction each) and audit it.

    Each chunk is idempotent on its own, so a failure half-way (a busy database) is
    repaired by importing the file again.
    """
    if not items:
        raise BadRequest("The file holds no submissions.", {"submissions": ["the list is empty"]})
    results: list[dict] = []
    origin = Origin("import", user_id=user_id, account=account)
    for start in range(0, len(items), chunk_size):
        results += ingest(db, items[start : start + chunk_size], origin)
    counts = Counter(result["status"] for result in results)
    summary = {status: counts.get(status, 0) for status in STATUSES}
    with write_transaction(db):
        # Counts only: the audit log never holds answers.
        audit.record(db, "import_backup", user_id, target=filename[:200] or None, **summary)
    return {"results": results, "counts": summary}
