"""Passwords: Argon2id hashing (argon2-cffi, OWASP's first choice) and the rules for new ones.

The rules follow NIST SP 800-63B (5.1.1.2): at least ``MIN_LENGTH`` characters, any
characters allowed, no composition rules, and no password found on a list of commonly
used ones or derived from the account's name. The list is zxcvbn's ranking of the 30,000
most common passwords (from Mark Burnett's ten-million-password corpus), shipped by the
``zxcvbn`` package (MIT licence) rather than a copy of ours. The same rule applies to
``survey-app create-user``, an admin adding or resetting an account, and any later
password change, because they all go through ``password_problem``.
"""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext

_hasher = PasswordHasher()

MIN_LENGTH = 8
MAX_LENGTH = 200


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def dummy_hash() -> str:
    """A hash with the same cost as real ones, checked when a name is unknown (equal time)."""
    return _hasher.hash("no account has this password: it only spends the same time")


@functools.cache
def common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, username: str | None = None) -> str | None:
    """Say what is wrong with a new password, or None if it is acceptable."""
    if len(password) < MIN_LENGTH:
        return gettext("A password needs at least %(n)s characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return gettext("A password may have at most %(n)s characters.", n=MAX_LENGTH)
    folded = password.casefold()
    if folded in common_passwords() or folded.strip("0123456789!@#$%^&*.") in common_passwords():
        return gettext("This password is one of the most common ones and easy to guess. Choose another.")
    if username and username.strip().casefold() in folded:
        return gettext("A password may not contain the username.")
    return None


def password_rule() -> str:
    """The rule, in words, shown on every form that sets a password (before the first try)."""
    return gettext(
        "At least %(n)s characters. A phrase of a few words is good; common passwords"
        " (such as 12345678 or password1) and ones containing the username are refused.",
        n=MIN_LENGTH,
    )
