"""The disbursement report by project × source (and by month) for a unit and year, read from
`DisbursementAggregate` only (month 0: the funds of the year, own and carried over; months 1–12: disbursed).

This is the leadership report (aggregates, rolled up to the unit). The budgets app keeps its own working export
(`budgets:export`: every disbursement voucher, carry-over apart, by unit), which reads the budget lines themselves;
the reports page links to both. Money in million VND (triệu đồng) with three decimals, as the budgets pages show it;
totals are numbers summed from whole đồng, never formulas.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from budgets.models import Source
from programmes.models import Project, SubProject
from programmes.targets import rate
from provinces.models import AdministrativeUnit
from reports.exports.workbook import Formats, new_workbook, print_setup, rate_value, text, write_number_or_blank
from reports.models import DisbursementAggregate

MILLION = 1_000_000
SOURCES = list(Source.values)  # central, local, other, credit: the budgets app's order
HEADER_FIRST, HEADER_LAST = 5, 6
FIRST_DATA_ROW = HEADER_LAST + 1


@dataclass
class Money:
    allocated: int = 0
    disbursed: int = 0

    @property
    def rate(self):
        return rate(count=self.disbursed, total=self.allocated)


@dataclass
class ProjectLine:
    code: str
    name: str
    by_source: dict[str, Money] = field(default_factory=lambda: {source: Money() for source in SOURCES})
    by_month: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(1, 13), 0))

    @property
    def total(self) -> Money:
        return Money(sum(m.allocated for m in self.by_source.values()),
                     sum(m.disbursed for m in self.by_source.values()))


@dataclass
class DisbursementReport:
    unit: AdministrativeUnit
    year: int
    projects: list[ProjectLine]
    generated_at: datetime.datetime
    computed_at: datetime.datetime | None = None

    def source_total(self, source: str) -> Money:
        return Money(sum(p.by_source[source].allocated for p in self.projects),
                     sum(p.by_source[source].disbursed for p in self.projects))

    @property
    def total(self) -> Money:
        return Money(sum(p.total.allocated for p in self.projects), sum(p.total.disbursed for p in self.projects))

    def month_total(self, month: int) -> int:
        return sum(p.by_month[month] for p in self.projects)


def _project_key(code: str) -> list:
    """DA1 < DA3 < DA3.1 < DA3.2 < DA10 (numbers compared as numbers)."""
    parts = code.replace("DA", "").split(".")
    return [int(part) if part.isdigit() else 0 for part in parts] + [code]


def _names(codes) -> dict[str, str]:
    """Project and sub-project names by code (two small queries; the latest programme's name wins)."""
    names = dict(Project.objects.filter(code__in=codes).order_by("programme__code").values_list("code", "name"))
    names.update(SubProject.objects.filter(code__in=codes).order_by("project__programme__code")
                 .values_list("code", "name"))
    return names


def disbursement_build(*, unit: AdministrativeUnit, year: int) -> DisbursementReport:
    """One query over the unit's aggregate rows (they already include the units below it), plus the names."""
    lines: dict[str, ProjectLine] = {}
    stamps = []
    for source, project, month, allocated, disbursed, stamp in DisbursementAggregate.objects.filter(
        Q(unit=unit) & Q(year=year)
    ).values_list("source", "project", "month", "allocated_vnd", "disbursed_vnd", "computed_at"):
        line = lines.setdefault(project, ProjectLine(code=project, name=""))
        money = line.by_source.setdefault(source, Money())
        money.allocated += allocated
        money.disbursed += disbursed
        if month:
            line.by_month[month] += disbursed
        stamps.append(stamp)
    names = _names(list(lines))
    for line in lines.values():
        line.name = names.get(line.code, "")
    projects = sorted(lines.values(), key=lambda line: _project_key(line.code))
    return DisbursementReport(unit=unit, year=year, projects=projects, generated_at=timezone.localtime(),
                              computed_at=max(stamps) if stamps else None)


# --- the workbook ----------------------------------------------------------------------------------------------------


def _million(vnd: int) -> float:
    return vnd / MILLION


def _title(sheet, formats: Formats, report: DisbursementReport, last: int, title: str) -> None:
    sheet.set_row(0, 24)
    sheet.merge_range(0, 0, 0, 3, text(_("UBND %(unit)s") % {"unit": report.unit.name.upper()}), formats.agency)
    sheet.merge_range(0, last - 2, 0, last, _("Biểu số 02/TH-GN"), formats.form_number)
    sheet.set_row(1, 36)
    sheet.merge_range(1, 0, 1, last, title, formats.title)
    sheet.merge_range(2, 0, 2, last, text(
        _("%(unit)s (mã %(code)s), gồm vốn của đơn vị và các đơn vị trực thuộc. Năm kế hoạch %(year)s.")
        % {"unit": report.unit.name, "code": report.unit.code, "year": report.year}), formats.subtitle)
    stamp = report.computed_at or report.generated_at
    sheet.set_row(3, 30)
    sheet.merge_range(3, 0, 3, last, text(
        _("Đơn vị tính: triệu đồng. Kế hoạch vốn gồm vốn giao trong năm và vốn năm trước chuyển sang. Tỷ lệ giải ngân"
          " = đã giải ngân / kế hoạch vốn × 100. Số liệu tổng hợp lúc %(stamp)s.")
        % {"stamp": timezone.localtime(stamp).strftime("%d/%m/%Y %H:%M")}), formats.subtitle)


def _money_cells(sheet, row: int, column: int, money: Money, formats: Formats, total: bool) -> None:
    money_format = formats.total_money if total else formats.money
    rate_format = formats.total_rate if total else formats.rate
    sheet.write_number(row, column, _million(money.allocated), money_format)
    sheet.write_number(row, column + 1, _million(money.disbursed), money_format)
    write_number_or_blank(sheet, row, column + 2, rate_value(money.rate), rate_format)


def _project_sheet(workbook, formats: Formats, report: DisbursementReport) -> None:
    sheet = workbook.add_worksheet(_("Theo dự án và nguồn vốn"))
    groups = [(source, str(Source(source).label)) for source in SOURCES] + [("total", _("Tổng cộng"))]
    last = 2 + 3 * len(groups) - 1
    _title(sheet, formats, report, last, _(
        "BÁO CÁO KẾT QUẢ GIẢI NGÂN VỐN CHƯƠNG TRÌNH MTQG GIẢM NGHÈO BỀN VỮNG NĂM %(year)s THEO DỰ ÁN VÀ NGUỒN VỐN")
        % {"year": report.year})
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 46)
    sheet.set_column(2, last, 13)
    sheet.set_row(HEADER_FIRST, 30)
    sheet.merge_range(HEADER_FIRST, 0, HEADER_LAST, 0, _("STT"), formats.header)
    sheet.merge_range(HEADER_FIRST, 1, HEADER_LAST, 1, _("Dự án, tiểu dự án"), formats.header)
    sheet.set_row(HEADER_LAST, 30)
    for index, (_key, label) in enumerate(groups):
        first = 2 + index * 3
        sheet.merge_range(HEADER_FIRST, first, HEADER_FIRST, first + 2, label, formats.header)
        for offset, sub in enumerate((_("Kế hoạch vốn"), _("Đã giải ngân"), _("Tỷ lệ (%)"))):
            sheet.write_string(HEADER_LAST, first + offset, sub, formats.header)
    row = FIRST_DATA_ROW
    sheet.write_string(row, 0, "", formats.total_center)
    sheet.write_string(row, 1, _("Tổng cộng"), formats.total_text)
    for index, (key, _label) in enumerate(groups):
        money = report.total if key == "total" else report.source_total(key)
        _money_cells(sheet, row, 2 + index * 3, money, formats, total=True)
    for number, line in enumerate(report.projects, start=1):
        row += 1
        sheet.write_number(row, 0, number, formats.center)
        sheet.write_string(row, 1, text(f"{line.code}. {line.name}" if line.name else line.code), formats.text)
        for index, (key, _label) in enumerate(groups):
            money = line.total if key == "total" else line.by_source[key]
            _money_cells(sheet, row, 2 + index * 3, money, formats, total=False)
    sheet.freeze_panes(FIRST_DATA_ROW, 2)
    print_setup(sheet, header_first=HEADER_FIRST, header_last=HEADER_LAST)


def _month_sheet(workbook, formats: Formats, report: DisbursementReport) -> None:
    sheet = workbook.add_worksheet(_("Giải ngân theo tháng"))
    last = 2 + 12 + 1
    _title(sheet, formats, report, last, _("GIẢI NGÂN THEO THÁNG NĂM %(year)s") % {"year": report.year})
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 40)
    sheet.set_column(2, last, 11)
    headers = [_("STT"), _("Dự án, tiểu dự án"), _("Kế hoạch vốn")]
    headers += [_("Tháng %(month)s") % {"month": month} for month in range(1, 13)] + [_("Lũy kế")]
    sheet.set_row(HEADER_FIRST, 30)
    for column, label in enumerate(headers):
        sheet.merge_range(HEADER_FIRST, column, HEADER_LAST, column, label, formats.header)
    row = FIRST_DATA_ROW
    sheet.write_string(row, 0, "", formats.total_center)
    sheet.write_string(row, 1, _("Tổng cộng"), formats.total_text)
    sheet.write_number(row, 2, _million(report.total.allocated), formats.total_money)
    for month in range(1, 13):
        sheet.write_number(row, 2 + month, _million(report.month_total(month)), formats.total_money)
    sheet.write_number(row, last, _million(report.total.disbursed), formats.total_money)
    for number, line in enumerate(report.projects, start=1):
        row += 1
        sheet.write_number(row, 0, number, formats.center)
        sheet.write_string(row, 1, text(f"{line.code}. {line.name}" if line.name else line.code), formats.text)
        sheet.write_number(row, 2, _million(line.total.allocated), formats.money)
        for month in range(1, 13):
            sheet.write_number(row, 2 + month, _million(line.by_month[month]), formats.money)
        sheet.write_number(row, last, _million(line.total.disbursed), formats.money)
    sheet.freeze_panes(FIRST_DATA_ROW, 2)
    print_setup(sheet, header_first=HEADER_FIRST, header_last=HEADER_LAST)


def disbursement_xlsx(report: DisbursementReport, target) -> None:
    workbook = new_workbook(target, constant_memory=False)
    workbook.set_properties({"title": _("Báo cáo giải ngân theo dự án và nguồn vốn"), "company": "MTQG GNBV"})
    formats = Formats(workbook)
    _project_sheet(workbook, formats, report)
    _month_sheet(workbook, formats, report)
    workbook.close()

