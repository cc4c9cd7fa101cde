"""Public links: creating them, finding one by its token, and whether it is open.

A link is open while it is ``active``, not past its expiry and not full. The moment it
closed (a pause, the end of its expiry day, the arrival of its last allowed submission)
is kept or computed, so records started on a phone before that moment can still be
accepted when the phone syncs later (see ``admission.py``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlite_utils import Database

from .. import audit
from ..db import write_transaction
from ..timeutil import now_iso

STATES = ("active", "paused", "revoked")
LABEL_MAX = 120
MAX_SUBMISSIONS_LIMIT = 1_000_000


class LinkError(ValueError):
    """A link operation that cannot be done, with a message for the coordinator."""


def token_digest(token: str) -> str:
    """What the database looks tokens up by (the token has 128 random bits: no salt needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    # 128 bits: unguessable, and short enough for a QR code a cheap camera reads easily.
    return secrets.token_urlsafe(16)


def parse_time(value: str | None) -> datetime | None:
    """Read an ISO 8601 timestamp (``Z`` or an offset; naive means UTC); None if unreadable."""
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def end_of_day(day: date) -> str:
    """The last instant of a day, UTC: a link "expiring 31 March" works all of that day."""
    return f"{day.isoformat()}T23:59:59.999+00:00"


@dataclass(frozen=True)
class Link:
    id: int
    token: str | None
    survey_id: str
    label: str
    expires_at: str | None
    max_submissions: int | None
    state: str
    state_changed_at: str | None
    created_by: int | None
    created_at: str
    submissions: int = 0
    filled_at: str | None = None

    @property
    def expires_on(self) -> str | None:
        return self.expires_at[:10] if self.expires_at else None


@dataclass(frozen=True)
class LinkStatus:
    """Whether a link takes new records now, and if not, why and since when."""

    open: bool
    reason: str  # "active", "paused", "expired", "full" or "revoked"
    closed_at: datetime | None = None


def status(link: Link, now: datetime | None = None) -> LinkStatus:
    """Open or closed, with the earliest moment it closed (None for revoked: never accepted)."""
    now = now or datetime.now(UTC)
    if link.state == "revoked":
        return LinkStatus(False, "revoked")
    closings = []
    if link.state == "paused":
        closings.append(("paused", parse_time(link.state_changed_at) or now))
    expires = parse_time(link.expires_at)
    if expires is not None and now > expires:
        closings.append(("expired", expires))
    if link.max_submissions is not None and link.submissions >= link.max_submissions:
        closings.append(("full", parse_time(link.filled_at) or now))
    if not closings:
        return LinkStatus(True, "active")
    reason, closed_at = min(closings, key=lambda pair: pair[1])
    return LinkStatus(False, reason, closed_at)


def _count(db: Database, link_id: int, max_submissions: int | None) -> tuple[int, str | None]:
    count = db.execute("SELECT count(*) FROM submissions WHERE link_id = ?", [link_id]).fetchone()[0]
    filled_at = None
    if max_submissions is not None and count >= max_submissions:
        filled_at = db.execute(
            "SELECT received_at FROM submissions WHERE link_id = ? ORDER BY received_at, rowid"
            " LIMIT 1 OFFSET ?",
            [link_id, max_submissions - 1],
        ).fetchone()[0]
    return count, filled_at


def _from_row(db: Database, row: dict | None) -> Link | None:
    if row is None:
        return None
    count, filled_at = _count(db, row["id"], row["max_submissions"])
    return Link(
        id=row["id"],
        token=row["token"],
        survey_id=row["survey_id"],
        label=row["label"],
        expires_at=row["expires_at"],
        max_submissions=row["max_submissions"],
        state=row["state"],
        state_changed_at=row["state_changed_at"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        submissions=count,
        filled_at=filled_at,
    )


def find_by_token(db: Database, token: str) -> Link | None:
    """The link a URL token belongs to (revoked ones included), or None."""
    if not token or len(token) > 100:
        return None
    row = next(db.query("SELECT * FROM public_links WHERE token_hash = ?", [token_digest(token)]), None)
    return _from_row(db, row)


def get_link(db: Database, link_id: int) -> Link | None:
    return _from_row(db, next(db.query("SELECT * FROM public_links WHERE id = ?", [link_id]), None))


def list_links(db: Database, survey_id: str | None = None) -> list[Link]:
    """Every link, newest first, each with its submission count."""
    where, params = ("WHERE survey_id = ?", [survey_id]) if survey_id else ("", [])
    rows = db.query(f"SELECT * FROM public_links {where} ORDER BY created_at DESC, id DESC", params)
    return [_from_row(db, row) for row in list(rows)]


def create_link(
    db: Database,
    survey_id: str,
    label: str,
    created_by: int | None,
    expires_on: date | None = None,
    max_submissions: int | None = None,
    today: date | None = None,
) -> Link:
    """Create an active link for one survey and return it (with its token)."""
    label = (label or "").strip()
    if not label:
        raise LinkError("Give the link a label, e.g. “Likoni women's group, March”.")
    if len(label) > LABEL_MAX:
        raise LinkError(f"The label is too long (at most {LABEL_MAX} characters).")
    today = today or datetime.now(UTC).date()
    if expires_on is not None and expires_on < today:
        raise LinkError("The expiry date is in the past.")
    if max_submissions is not None and not 0 < max_submissions <= MAX_SUBMISSIONS_LIMIT:
        raise LinkError(f"The maximum must be between 1 and {MAX_SUBMISSIONS_LIMIT}.")
    token = new_token()
    with write_transaction(db):
        survey = next(
            db.query("SELECT id FROM surveys WHERE id = ? AND current_version IS NOT NULL", [survey_id]),
            None,
        )
        if survey is None:
            raise LinkError(f"There is no published survey {survey_id!r}.")
        from ..surveys.registry import dashboard_block

        if dashboard_block(db, survey_id).filled_by == "facilitators":
            raise LinkError(
                f"{survey_id} is filled in by facilitators (its definition says so): a public link"
                " would let anyone send sessions as if a facilitator had run them. Use a survey"
                " meant for the public, such as community_feedback."
            )
        cursor = db.execute(
            "INSERT INTO public_links (token_hash, token, survey_id, label, expires_at,"
            " max_submissions, state, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?)",
            [
                token_digest(token),
                token,
                survey_id,
                label,
                end_of_day(expires_on) if expires_on else None,
                max_submissions,
                created_by,
                now_iso(),
            ],
        )
        link_id = cursor.lastrowid
        audit.record(db, "link_created", created_by, target=f"link:{link_id}", survey=survey_id)
    return get_link(db, link_id)


TRANSITIONS = {"pause": ("active", "paused"), "resume": ("paused", "active"), "revoke": (None, "revoked")}


def change_state(db: Database, link_id: int, action: str, actor_id: int | None) -> Link:
    """Pause, resume or revoke a link. Revoking is final and forgets the token."""
    if action not in TRANSITIONS:
        raise LinkError(f"Unknown action {action!r}.")
    before, after = TRANSITIONS[action]
    with write_transaction(db):
        row = next(db.query("SELECT state FROM public_links WHERE id = ?", [link_id]), None)
        if row is None:
            raise LinkError("There is no such link.")
        if row["state"] == "revoked":
            raise LinkError("This link was revoked; it cannot be changed. Create a new one.")
        if before is not None and row["state"] != before:
            raise LinkError(f"The link is {row['state']}; it cannot be {action}d.")
        db.execute(
            "UPDATE public_links SET state = ?, state_changed_at = ?"
            + (", token = NULL" if after == "revoked" else "")
            + " WHERE id = ?",
            [after, now_iso(), link_id],
        )
        audit.record(db, f"link_{action}", actor_id, target=f"link:{link_id}")
    return get_link(db, link_id)
