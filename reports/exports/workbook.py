"""What every export workbook shares: XlsxWriter options that keep user text as text, the cell formats, the
title block and the print settings.

No cell from user data is ever written as a formula: `strings_to_formulas`, `strings_to_numbers` and
`strings_to_urls` are off, and text is written with `write_string` (a string cell; Excel, LibreOffice and
python-calamine show "=HYPERLINK(…)" as those characters). Totals are numbers computed in Python, not formulas, so
a reader without a formula engine sees them.
"""

from __future__ import annotations

from decimal import Decimal

import xlsxwriter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
A4 = 9

WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "default_date_format": "dd/mm/yyyy",
}


def new_workbook(target, *, constant_memory: bool = True) -> xlsxwriter.Workbook:
    """A workbook writing to `target` (a path or a binary file object). In constant_memory mode rows must be
    written in order and each row is flushed to a temporary file as soon as the next one starts."""
    options = dict(WORKBOOK_OPTIONS)
    if constant_memory:
        options["constant_memory"] = True
    return xlsxwriter.Workbook(target, options)


def text(value) -> str:
    """The text of a cell (None → "")."""
    return "" if value is None else str(value)


def rate_value(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


class Formats:
    """The cell formats of the official forms: Times New Roman, bordered tables, #,##0 counts and 0.00 rates."""

    def __init__(self, workbook: xlsxwriter.Workbook):
        base = {"font_name": "Times New Roman", "font_size": 11}
        add = workbook.add_format
        self.agency = add({**base, "bold": True, "align": "center", "valign": "vcenter", "text_wrap": True})
        self.form_number = add({**base, "bold": True, "italic": True, "align": "right", "valign": "vcenter"})
        self.title = add({**base, "bold": True, "font_size": 14, "align": "center", "valign": "vcenter",
                          "text_wrap": True})
        self.subtitle = add({**base, "italic": True, "align": "center", "valign": "vcenter", "text_wrap": True})
        self.note = add({**base, "italic": True, "font_size": 10, "text_wrap": True, "valign": "top"})
        self.header = add({**base, "bold": True, "align": "center", "valign": "vcenter", "text_wrap": True,
                           "border": 1, "bg_color": "#DDEBF7"})
        self.column_number = add({**base, "italic": True, "font_size": 9, "align": "center", "border": 1})
        self.text = add({**base, "border": 1, "valign": "top", "text_wrap": True})
        self.center = add({**base, "border": 1, "align": "center", "valign": "top"})
        self.count = add({**base, "border": 1, "num_format": "#,##0", "valign": "top"})
        self.rate = add({**base, "border": 1, "num_format": "0.00", "valign": "top"})
        self.money = add({**base, "border": 1, "num_format": "#,##0.000", "valign": "top"})
        self.date = add({**base, "border": 1, "num_format": "dd/mm/yyyy", "align": "center", "valign": "top"})
        bold = {"bold": True, "bg_color": "#F2F2F2"}
        self.total_text = add({**base, **bold, "border": 1, "valign": "top", "text_wrap": True})
        self.total_center = add({**base, **bold, "border": 1, "align": "center", "valign": "top"})
        self.total_count = add({**base, **bold, "border": 1, "num_format": "#,##0", "valign": "top"})
        self.total_rate = add({**base, **bold, "border": 1, "num_format": "0.00", "valign": "top"})
        self.total_money = add({**base, **bold, "border": 1, "num_format": "#,##0.000", "valign": "top"})
        sub = {"bold": True}
        self.sub_text = add({**base, **sub, "border": 1, "valign": "top", "text_wrap": True})
        self.sub_center = add({**base, **sub, "border": 1, "align": "center", "valign": "top"})
        self.sub_count = add({**base, **sub, "border": 1, "num_format": "#,##0", "valign": "top"})
        self.sub_rate = add({**base, **sub, "border": 1, "num_format": "0.00", "valign": "top"})
        self.plain_count = add({"num_format": "#,##0"})  # long lists: no border, no font (see households.py)
        self.plain_date = add({"num_format": "dd/mm/yyyy"})
        self.signature = add({**base, "bold": True, "align": "center"})
        self.signature_note = add({**base, "italic": True, "align": "center"})


def write_number_or_blank(sheet, row: int, column: int, value, cell_format) -> None:
    if value is None:
        sheet.write_blank(row, column, None, cell_format)
    else:
        sheet.write_number(row, column, value, cell_format)


def print_setup(sheet, *, header_first: int, header_last: int, landscape: bool = True) -> None:
    """A4, landscape, fit to the page width (as many pages tall as needed), header rows repeated on every page,
    page numbers in the footer."""
    if landscape:
        sheet.set_landscape()
    sheet.set_paper(A4)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(header_first, header_last)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    sheet.center_horizontally()
    sheet.set_footer("&C&P/&N")
