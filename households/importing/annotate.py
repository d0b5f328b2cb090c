"""The officer's own workbook back, with every bad cell highlighted and a comment saying what is wrong.

The copy is written fresh with XlsxWriter from the values calamine read (whatever the upload's format), so it
opens in any office software; no cell text is ever written as a formula.
"""

import io
from collections import defaultdict
from pathlib import Path

import xlsxwriter

from households.importing import normalise, validate
from households.importing.reader import WorkbookError, open_table


def annotated_workbook(*, path: Path, errors: list[dict]) -> bytes:
    try:
        table = open_table(path)
        rows = list(table.rows)
    except WorkbookError:
        rows = []
    columns_by_header: dict[str, int] = {}
    try:
        header, _rest = validate.find_header(iter(rows))
        columns_by_header = {text: index for index, text in header.columns.values()}
    except validate.HeaderError:
        pass
    problems = defaultdict(list)
    for error in errors:
        problems[(error["row"], columns_by_header.get(error["column"], 0))].append(error["message"])

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_numbers": False, "strings_to_urls": False})
    bad = workbook.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "border": 1})
    bad_row = workbook.add_format({"bg_color": "#FFF2CC"})
    sheet = workbook.add_worksheet("Danh sách (có đánh dấu lỗi)")
    bad_rows = {row for row, _column in problems}
    for number, cells in rows:
        for index, value in enumerate(cells):
            if normalise.is_blank(value) and (number, index) not in problems:
                continue
            cell_format = bad if (number, index) in problems else bad_row if number in bad_rows else None
            value = "" if value is None else value
            if isinstance(value, str):
                sheet.write_string(number - 1, index, value, cell_format)
            elif isinstance(value, bool):
                sheet.write_boolean(number - 1, index, value, cell_format)
            elif isinstance(value, int | float):
                sheet.write_number(number - 1, index, value, cell_format)
            else:
                sheet.write_string(number - 1, index, normalise.cell_text(value), cell_format)
    widths = {number: len(cells) for number, cells in rows}
    for (number, index), messages in problems.items():
        if index >= widths.get(number, 0):  # the bad cell was empty: make it visible anyway
            sheet.write_blank(number - 1, index, None, bad)
        sheet.write_comment(number - 1, index, "\n".join(messages), {"x_scale": 2.5, "y_scale": 1.6})
    summary = workbook.add_worksheet("Danh sách lỗi")
    header_format = workbook.add_format({"bold": True, "bg_color": "#F4E3E3", "border": 1})
    for column, title in enumerate(["Dòng", "Cột", "Giá trị", "Lỗi"]):
        summary.write_string(0, column, title, header_format)
    for line, error in enumerate(errors, start=1):
        summary.write_number(line, 0, error["row"])
        summary.write_string(line, 1, error["column"])
        summary.write_string(line, 2, error["value"])
        summary.write_string(line, 3, error["message"])
    summary.set_column(0, 0, 8)
    summary.set_column(1, 2, 28)
    summary.set_column(3, 3, 100)
    summary.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()
