"""Link tickets: the server's own word that a public form was opened while its link was open.

A record reaching the server after its link closed (paused, expired, full) used to be let in
when its ``meta.started_at`` was early enough, but that time is the phone's claim and anyone
can back-date it. Instead, the public form page carries a ticket signed with the app's
secret (itsdangerous, salt per purpose) naming the link and the moment the page was served.
The phone copies it into each record's ``meta.link_ticket`` (the no-JavaScript form posts it
as ``_ticket``), so a page loaded online and then used offline for days still vouches for
its answers.

Respondents' privacy: the issue time is floored to ``GRAIN_SECONDS``, so everyone who
opened the page in the same ten minutes holds the very same ticket; there is no device or
page id in it. Tickets are checked and dropped: they are never stored with a record.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "survey-app.link-ticket.v1"
GRAIN_SECONDS = 600  # one ticket per link per ten minutes: the same for everyone
MAX_LENGTH = 200  # a real ticket is about 60 characters; anything longer is not one


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


def window(now: datetime | None = None) -> int:
    """The start of the ten-minute window ``now`` falls in, in Unix seconds."""
    moment = now or datetime.now(UTC)
    seconds = int(moment.timestamp())
    return seconds - seconds % GRAIN_SECONDS


def issue(secret: str, link_id: int, now: datetime | None = None) -> str:
    """The ticket a form page of this link carries when served at ``now``."""
    return _serializer(secret).dumps({"l": link_id, "t": window(now)})


def issued_at(secret: str, ticket: object, link_id: int) -> datetime | None:
    """When a genuine ticket of this link was issued (its window's start), else None.

    None for anything that is not a string, is too long, has a bad signature, or names
    another link: a forged ticket and a missing one are the same to the caller.
    """
    if not isinstance(ticket, str) or not ticket or len(ticket) > MAX_LENGTH:
        return None
    try:
        payload = _serializer(secret).loads(ticket)
    except (BadSignature, ValueError, UnicodeError):
        return None
    if not isinstance(payload, dict) or payload.get("l") != link_id:
        return None
    issued = payload.get("t")
    if not isinstance(issued, int) or isinstance(issued, bool) or issued < 0:
        return None
    return datetime.fromtimestamp(issued, UTC)


def vouches(
    secret: str,
    ticket: object,
    link_id: int,
    closed_at: datetime,
    max_age_days: int,
    now: datetime | None = None,
) -> bool:
    """Whether a ticket shows its page was served before the link closed, and is not stale."""
    issued = issued_at(secret, ticket, link_id)
    if issued is None or issued >= closed_at:
        return False
    now = now or datetime.now(UTC)
    return now - issued <= timedelta(days=max_age_days)
