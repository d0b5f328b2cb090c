"""Cell parsers every spreadsheet import uses, written once.

A parser takes one raw cell (what `spreadsheets.reader` yields: str, int, float, bool, date/datetime or None) and
returns a typed value or raises `CellError`, whose message (Vietnamese) completes "“<column>” …", e.g.
"Dòng 8: “Tổng số hộ” phải là số nguyên.". Blank cells are the caller's business (`is_blank` first): a parser is
only called on a cell that holds something.

Where two imports used to read a cell differently, both readings are kept behind a keyword (`message=`,
`true_words=`/`false_words=`, `exact_widths=`…) instead of one silently changing the other. No ORM, no app.
"""

import datetime
import math
import re
from collections.abc import Callable, Collection, Mapping
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from config.text import fold, nfc


class CellError(ValueError):
    """A cell's value is unusable; the message (Vietnamese) completes "“<column>” …"."""


def _fail(message, default: str) -> CellError:
    return CellError(str(message) if message is not None else default)


# --- blank and text ----------------------------------------------------------------------------------------------


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value) -> str:
    """A cell as the officer sees it, for error messages and the annotated copy: 1500.0 → "1500", a date as
    dd/mm/yyyy, text NFC with its spaces collapsed; a blank cell gives ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%d/%m/%Y")
    return nfc(str(value))


display = cell_text  # the name the reference imports used


def parse_text(value) -> str:
    return nfc(cell_text(value))


# --- codes -------------------------------------------------------------------------------------------------------

SCIENTIFIC = re.compile(r"^\d+(?:[.,]\d+)?e[+-]?\d+$", re.IGNORECASE)
UNIT_CODE_WIDTHS = (2, 3, 5)  # province, district, commune


def parse_code(value, *, width: int | None = None) -> str:
    """A code kept as text; a number typed into Excel gets its leading zeros back when the width is known."""
    if isinstance(value, bool):
        raise CellError(_("không phải là mã"))
    if isinstance(value, int | float):
        if isinstance(value, float) and (not value.is_integer() or math.isinf(value)):
            raise CellError(_("mã không được là số thập phân"))
        if abs(value) >= 1e15:
            raise CellError(_("mã bị Excel đổi sang dạng số mũ; hãy định dạng cột là Văn bản (Text)"))
        text = str(int(value))
    else:
        text = nfc(str(value)).replace(" ", "")
        if SCIENTIFIC.match(text):
            raise CellError(_("mã bị Excel đổi sang dạng số mũ; hãy định dạng cột là Văn bản (Text)"))
    if width and text.isdigit() and len(text) < width:
        text = text.zfill(width)
    return text


def parse_unit_code(value, *, exact_widths: bool = False, message=None) -> tuple[str, ...]:
    """Candidate administrative-unit codes for a cell: a text code as written (a leading apostrophe dropped); a
    number that lost its leading zeros (2146 typed as a number) gives every zero-padded reading of 2, 3 or 5 digits,
    for the caller to resolve against the units in force.

    Text: by default 2 to 5 digits as written (the household-total and flag imports); `exact_widths=True` takes
    exactly 2, 3 or 5 digits and ignores spaces inside the code (the budget imports). `message` replaces every
    error message (the budget imports say the same thing for every bad code)."""
    if isinstance(value, bool):
        raise _fail(message, _("phải là mã số"))
    if isinstance(value, float):
        if not value.is_integer():
            raise _fail(message, _("phải là mã số"))
        value = int(value)
    if isinstance(value, int):
        digits = str(value)
        return tuple(dict.fromkeys(digits.zfill(width) for width in UNIT_CODE_WIDTHS if len(digits) <= width))
    text = nfc(str(value)).lstrip("'")
    if exact_widths:
        text = text.replace(" ", "")
        valid = re.fullmatch(r"\d{2}|\d{3}|\d{5}", text)
    else:
        valid = re.fullmatch(r"\d{2,5}", text)
    if not valid:
        raise _fail(message, _("phải là mã số gồm 2, 3 hoặc 5 chữ số"))
    return (text,)


# --- numbers -----------------------------------------------------------------------------------------------------

_GROUPED = re.compile(r"\d{1,3}([.,])\d{3}(?:\1\d{3})*")  # one separator throughout: 1.234.567 or 1,234,567
_THOUSANDS = re.compile(r"^\d{1,3}([.,\s]\d{3})+$")  # any of . , space between groups
_MILLION = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:triệu|trieu|tr)\.?(?:\s*(?:đồng|đ))?", re.IGNORECASE)
_CURRENCY = re.compile(r"\s*(?:đồng|đ|vnđ|vnd)\.?$", re.IGNORECASE)


def parse_integer(value, *, message=None) -> int:
    """A whole number: 1234, 1234.0, "1234", "+12", "1.234", "1,234", "1 234" (thousands separators).

    Errors: "phải là số nguyên" for a fraction, "phải là một số" for anything else; `message` replaces both (the
    review import says "không phải là số nguyên", the budget year column "phải là năm (ví dụ 2023)")."""
    if isinstance(value, bool):
        raise _fail(message, _("phải là số nguyên"))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise _fail(message, _("phải là số nguyên"))
        return int(value)
    text = nfc(str(value))
    if _THOUSANDS.match(text):
        return int(re.sub(r"[.,\s]", "", text))
    compact = text.replace(" ", "")
    if re.fullmatch(r"[+-]?\d+", compact):
        return int(compact)
    if _GROUPED.fullmatch(compact):
        return int(re.sub(r"\D", "", compact))
    if re.fullmatch(r"[-+]?\d+([.,]\d+)?", compact):
        raise _fail(message, _("phải là số nguyên"))
    raise _fail(message, _("phải là một số"))


def parse_year(value, *, first: int = 2000, last: int = 2100, message=None) -> int:
    """A year between `first` and `last`; every error says `message` (default "phải là năm (ví dụ 2023)")."""
    default = _("phải là năm (ví dụ 2023)")
    year = parse_integer(value, message=message or default)
    if not first <= year <= last:
        raise _fail(message, default)
    return year


def parse_money(value, *, message=None) -> int:
    """Whole đồng: "1.500.000", "1,500,000", "1500000", "1,5 triệu", 1500000.0 all give 1500000 (a float is
    rounded). Error: "không phải là số tiền", or `message`."""
    if isinstance(value, bool):
        raise _fail(message, _("không phải là số tiền"))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise _fail(message, _("không phải là số tiền"))
        return round(value)
    text = nfc(str(value))
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-").strip()
    million = _MILLION.fullmatch(text)
    if million:
        return sign * round(float(million.group(1).replace(",", ".")) * 1_000_000)
    text = _CURRENCY.sub("", text).replace(" ", "")
    if re.fullmatch(r"\d+", text):
        return sign * int(text)
    if _GROUPED.fullmatch(text):
        return sign * int(re.sub(r"\D", "", text))
    if re.fullmatch(r"\d+[.,]0{1,2}", text):  # "1500000.0" written by some exporters
        return sign * int(re.split(r"[.,]", text)[0])
    raise _fail(message, _("không phải là số tiền"))


def parse_vnd(value) -> int:
    """Whole đồng, as parse_money reads it, but a fraction of a đồng typed as a number is refused (not rounded)."""
    if isinstance(value, float) and not value.is_integer():
        raise CellError(_("phải là số đồng nguyên"))
    return parse_money(value, message=_("phải là số tiền (đồng)"))


def parse_million(value) -> int:
    """Million VND to whole VND, exactly: 334913 → 334,913,000,000; "1.234,5" (Vietnamese separators) →
    1,234,500,000; more precision than 1 đồng is refused."""
    if isinstance(value, bool):
        raise CellError(_("phải là số tiền (triệu đồng)"))
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        text = nfc(str(value)).replace(" ", "").replace("\u00a0", "")
        if "." in text and "," in text:  # Vietnamese: 1.234,5
            text = text.replace(".", "").replace(",", ".")
        elif re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):  # 344.961 is three hundred and forty-four thousand
            text = text.replace(".", "")
        elif re.fullmatch(r"-?\d{1,3}(,\d{3})+", text):
            raise CellError(_("có dấu phẩy không rõ nghĩa: viết 1.500 (một nghìn năm trăm) hoặc 1,5 (một phẩy năm)"))
        else:
            text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation as error:
            raise CellError(_("phải là số tiền (triệu đồng)")) from error
    if not number.is_finite():
        raise CellError(_("phải là số tiền (triệu đồng)"))
    vnd = number * 1_000_000
    if vnd != vnd.to_integral_value():
        raise CellError(_("lẻ dưới 1 đồng (tối đa 6 chữ số thập phân khi tính bằng triệu đồng)"))
    return int(vnd)


# --- yes/no, dates, choices ----------------------------------------------------------------------------------------

# Folded marks (config.text.fold). The review template's deprivation columns take the narrower REVIEW_* sets.
TRUE_WORDS = frozenset({"x", "co", "1", "true", "yes", "dung", "v", "c"})
FALSE_WORDS = frozenset({"", "0", "khong", "false", "no", "k", "sai"})
REVIEW_TRUE_WORDS = frozenset({"1", "x", "co", "yes", "true", "v"})
REVIEW_FALSE_WORDS = frozenset({"", "0", "khong", "no", "false", "-"})
_FLAG_FAST = {"1": True, "0": False, "": False, "x": True, "X": True, 1: True, 0: False}  # 1.0 == 1 as a key


def parse_flag(value, *, true_words: Collection[str] = TRUE_WORDS, false_words: Collection[str] = FALSE_WORDS,
               message=None) -> bool:
    """A yes/no cell: "x", "có", 1, TRUE → yes; empty, "không", 0, FALSE → no (the words after fold()).
    Error: "phải là “x”/“có” hoặc để trống/“không”", or `message`."""
    if isinstance(value, bool):
        return value
    fast = _FLAG_FAST.get(value) if isinstance(value, str | int | float) else None
    if fast is not None:
        return fast
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
        raise _fail(message, _("phải là “x”/“có” hoặc để trống/“không”"))
    folded = fold(str(value or ""))
    if folded in true_words:
        return True
    if folded in false_words:
        return False
    raise _fail(message, _("phải là “x”/“có” hoặc để trống/“không”"))


_DATE_TEXT = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?$")
EXCEL_EPOCH = datetime.date(1899, 12, 30)


def parse_date(value) -> datetime.date:
    """A date cell, an Excel serial number (20000–80000, 1954–2119), or text dd/mm/yyyy (also with - or .) or
    yyyy-mm-dd."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 20000 <= value <= 80000:
        return EXCEL_EPOCH + datetime.timedelta(days=int(value))
    text = nfc(str(value))
    try:
        if match := _DATE_TEXT.match(text):
            return datetime.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        if match := _ISO_DATE.match(text):
            return datetime.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError as error:
        raise CellError(_("không phải là ngày có thật")) from error
    raise CellError(_("phải là ngày dạng ngày/tháng/năm (ví dụ 13/03/2023)"))


def choice(words: Mapping[str, object], message) -> Callable[[object], object]:
    """A parser for a closed list: the cell's folded text looked up in `words` (folded spelling → value); anything
    else raises CellError(message). `message` may be lazy: it is read when the error is raised."""
    def parse(value):
        found = words.get(fold(cell_text(value)))
        if found is None:
            raise CellError(str(message))
        return found
    return parse
