"""The review template's own cell parsers (area, classification) and its readings of the shared ones.

Every other parser lives in `spreadsheets.cells` (one copy for every import); each raises `CellError`, a ValueError
whose message completes "“<column>” …".
"""

from functools import partial

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.text import fold, nfc  # noqa: F401 - nfc is part of this module's surface (tests use it)
from spreadsheets import cells
from spreadsheets.cells import (  # noqa: F401 - the shared parsers, as the review import names them
    SCIENTIFIC,
    CellError,
    cell_text,
    is_blank,
    parse_code,
    parse_money,
    parse_text,
)

AREA_WORDS = {"thanh thi": "urban", "do thi": "urban", "urban": "urban", "nong thon": "rural", "rural": "rural"}
CLASSIFICATION_WORDS = {
    "ho ngheo": "poor", "ngheo": "poor", "poor": "poor",
    "ho can ngheo": "near_poor", "can ngheo": "near_poor", "near poor": "near_poor", "near_poor": "near_poor",
    "ho co muc song trung binh": "middle", "muc song trung binh": "middle", "trung binh": "middle",
    "middle": "middle",
    "khong ngheo": "not_poor", "khong thuoc cac loai tren": "not_poor", "not poor": "not_poor",
    "not_poor": "not_poor",
}
TRUE_MARKS = cells.REVIEW_TRUE_WORDS
FALSE_MARKS = cells.REVIEW_FALSE_WORDS

# The review import's wording of the shared integer and yes/no errors, and its narrower yes/no marks.
parse_integer = partial(cells.parse_integer, message=gettext_lazy("không phải là số nguyên"))
parse_flag = partial(
    cells.parse_flag, true_words=TRUE_MARKS, false_words=FALSE_MARKS,
    message=gettext_lazy("chỉ nhận 1/x/có (có thiếu hụt) hoặc 0/để trống/không"),
)


def parse_area(value) -> str:
    area = AREA_WORDS.get(fold(str(value)))
    if area is None:
        raise CellError(_("khu vực phải là “Thành thị” hoặc “Nông thôn”"))
    return area


def parse_classification(value) -> str:
    classification = CLASSIFICATION_WORDS.get(fold(str(value)))
    if classification is None:
        raise CellError(
            _("phân loại phải là “Hộ nghèo”, “Hộ cận nghèo”, “Hộ có mức sống trung bình” hoặc “Không nghèo”")
        )
    return classification
