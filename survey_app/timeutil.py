"""UTC timestamps as ISO 8601 text, the one format stored in the database."""

from datetime import UTC, datetime


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
