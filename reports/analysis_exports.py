"""The analysis table as the page's grid, the chart's data and the two downloads (issue 20): an Excel sheet
(XlsxWriter in constant-memory mode; numbers as numbers in the official forms' formats, which Excel shows with the
reader's Vietnamese separators) and a CSV (UTF-8 with a byte-order mark, so Excel reads the diacritics).

Aggregates only: unit names and figures, never a household."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from reports import analysis
from reports.exports.workbook import XLSX_CONTENT_TYPE, Formats, new_workbook, print_setup, write_number_or_blank
from reports.selectors import LEGACY


def grid(table: analysis.AnalysisTable, *, measure: str, compare_from: int, compare_to: int) -> dict:
    """Rows × years of one measure, the change between two years and the totals row, as plain data."""
    breaks = table.standard_breaks
    columns = [{"year": year, "standard": table.standards.get(year, ""), "break": year in breaks,
                "previous_standard": table.standards.get(year - 1, "")} for year in table.years]

    def line(code: str, name: str, cells: dict) -> dict:
        return {
            "code": code, "name": name, "values": [cells[year].value(measure) for year in table.years],
            "change": analysis.change(table, cells.get(compare_from), cells.get(compare_to), measure=measure,
                                      first=compare_from, second=compare_to),
        }

    return {
        "columns": columns, "kind": analysis.MEASURES[measure].kind,
        "rows": [line(row.code, row.name, row.cells) for row in table.rows],
        "total": line(table.unit.code, table.unit.name, table.totals),
        "compare_from": compare_from, "compare_to": compare_to,
        "comparable": table.comparable(compare_from, compare_to),
    }


def _number(value) -> float | int | None:
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal) else value


def chart_data(grid_data: dict, table: analysis.AnalysisTable, choice) -> dict:
    """For static/js/analysis.js (json_script): lines per unit across the years (bars of the last year when the
    rows are many), the unit's own line, the labels and the PNG file name."""
    return {
        "years": [str(column["year"]) for column in grid_data["columns"]],
        "rows": [{"name": row["name"], "values": [_number(value) for value in row["values"]]}
                 for row in grid_data["rows"]],
        "total": {"name": grid_data["total"]["name"], "values": [_number(v) for v in grid_data["total"]["values"]]},
        "kind": grid_data["kind"],
        "labels": {"measure": str(analysis.MEASURES[choice.measure].label), "no_data": _("chưa có số liệu")},
        "filename": f"phan-tich-{table.unit.code}-{table.years[0]}-{table.years[-1]}-{choice.measure}.png",
    }


def _title(table: analysis.AnalysisTable, choice) -> tuple[str, str]:
    measure = analysis.MEASURES[choice.measure]
    level = _("cấp huyện") if table.level == analysis.DISTRICT else _("cấp xã")
    title = _("%(measure)s — %(unit)s, theo %(level)s, năm %(first)s–%(last)s") % {
        "measure": measure.label, "unit": table.unit.name, "level": level, "first": table.years[0],
        "last": table.years[-1],
    }
    view = _("đơn vị trước 1/7/2025") if table.view == LEGACY else _("đơn vị hiện nay")
    note = _("Theo %(view)s. Số liệu tạm tính. Xuất ngày %(date)s.") % {
        "view": view, "date": timezone.localdate().strftime("%d/%m/%Y")}
    return title, note


def _change_header(grid_data: dict) -> str:
    unit = _("điểm %") if grid_data["kind"] == analysis.RATE else _("hộ")
    return _("Thay đổi %(first)s–%(last)s (%(unit)s)") % {
        "first": grid_data["compare_from"], "last": grid_data["compare_to"], "unit": unit}


def _filename(table: analysis.AnalysisTable, choice, extension: str) -> str:
    return f"phan-tich-{table.unit.code}-{table.years[0]}-{table.years[-1]}-{choice.measure}.{extension}"


def analysis_xlsx(table: analysis.AnalysisTable, choice, target) -> None:
    data = grid(table, measure=choice.measure, compare_from=choice.compare_from, compare_to=choice.compare_to)
    workbook = new_workbook(target, constant_memory=True)
    formats = Formats(workbook)
    sheet = workbook.add_worksheet(_("Phân tích"))
    last_column = 2 + len(table.years)
    title, note = _title(table, choice)
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 1, 32)
    sheet.set_column(2, last_column, 13)
    sheet.set_row(0, 36)
    sheet.merge_range(0, 0, 0, last_column, title, formats.title)
    sheet.merge_range(1, 0, 1, last_column, note, formats.subtitle)
    header = [_("Mã"), _("Đơn vị")] + [str(year) for year in table.years] + [_change_header(data)]
    for column, text in enumerate(header):
        sheet.write_string(3, column, text, formats.header)
    is_rate = data["kind"] == analysis.RATE
    value_format, total_format = (formats.rate, formats.total_rate) if is_rate else (formats.count,
                                                                                      formats.total_count)
    row_number = 4
    for line, text_format, number_format in [*((row, formats.text, value_format) for row in data["rows"]),
                                             (data["total"], formats.total_text, total_format)]:
        sheet.write_string(row_number, 0, line["code"], text_format)
        name = line["name"] if line is not data["total"] else _("Toàn %(unit)s") % {"unit": line["name"]}
        sheet.write_string(row_number, 1, name, text_format)
        for column, value in enumerate([*line["values"], line["change"]], start=2):
            write_number_or_blank(sheet, row_number, column, _number(value), number_format)
        row_number += 1
    if not data["comparable"]:
        sheet.write_string(row_number + 1, 0, _("Đổi chuẩn nghèo giữa hai năm so sánh: không tính thay đổi."),
                           formats.note)
    print_setup(sheet, header_first=3, header_last=3)
    workbook.close()


def xlsx_response(table: analysis.AnalysisTable, choice) -> FileResponse:
    output = io.BytesIO()
    analysis_xlsx(table, choice, output)
    output.seek(0)
    response = FileResponse(output, as_attachment=True, filename=_filename(table, choice, "xlsx"),
                            content_type=XLSX_CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return response


def analysis_csv(table: analysis.AnalysisTable, choice) -> bytes:
    data = grid(table, measure=choice.measure, compare_from=choice.compare_from, compare_to=choice.compare_to)
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow([_("Mã"), _("Đơn vị"), *table.years, _change_header(data)])

    def text(value) -> str:
        return "" if value is None else str(value)

    for line in [*data["rows"], data["total"]]:
        name = line["name"] if line is not data["total"] else _("Toàn %(unit)s") % {"unit": line["name"]}
        writer.writerow([line["code"], name, *(text(value) for value in line["values"]), text(line["change"])])
    return "\ufeff".encode() + output.getvalue().encode("utf-8")


def csv_response(table: analysis.AnalysisTable, choice) -> FileResponse:
    response = FileResponse(io.BytesIO(analysis_csv(table, choice)), as_attachment=True,
                            filename=_filename(table, choice, "csv"), content_type="text/csv; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response
