"""Store URLs with their passwords hidden, in every form a user may give one: a URL's
``user:password@``, a ``?password=`` query, the libpq keyword form ``host=... password=...``,
and a password holding an unencoded ``@``. One place decides what is secret in a URL; the
store shows URLs through :func:`redact_url` and cleans driver messages with
:func:`scrub`, the command line cleans every error it prints the same way.

>>> redact_url("postgresql://gov:s3cret@db.example:5432/govnet")
'postgresql://gov:***@db.example:5432/govnet'
>>> redact_url("postgresql://gov@db/govnet?sslmode=require&password=s3cret")
'postgresql://gov@db/govnet?sslmode=require&password=***'
>>> redact_url("host=db user=gov password='s3 cret' dbname=govnet")
'host=db user=gov password=*** dbname=govnet'
>>> redact_url("postgresql://gov:p@ss@db/govnet")
'postgresql://gov:***@db/govnet'
>>> redact_url("sqlite:////home/li:wei@corp/govnet.db")
'sqlite:////home/li:wei@corp/govnet.db'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

HIDDEN = "***"
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)(.*)", re.DOTALL)
_SECRET_KEYS = r"(?:password|passwd|pwd|sslpassword|sslkey_password)"
_QUERY_SECRET = re.compile(rf"([?&]{_SECRET_KEYS}=)([^&#]*)", re.IGNORECASE)
# libpq: key = value, the value bare or single-quoted with backslash escapes
_KEYWORD_SECRET = re.compile(
    rf"(\b{_SECRET_KEYS}\s*=\s*)('(?:[^'\\]|\\.)*'?|\S*)", re.IGNORECASE | re.DOTALL
)
_SHORTEST_SCRUBBED = 3  # a shorter password is not looked for in free text


def redact_url(url: str) -> str:
    """``url`` with every password it holds replaced by ``***``; nothing else changed.

    The user part ends at the *last* ``@``, so a password with an unencoded ``@`` is hidden
    whole (what follows it may be hidden too: nothing secret is shown, rather than less).
    """
    match = _SCHEME.fullmatch(url)
    if match is None:
        return _KEYWORD_SECRET.sub(rf"\g<1>{HIDDEN}", url)
    scheme, rest = match.groups()
    rest = _QUERY_SECRET.sub(rf"\g<1>{HIDDEN}", rest)
    at = rest.rfind("@")
    if at >= 0 and not _is_file(scheme):
        user, colon, _password = rest[:at].partition(":")
        if colon:
            rest = f"{user}:{HIDDEN}{rest[at:]}"
    return scheme + rest


def get_url_secrets(url: str) -> list[str]:
    """The passwords ``url`` holds, as written and percent-decoded (longest first).

    >>> get_url_secrets("postgresql://u:p%40ss1@h/db?password=two")
    ['p%40ss1', 'p@ss1', 'two']
    """
    found: list[str] = []
    match = _SCHEME.fullmatch(url)
    if match is None:
        for m in _KEYWORD_SECRET.finditer(url):
            found += [m[2], _unquote_keyword(m[2])]
    else:
        rest = match[2]
        found += [m[2] for m in _QUERY_SECRET.finditer(rest)]
        rest = _QUERY_SECRET.sub("", rest)
        at = rest.rfind("@")
        if at >= 0 and ":" in rest[:at] and not _is_file(match[1]):
            found.append(rest[:at].partition(":")[2])
    secrets = {s for value in found for s in (value, unquote(value)) if s}
    return sorted(secrets, key=lambda s: (-len(s), s))


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each secret (of 3 characters or more) hidden.

    >>> scrub("failed to resolve host 'ss3cret@db'", ["p@ss3cret", "ss3cret"])
    "failed to resolve host '***@db'"
    """
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= _SHORTEST_SCRUBBED:
            text = text.replace(secret, HIDDEN)
    return text


def has_unencoded_at(url: str) -> bool:
    """Whether the user or password part of a URL holds an ``@`` not written as ``%40``
    (libpq and SQLAlchemy end the password at the first one: the rest is read as the host).

    >>> has_unencoded_at("postgresql://u:p@ss@h/db"), has_unencoded_at("postgresql://u:p%40ss@h/db")
    (True, False)
    """
    match = _SCHEME.fullmatch(url)
    if match is None or _is_file(match[1]):
        return False
    return match[2].split("?", 1)[0].count("@") > 1


def _is_file(scheme: str) -> bool:
    """SQLite: the rest is a path, which may hold ':' and '@' (no user, no password)."""
    return scheme.lower().startswith("sqlite")


def _unquote_keyword(value: str) -> str:
    if value.startswith("'"):
        return re.sub(r"\\(.)", r"\1", value[1:].removesuffix("'"))
    return value
