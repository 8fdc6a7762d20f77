"""Secrets out of sight: URLs as messages, listings and logs show them.

Store URLs may carry a password, robot webhooks an access key in their query
(``…/send?key=…``, ``…?access_token=…``). Wherever such a URL is shown or logged, the
password becomes ``***`` and each query value all but its last four characters, so
people can still tell two robots apart.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

_SECRET_WORDS = ("password", "passwd", "secret", "token", "key", "sign", "credential")


def is_secret(name: str) -> bool:
    """Whether a field of that name holds a secret (``password``, ``api_key``, …)."""
    lowered = name.lower()
    return any(word in lowered for word in _SECRET_WORDS)


def hint(value: str) -> str:
    """A secret as ``…abcd``: enough to tell two apart, not enough to use."""
    return "…" + value[-4:] if len(value) > 8 else "…"


def url(text: str, *, query: bool = True) -> str:
    """``text`` with its password hidden and, with ``query``, every query value too."""
    try:
        parts = urlsplit(text)
        password = parts.password
    except ValueError:
        return text
    if not parts.scheme or not parts.netloc:
        return text
    netloc = parts.netloc
    if password:
        netloc = netloc.replace(f":{password}@", ":***@", 1)
    shown_query = parts.query
    if query and parts.query:
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        shown_query = "&".join(f"{quote(k)}={hint(v)}" for k, v in pairs)
    return urlunsplit(parts._replace(netloc=netloc, query=shown_query))
