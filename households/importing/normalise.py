"""Turning raw cell values into typed values. Each parser returns the value or raises ValueError(message)."""

import datetime
import math
import re

from django.utils.translation import gettext as _

from config.text import fold, nfc

TRUE_MARKS = {"1", "x", "co", "yes", "true", "v"}
FALSE_MARKS = {"", "0", "khong", "no", "false", "-"}
AREA_WORDS = {"thanh thi": "urban", "do thi": "urban", "urban": "urban", "nong thon": "rural", "rural": "rural"}
CLASSIFICATION_WORDS = {
    "ho ngheo": "poor", "ngheo": "poor", "poor": "poor",
    "ho can ngheo": "near_poor", "can ngheo": "near_poor", "near poor": "near_poor", "near_poor": "near_poor",
    "ho co muc song trung binh": "middle", "muc song trung binh": "middle", "trung binh": "middle",
    "middle": "middle",
    "khong ngheo": "not_poor", "khong thuoc cac loai tren": "not_poor", "not poor": "not_poor",
    "not_poor": "not_poor",
}
_MILLION = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:triệu|trieu|tr)\.?(?:\s*(?:đồng|đ))?", re.IGNORECASE)
_GROUPED = re.compile(r"\d{1,3}([.,])\d{3}(?:\1\d{3})*")
_CURRENCY = re.compile(r"\s*(?:đồng|đ|vnđ|vnd)\.?$", re.IGNORECASE)
SCIENTIFIC = _SCIENTIFIC = re.compile(r"^\d+(?:[.,]\d+)?e[+-]?\d+$", re.IGNORECASE)


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value) -> str:
    """A cell as the officer sees it, for error messages and the annotated copy."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%d/%m/%Y")
    return nfc(str(value))


def parse_text(value) -> str:
    return nfc(cell_text(value))


def parse_code(value, *, width: int | None = None) -> str:
    """A code kept as text; a number typed into Excel gets its leading zeros back when the width is known."""
    if isinstance(value, bool):
        raise ValueError(_("không phải là mã"))
    if isinstance(value, int | float):
        if isinstance(value, float) and (not value.is_integer() or math.isinf(value)):
            raise ValueError(_("mã không được là số thập phân"))
        if abs(value) >= 1e15:
            raise ValueError(_("mã bị Excel đổi sang dạng số mũ; hãy định dạng cột là Văn bản (Text)"))
        text = str(int(value))
    else:
        text = nfc(str(value)).replace(" ", "")
        if _SCIENTIFIC.match(text):
            raise ValueError(_("mã bị Excel đổi sang dạng số mũ; hãy định dạng cột là Văn bản (Text)"))
    if width and text.isdigit() and len(text) < width:
        text = text.zfill(width)
    return text


def parse_integer(value) -> int:
    if isinstance(value, bool):
        raise ValueError(_("không phải là số nguyên"))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(_("không phải là số nguyên"))
        return int(value)
    text = nfc(str(value)).replace(" ", "")
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if _GROUPED.fullmatch(text):
        return int(re.sub(r"\D", "", text))
    raise ValueError(_("không phải là số nguyên"))


def parse_money(value) -> int:
    """Whole đồng: "1.500.000", "1,500,000", "1500000", "1,5 triệu", 1500000.0 all give 1500000."""
    if isinstance(value, bool):
        raise ValueError(_("không phải là số tiền"))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(_("không phải là số tiền"))
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
    raise ValueError(_("không phải là số tiền"))


_FLAG_FAST = {"1": True, "0": False, "": False, "x": True, "X": True, 1: True, 0: False}  # 1.0 == 1 as a key


def parse_flag(value) -> bool:
    if isinstance(value, bool):
        return value
    fast = _FLAG_FAST.get(value) if isinstance(value, str | int | float) else None
    if fast is not None:
        return fast
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
        raise ValueError(_("chỉ nhận 1/x/có (có thiếu hụt) hoặc 0/để trống/không"))
    folded = fold(str(value))
    if folded in TRUE_MARKS:
        return True
    if folded in FALSE_MARKS:
        return False
    raise ValueError(_("chỉ nhận 1/x/có (có thiếu hụt) hoặc 0/để trống/không"))


def parse_area(value) -> str:
    area = AREA_WORDS.get(fold(str(value)))
    if area is None:
        raise ValueError(_("khu vực phải là “Thành thị” hoặc “Nông thôn”"))
    return area


def parse_classification(value) -> str:
    classification = CLASSIFICATION_WORDS.get(fold(str(value)))
    if classification is None:
        raise ValueError(
            _("phân loại phải là “Hộ nghèo”, “Hộ cận nghèo”, “Hộ có mức sống trung bình” hoặc “Không nghèo”")
        )
    return classification
