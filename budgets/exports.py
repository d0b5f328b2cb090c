"""The Excel disbursement report: project × source in million VND (triệu đồng), for a unit and a year.

Written with XlsxWriter in constant_memory mode (rows strictly in order; disbursement rows streamed from the
database in batches). No text is ever written as a formula: `strings_to_formulas` is off and every text that
starts with = + - @ (or a tab or carriage return) is written with a leading apostrophe, so a document number typed
as "=HYPERLINK(…)" stays text in Excel, LibreOffice and any CSV made from the file. Totals are numbers computed
from the integers in đồng, never formulas, so a reader without a formula engine (python-calamine) sees them.
"""

from __future__ import annotations

import io

import xlsxwriter
from django.utils.translation import gettext as _

from budgets.models import CapitalType, Disbursement, Source
from budgets.selectors import SOURCES, Figures, Progress
from provinces.selectors import scope_filter

MILLION = 1_000_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FIGURE_COLUMNS = 4  # plan of the year, carried over, disbursed, rate
HEADER_ROWS = 6  # title block (3 rows), a blank row, two header rows
BATCH = 2000


def safe_text(value) -> str:
    """Text for a cell that can never become a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _million(vnd: int) -> float:
    return vnd / MILLION


class _Formats:
    def __init__(self, workbook):
        base = {"font_name": "Times New Roman", "font_size": 11}
        self.title = workbook.add_format({**base, "bold": True, "font_size": 14, "align": "center",
                                          "valign": "vcenter"})
        self.subtitle = workbook.add_format({**base, "italic": True, "align": "center"})
        self.header = workbook.add_format({**base, "bold": True, "align": "center", "valign": "vcenter",
                                           "text_wrap": True, "border": 1, "bg_color": "#F2DCDB"})
        self.text = workbook.add_format({**base, "border": 1, "text_wrap": True, "valign": "top"})
        self.center = workbook.add_format({**base, "border": 1, "align": "center", "valign": "top"})
        self.money = workbook.add_format({**base, "border": 1, "num_format": "#,##0.000", "valign": "top"})
        self.rate = workbook.add_format({**base, "border": 1, "num_format": "0.00", "valign": "top"})
        self.date = workbook.add_format({**base, "border": 1, "num_format": "dd/mm/yyyy", "valign": "top"})
        self.total_text = workbook.add_format({**base, "bold": True, "border": 1, "bg_color": "#F2F2F2"})
        self.total_money = workbook.add_format({**base, "bold": True, "border": 1, "num_format": "#,##0.000",
                                                "bg_color": "#F2F2F2"})
        self.total_rate = workbook.add_format({**base, "bold": True, "border": 1, "num_format": "0.00",
                                               "bg_color": "#F2F2F2"})


def _write_figures(sheet, row: int, column: int, figures: Figures, money, rate) -> None:
    sheet.write_number(row, column, _million(figures.allocated), money)
    sheet.write_number(row, column + 1, _million(figures.carried_over), money)
    sheet.write_number(row, column + 2, _million(figures.disbursed), money)
    if figures.rate is None:
        sheet.write_blank(row, column + 3, None, rate)
    else:
        sheet.write_number(row, column + 3, float(figures.rate), rate)


def _title_block(sheet, formats: _Formats, *, last_column: int, title: str, progress: Progress) -> None:
    unit = progress.unit
    sheet.set_row(0, 30)
    sheet.merge_range(0, 0, 0, last_column, safe_text(title), formats.title)
    sheet.merge_range(1, 0, 1, last_column, safe_text(
        _("%(unit)s (mã %(code)s), gồm các dòng vốn của đơn vị và các đơn vị trực thuộc. Năm kế hoạch %(year)s.")
        % {"unit": unit.name, "code": unit.code, "year": progress.year}), formats.subtitle)
    sheet.merge_range(2, 0, 2, last_column, safe_text(
        _("Đơn vị tính: triệu đồng. Số liệu đến ngày %(date)s. Tỷ lệ giải ngân = đã giải ngân / (kế hoạch vốn năm + "
          "vốn chuyển nguồn) × 100.") % {"date": progress.today.strftime("%d/%m/%Y")}), formats.subtitle)


def _project_sheet(workbook, formats: _Formats, progress: Progress) -> None:
    sheet = workbook.add_worksheet(_("Giải ngân theo dự án"))
    groups = [(source, Source(source).label) for source in SOURCES] + [("total", _("Tổng cộng"))]
    last_column = 1 + FIGURE_COLUMNS * len(groups)
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 58)
    sheet.set_column(2, last_column, 14)
    _title_block(sheet, formats, last_column=last_column, progress=progress,
                 title=_("BÁO CÁO TÌNH HÌNH GIẢI NGÂN VỐN CHƯƠNG TRÌNH MTQG GIẢM NGHÈO BỀN VỮNG NĂM %(year)s")
                 % {"year": progress.year})
    sheet.set_row(4, 30)
    sheet.write_string(4, 0, _("STT"), formats.header)
    sheet.write_string(4, 1, _("Dự án"), formats.header)
    for index, (_key, label) in enumerate(groups):
        first = 2 + index * FIGURE_COLUMNS
        sheet.merge_range(4, first, 4, first + FIGURE_COLUMNS - 1, safe_text(label), formats.header)
    sheet.set_row(5, 45)
    sheet.write_blank(5, 0, None, formats.header)
    sheet.write_blank(5, 1, None, formats.header)
    subheaders = [_("Kế hoạch vốn năm"), _("Vốn chuyển nguồn"), _("Đã giải ngân"), _("Tỷ lệ (%)")]
    for index in range(len(groups)):
        for offset, label in enumerate(subheaders):
            sheet.write_string(5, 2 + index * FIGURE_COLUMNS + offset, label, formats.header)
    sheet.freeze_panes(HEADER_ROWS, 2)
    row = HEADER_ROWS
    for number, project_row in enumerate(progress.by_project, start=1):
        sheet.write_number(row, 0, number, formats.center)
        sheet.write_string(row, 1, safe_text(f"{project_row.project.code}. {project_row.project.name}"), formats.text)
        for index, (key, _label) in enumerate(groups):
            figures = project_row.figures if key == "total" else project_row.by_source[key]
            _write_figures(sheet, row, 2 + index * FIGURE_COLUMNS, figures, formats.money, formats.rate)
        row += 1
    sheet.write_blank(row, 0, None, formats.total_text)
    sheet.write_string(row, 1, _("Tổng cộng"), formats.total_text)
    for index, (key, _label) in enumerate(groups):
        figures = progress.total if key == "total" else progress.by_source[key]
        _write_figures(sheet, row, 2 + index * FIGURE_COLUMNS, figures, formats.total_money, formats.total_rate)


def _unit_sheet(workbook, formats: _Formats, progress: Progress) -> None:
    sheet = workbook.add_worksheet(_("Theo đơn vị"))
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 1, 40)
    sheet.set_column(2, 6, 16)
    _title_block(sheet, formats, last_column=6, progress=progress,
                 title=_("GIẢI NGÂN THEO ĐƠN VỊ NĂM %(year)s") % {"year": progress.year})
    headers = [_("Mã"), _("Đơn vị"), _("Kế hoạch vốn năm"), _("Vốn chuyển nguồn"), _("Đã giải ngân"),
               _("Tỷ lệ (%)"), _("Chưa giải ngân")]
    for column, label in enumerate(headers):
        sheet.write_string(4, column, label, formats.header)
    sheet.freeze_panes(5, 2)
    row = 5
    for unit_row in progress.by_unit:
        name = unit_row.unit.name + (_(" (các dòng vốn của chính đơn vị)") if unit_row.is_own else "")
        sheet.write_string(row, 0, safe_text(unit_row.unit.code), formats.center)
        sheet.write_string(row, 1, safe_text(name), formats.text)
        _write_figures(sheet, row, 2, unit_row.figures, formats.money, formats.rate)
        sheet.write_number(row, 6, _million(unit_row.figures.remaining), formats.money)
        row += 1
    sheet.write_blank(row, 0, None, formats.total_text)
    sheet.write_string(row, 1, _("Tổng cộng"), formats.total_text)
    _write_figures(sheet, row, 2, progress.total, formats.total_money, formats.total_rate)
    sheet.write_number(row, 6, _million(progress.total.remaining), formats.total_money)


def _disbursement_sheet(workbook, formats: _Formats, progress: Progress) -> None:
    sheet = workbook.add_worksheet(_("Chứng từ giải ngân"))
    widths = [12, 10, 30, 10, 22, 20, 10, 16, 22, 40]
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    _title_block(sheet, formats, last_column=len(widths) - 1, progress=progress,
                 title=_("CÁC LẦN GIẢI NGÂN NĂM %(year)s") % {"year": progress.year})
    headers = [_("Ngày giải ngân"), _("Mã đơn vị"), _("Đơn vị"), _("Dự án"), _("Nguồn vốn"), _("Loại vốn"),
               _("Năm nguồn vốn"), _("Số tiền (triệu đồng)"), _("Số chứng từ"), _("Ghi chú")]
    for column, label in enumerate(headers):
        sheet.write_string(4, column, label, formats.header)
    sheet.freeze_panes(5, 1)
    queryset = (
        Disbursement.objects.filter(scope_filter(unit=progress.unit, prefix="allocation__unit"),
                                    allocation__fiscal_year=progress.year)
        .order_by("disbursed_on", "pk")
        .values_list("disbursed_on", "allocation__unit__code", "allocation__unit__name", "allocation__project__code",
                     "allocation__subproject__code", "allocation__source", "allocation__capital_type",
                     "allocation__origin_year", "amount_vnd", "document", "note")
    )
    row = 5
    for (date, code, name, project, subproject, source, capital, origin, amount, document,
         note) in queryset.iterator(chunk_size=BATCH):
        sheet.write_datetime(row, 0, date, formats.date)
        sheet.write_string(row, 1, safe_text(code), formats.center)
        sheet.write_string(row, 2, safe_text(name), formats.text)
        sheet.write_string(row, 3, safe_text(subproject or project), formats.center)
        sheet.write_string(row, 4, safe_text(Source(source).label), formats.text)
        sheet.write_string(row, 5, safe_text(CapitalType(capital).label), formats.text)
        sheet.write_number(row, 6, origin, formats.center)
        sheet.write_number(row, 7, _million(amount), formats.money)
        sheet.write_string(row, 8, safe_text(document), formats.text)
        sheet.write_string(row, 9, safe_text(note), formats.text)
        row += 1


def disbursement_report_xlsx(*, progress: Progress) -> bytes:
    """The workbook for `progress` (from `budgets.selectors.disbursement_progress`): project × source, by unit,
    and every disbursement of the year."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
        "strings_to_urls": False, "default_date_format": "dd/mm/yyyy",
    })
    workbook.set_properties({"title": _("Báo cáo giải ngân"), "company": "MTQG GNBV"})
    formats = _Formats(workbook)
    _project_sheet(workbook, formats, progress)
    _unit_sheet(workbook, formats, progress)
    _disbursement_sheet(workbook, formats, progress)
    workbook.close()
    return output.getvalue()
