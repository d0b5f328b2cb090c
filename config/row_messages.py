"""Row-by-row problem messages of the imports (households, budgets, units), for lists that show the row apart.

The validators write "Dòng 12: …" so that a message stands on its own (API, a cell comment); a table with a row
column (the import pages, the annotated workbook's list sheet) shows the number once, in that column.
"""

import re

from django.utils.text import capfirst

_ROW_PREFIX = re.compile(r"^\s*(?:Dòng|Row)\s+(\d+)\s*:\s*", re.IGNORECASE)


def without_row(message, row=None) -> str:
    """The message without its leading "Dòng N:" (only when N is `row`, if given), first letter capitalised."""
    text = str(message if message is not None else "")
    match = _ROW_PREFIX.match(text)
    if match is None or (row not in (None, "") and match.group(1) != str(row)):
        return text
    return capfirst(text[match.end():])
