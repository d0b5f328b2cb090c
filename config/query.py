"""Query parameters parsed once, strictly: a malformed value is the caller's mistake (400), never a 500.

`int()` is not a parser for URLs: it accepts what `str.isdigit` accepts ("²" passes isdigit and then fails in
int(); "١٢" is read as 12) and any size (9223372036854775808 passes and then overflows the database's bigint).
Here a number is 1 to 18 ASCII digits, so every value fits a signed 64-bit column; anything else raises
BadQueryParameter, which Django answers with its 400 (templates/400.html, or JSON under /api/).
"""

import re

from django.core.exceptions import BadRequest
from django.utils.translation import gettext as _

_DIGITS = re.compile(r"[0-9]{1,18}")


class BadQueryParameter(BadRequest):
    """A query parameter that is present but malformed or out of range (400)."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(_("Tham số “%(name)s” trên địa chỉ không hợp lệ.") % {"name": name})


def query_int(query, name: str, *, default: int | None = None, minimum: int | None = 0,
              maximum: int | None = None) -> int | None:
    """`?name=` as a non-negative integer within [minimum, maximum]; `default` when absent or empty."""
    raw = query.get(name)
    if raw is None or not raw.strip():
        return default
    text = raw.strip()
    if not _DIGITS.fullmatch(text):
        raise BadQueryParameter(name)
    number = int(text)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise BadQueryParameter(name)
    return number


def query_year(query, name: str = "year") -> int | None:
    """`?year=` as a four-digit year; None when absent or empty. Which years have data is the view's business:
    a well-formed year without data falls back as before; a malformed one is a 400."""
    return query_int(query, name, minimum=1000, maximum=9999)
