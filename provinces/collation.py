"""Vietnamese alphabetical order for unit names (and any other name), the same in both databases.

Vietnamese sorts by its own alphabet — a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y — with the tone
marks second (a à ả ã á ạ) and letter case last: "Cao Tân" before "Cao Thượng", "Cẩm" before "Cường", "Đ" between
"D" and "E". Code-point order gets all three wrong.

* PostgreSQL: ICU's `vi-x-icu` collation (present whenever the server is built with ICU; migration
  provinces.0002 creates it otherwise, or stops with a clear error).
* SQLite: a collation of the same name, registered on every new connection (`register_sqlite_collation`), that
  compares `vi_sort_key` values. Chosen over a stored sort-key column: nothing to keep in sync on save or in bulk
  imports (`bulk_create`/`update` skip `save()`), no migration of data, and one query expression for both databases.

`vi_name()` is the ORDER BY expression: `queryset.order_by(vi_name(), "code")`; `vi_sort_key` sorts Python lists.
"""

from __future__ import annotations

import unicodedata

from django.db.models import F
from django.db.models.functions import Collate

COLLATION = "vi-x-icu"
_LETTERS = list("aăâbcdđeêfghijklmnoôơpqrstuưvwxyz")
_RANK = {letter: index for index, letter in enumerate(_LETTERS)}
# Combining marks that make a letter of the alphabet (ă â ê ô ơ ư) and the five tones, in Vietnamese order.
_LETTER_MARKS = frozenset("\u0306\u0302\u031b")
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def vi_name(field: str = "name") -> Collate:
    return Collate(F(field), COLLATION)


def vi_sort_key(text: str | None) -> tuple:
    """(letters, tones, case): compare the letters first, then the tones, then upper/lower case."""
    letters: list[tuple[int, int]] = []
    tones: list[int] = []
    cases: list[int] = []
    for char in unicodedata.normalize("NFD", text or ""):
        if unicodedata.combining(char):
            if char in _LETTER_MARKS and letters and letters[-1][0] == 2:
                base = _LETTERS[letters[-1][1]]
                combined = unicodedata.normalize("NFC", base + char)
                if combined in _RANK:
                    letters[-1] = (2, _RANK[combined])
            elif char in _TONES and tones:
                tones[-1] = _TONES[char]
            continue
        lower = char.lower()
        if lower in _RANK:
            letters.append((2, _RANK[lower]))
        elif char.isdigit():
            letters.append((1, ord(char)))
        else:
            letters.append((0, ord(lower)))
        tones.append(0)
        cases.append(0 if char == lower else 1)
    return tuple(letters), tuple(tones), tuple(cases)


def _compare(left: str | None, right: str | None) -> int:
    a, b = vi_sort_key(left), vi_sort_key(right)
    return (a > b) - (a < b)


def register_sqlite_collation(sender, connection, **kwargs) -> None:
    """connection_created receiver: give SQLite the `vi-x-icu` collation PostgreSQL has."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(COLLATION, _compare)
