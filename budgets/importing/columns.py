"""The columns of the two budget spreadsheets, their budget-only cell parsers, and the blank template.

Money columns must say their unit: "Số tiền (triệu đồng)" (decimals allowed down to 1 đồng) or "Số tiền (đồng)"
(whole đồng). A bare "Số tiền" is refused rather than guessed: a million-fold error is the worst mistake a budget
import can make. The generic parsers (years, dates, money, unit codes) are spreadsheets.cells'.
"""

from __future__ import annotations

import io
import re

import xlsxwriter
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from budgets.models import AllocationEntry, CapitalType, Source
from config.text import fold
from spreadsheets.cells import CellError, cell_text, choice
from spreadsheets.cells import parse_unit_code as _parse_unit_code
from spreadsheets.headers import Column

Kind = AllocationEntry.Kind

YEAR = Column("fiscal_year", "Năm kế hoạch", ("Năm", "Năm ngân sách", "Năm KH"), required=True)
UNIT = Column("unit_code", "Mã đơn vị", ("Mã ĐVHC", "Mã đơn vị hành chính", "Mã", "Mã huyện", "Mã xã", "Mã tỉnh"),
              required=True)
PROJECT = Column("project_code", "Mã dự án", ("Dự án", "Dự án/Tiểu dự án", "Mã dự án/tiểu dự án", "Mã DA",
                                             "Dự án, tiểu dự án"), required=True)
SOURCE = Column("source", "Nguồn vốn", ("Nguồn", "Nguồn ngân sách"), required=True)
CAPITAL = Column("capital_type", "Loại vốn", ("Tính chất vốn", "Loại nguồn vốn"), required=True)
ORIGIN = Column("origin_year", "Năm nguồn vốn", ("Năm của nguồn vốn", "Vốn năm", "Năm gốc"))
AMOUNT_MILLION = Column("amount_million", "Số tiền (triệu đồng)", ("Số tiền (tr.đ)", "Số tiền (trđ)",
                                                                   "Số tiền (triệu)", "Kinh phí (triệu đồng)",
                                                                   "Số vốn (triệu đồng)", "Giá trị (triệu đồng)"))
AMOUNT_VND = Column("amount_vnd", "Số tiền (đồng)", ("Số tiền (VNĐ)", "Số tiền (VND)", "Số tiền (đ)",
                                                     "Kinh phí (đồng)", "Số vốn (đồng)", "Giá trị (đồng)"))
AMOUNT_BARE = Column("amount_bare", "Số tiền", ("Kinh phí", "Số vốn", "Giá trị", "Thành tiền"))
NOTE = Column("note", "Ghi chú", ("Nội dung",))
MONEY_KEYS = ("amount_million", "amount_vnd")

ALLOCATION_COLUMNS = [
    YEAR, UNIT, PROJECT, SOURCE, CAPITAL,
    Column("kind", "Loại bút toán", ("Hình thức", "Loại", "Nội dung bút toán")),
    ORIGIN, AMOUNT_MILLION, AMOUNT_VND, AMOUNT_BARE,
    Column("legal_basis_number", "Số quyết định", ("Số văn bản", "Số QĐ", "Căn cứ", "Văn bản", "Số hiệu văn bản"),
           required=True),
    Column("legal_basis_date", "Ngày quyết định", ("Ngày văn bản", "Ngày ban hành", "Ngày QĐ"), required=True),
    NOTE,
]
DISBURSEMENT_COLUMNS = [
    YEAR, UNIT, PROJECT, SOURCE, CAPITAL, ORIGIN,
    Column("disbursed_on", "Ngày giải ngân", ("Ngày", "Ngày chứng từ", "Ngày thanh toán"), required=True),
    AMOUNT_MILLION, AMOUNT_VND, AMOUNT_BARE,
    Column("document", "Số chứng từ", ("Chứng từ", "Số CT")),
    NOTE,
]

SOURCE_WORDS = {
    **dict.fromkeys(["trung uong", "ngan sach trung uong", "nstw", "von trung uong", "central"], Source.CENTRAL),
    **dict.fromkeys(["dia phuong", "ngan sach dia phuong", "nsdp", "doi ung", "von doi ung", "local",
                     "ngan sach dia phuong doi ung"], Source.LOCAL),
    **dict.fromkeys(["khac", "huy dong khac", "von huy dong", "von huy dong khac", "nguon khac", "other",
                     "von huy dong hop phap khac"], Source.OTHER),
    **dict.fromkeys(["tin dung", "tin dung chinh sach", "von tin dung", "von tin dung chinh sach", "credit"],
                    Source.CREDIT),
}
CAPITAL_WORDS = {
    **dict.fromkeys(["dau tu", "dau tu phat trien", "dtpt", "von dau tu", "von dau tu phat trien", "investment"],
                    CapitalType.INVESTMENT),
    **dict.fromkeys(["su nghiep", "von su nghiep", "kinh phi su nghiep", "thuong xuyen", "kinh phi thuong xuyen",
                     "recurrent"], CapitalType.RECURRENT),
}
KIND_WORDS = {
    **dict.fromkeys(["giao", "giao von", "giao ke hoach", "giao ke hoach von", "giao du toan", "giao dau nam",
                     "ban dau", "original"], Kind.ORIGINAL),
    **dict.fromkeys(["dieu chinh", "dieu chinh tang", "dieu chinh giam", "bo sung", "adjustment"], Kind.ADJUSTMENT),
    **dict.fromkeys(["chuyen nguon", "keo dai", "chuyen nguon tu nam truoc", "carry over", "carry_over"],
                    Kind.CARRY_OVER),
}
_PROJECT_CODE = re.compile(r"^\s*(\D*?)\s*(\d{1,2})(?:\s*[.]\s*(\d{1,2}))?\s*$")
PROJECT_PREFIXES = {"", "da", "du an", "tda", "tieu du an"}

parse_source = choice(SOURCE_WORDS, gettext_lazy("phải là “Trung ương”, “Địa phương”, “Huy động khác” hoặc “Tín "
                                                 "dụng chính sách”"))
parse_capital_type = choice(CAPITAL_WORDS, gettext_lazy("phải là “Đầu tư phát triển” hoặc “Sự nghiệp”"))
parse_kind = choice(KIND_WORDS, gettext_lazy("phải là “Giao vốn”, “Điều chỉnh” hoặc “Chuyển nguồn”"))


def parse_unit_code(value) -> tuple[str, ...]:
    """Candidate codes: a text code of exactly 2, 3 or 5 digits as written; a number that lost its leading zeros
    gives every padded reading."""
    return _parse_unit_code(value, exact_widths=True, message=_("phải là mã số gồm 2, 3 hoặc 5 chữ số"))


def parse_project_code(value) -> str:
    """"DA3", "DA3.1", "Dự án 3", "Tiểu dự án 3.1", 3 or 3.1 → "DA3" / "DA3.1"."""
    match = _PROJECT_CODE.match(cell_text(value))
    if not match or fold(match.group(1)) not in PROJECT_PREFIXES:
        raise CellError(_("phải là mã dự án hoặc tiểu dự án (ví dụ DA3 hoặc DA3.1)"))
    return f"DA{int(match.group(2))}" + (f".{int(match.group(3))}" if match.group(3) else "")


def columns_of(kind: str) -> list[Column]:
    return ALLOCATION_COLUMNS if kind == "allocations" else DISBURSEMENT_COLUMNS


def template_xlsx(*, kind: str) -> bytes:
    """An empty workbook with the canonical headers of `kind`'s columns (money in million VND; frozen header row;
    the code columns formatted as text)."""
    columns = [column for column in columns_of(kind) if column.key not in ("amount_vnd", "amount_bare")]
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"strings_to_formulas": False})
    sheet = workbook.add_worksheet(_("Số liệu"))
    header = workbook.add_format({"bold": True, "text_wrap": True, "border": 1, "bg_color": "#F2DCDB"})
    text = workbook.add_format({"num_format": "@"})
    for index, column in enumerate(columns):
        sheet.write_string(0, index, column.header, header)
        sheet.set_column(index, index, 18, text if column.key in ("unit_code", "project_code") else None)
    sheet.freeze_panes(1, 0)
    workbook.close()
    return output.getvalue()
