"""The row types of a review import and what is counted from them: the classified row the parser hands over, the
counts by computed classification, and the warning fields a committed batch stores. No database access."""

from collections import Counter
from typing import NamedTuple

from households.importing import validate
from households.models_imports import warnings_stored


class ClassifiedRow(NamedTuple):
    """A parsed row with its computed classification. A named tuple: built and read 100,000 times per province
    (a frozen dataclass's __init__ and a property for is_mismatch cost about ten times more)."""

    parsed: validate.ParsedRow
    classification: str
    deprivation_count: int
    reason: str
    is_mismatch: bool  # declared and different from the computed classification


def classification_counts(rows: list[ClassifiedRow]) -> dict[str, int]:
    return dict(Counter(row.classification for row in rows))


def batch_warnings(warnings) -> dict:
    """The warning fields of a committed batch (models_imports.warnings_stored), sorted by row and column."""
    return warnings_stored([warning.as_dict() for warning in sorted(warnings, key=lambda w: (w.row, w.column))])
