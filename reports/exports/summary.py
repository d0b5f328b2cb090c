"""The summary of review results by unit ("Biểu tổng hợp kết quả rà soát hộ nghèo, hộ cận nghèo"), read from
`PovertyAggregate` only: no review is scanned and no name appears.

Layout (docs/domain.md §5; the exact Appendix VII columns of Circular 07/2021 were not retrieved, so the columns
are those the summary forms are known to carry): total households, poor households (number, rate), near-poor
households (number, rate), the multidimensional poverty rate, middle-living-standard households, the changes
during the year (escaped, newly poor, re-poor), the households reviewed and a note. Rows: the unit's total, then
each district (a subtotal, Roman-numbered) followed by its communes; a 2025 province has communes only.

Which administrative units: a review year's own units (before 1 July 2025: provinces, districts, communes; from
then on: today's provinces and communes), or, on request, the other period's units: figures of earlier years
re-aggregated under today's units through the default successors, or later years' figures under the legacy units
through the primary predecessors (`reports.selectors` defines both mappings; the totals row is
`reports.selectors.poverty_under`). The sheet says which.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from programmes.groups import HouseholdGroup
from provinces.models import LEGACY_VALID_TO, REORGANISATION_DATE, AdministrativeUnit, UnitSuccession, end_of_year
from provinces.selectors import default_successors, primary_predecessors, scope_filter, units_in_force
from reports import publications
from reports.exports.workbook import Formats, new_workbook, print_setup, rate_value, text, write_number_or_blank
from reports.models import PovertyAggregate
from reports.models_publications import PublicationFigure
from reports.selectors import (
    CURRENT,
    LEGACY,
    VIEWS,
    PovertyFigures,
    figures_of,
    figures_summed,
    natural_view,
    poverty_under,
)

COMMUNE, DISTRICT = AdministrativeUnit.Level.COMMUNE, AdministrativeUnit.Level.DISTRICT
ALL_HOUSEHOLDS = gettext_lazy("Tất cả các hộ")  # the workbook's own label of the group "all"
TOTAL = "total"
GROUP = "group"
HEADER_FIRST, HEADER_LAST = 6, 8  # two header rows and the column-number row
FIRST_DATA_ROW = HEADER_LAST + 1
LEGAL_BASIS = gettext_lazy(
    "Căn cứ Quyết định số 24/2021/QĐ-TTg ngày 16/7/2021 của Thủ tướng Chính phủ (quy trình rà soát hộ nghèo, hộ cận "
    "nghèo hằng năm) và Thông tư số 07/2021/TT-BLĐTBXH ngày 18/7/2021 (phương pháp rà soát, phân loại; biểu mẫu "
    "báo cáo tại Phụ lục VII, sửa đổi bởi Thông tư số 02/2022/TT-BLĐTBXH)."
)
ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
         (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def roman(number: int) -> str:
    out = []
    for value, letters in ROMAN:
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)


@dataclass(frozen=True)
class SummaryLine:
    kind: str  # TOTAL, DISTRICT or COMMUNE
    number: str  # what the STT column shows
    unit: AdministrativeUnit
    figures: PovertyFigures | None
    label: str = ""  # the name column's text when it is not the unit's name (a group of households)


@dataclass(frozen=True)
class SummaryReport:
    unit: AdministrativeUnit
    year: int
    view: str
    lines: list[SummaryLine]
    generated_at: datetime.datetime
    groups: list[SummaryLine] = field(default_factory=list)  # the unit's figures by group of households
    figures_label: str = ""  # "Số liệu chính thức (QĐ số …)" or "Số liệu tạm tính" (reports.publications)

    @property
    def total(self) -> PovertyFigures | None:
        return self.lines[0].figures

    @property
    def remapped(self) -> bool:
        return self.view != natural_view(self.year)

    @property
    def standard(self) -> str:
        return next((line.figures.standard for line in self.lines if line.figures and line.figures.standard), "")


# --- reading the aggregates ----------------------------------------------------------------------------------------


def _tree_lines(top: AdministrativeUnit, units: list[AdministrativeUnit],
                by_unit: dict[int, PovertyFigures | None], total: PovertyFigures | None) -> list[SummaryLine]:
    """The total line, then each child of `top` (districts: a subtotal followed by its communes), by code."""
    children: dict[int, list[AdministrativeUnit]] = defaultdict(list)
    for unit in units:
        if unit.parent_id is not None:
            children[unit.parent_id].append(unit)
    for siblings in children.values():
        siblings.sort(key=lambda unit: unit.code)
    lines = [SummaryLine(TOTAL, "", top, total)]
    district_number = commune_number = 0
    for child in children[top.pk]:
        if child.level == DISTRICT:
            district_number += 1
            lines.append(SummaryLine(DISTRICT, roman(district_number), child, by_unit.get(child.pk)))
            for number, commune in enumerate(children[child.pk], start=1):
                lines.append(SummaryLine(COMMUNE, str(number), commune, by_unit.get(commune.pk)))
        else:
            commune_number += 1
            lines.append(SummaryLine(COMMUNE, str(commune_number), child, by_unit.get(child.pk)))
    return lines


def _subtree(on: datetime.date, unit: AdministrativeUnit) -> list[AdministrativeUnit]:
    return list(
        units_in_force(on=on).filter(scope_filter(unit=unit))
        .only("pk", "code", "name", "short_name", "level", "parent_id", "valid_from", "valid_to")
    )


def _natural(unit: AdministrativeUnit, year: int, view: str) -> list[SummaryLine]:
    """Two queries: the units in force at the end of `year` below `unit`, and their aggregate rows."""
    units = _subtree(end_of_year(year), unit)
    by_pk = {item.pk: item for item in units}
    # A published year: the frozen figures of its publication (reports.publications), never a later recompute.
    publication = publications.publication_of(unit=unit, year=year)
    source = (PublicationFigure.objects.filter(publication=publication) if publication is not None
              else PovertyAggregate.objects)
    rows = source.filter(year=year, group=HouseholdGroup.ALL).filter(
        scope_filter(unit=unit, prefix="unit")
    )
    by_unit = {row.unit_id: figures_of(row, unit=by_pk.get(row.unit_id, unit), view=view) for row in rows}
    return _tree_lines(unit, units, by_unit, by_unit.get(unit.pk))


def _legacy_year_under_current(unit: AdministrativeUnit, year: int) -> list[SummaryLine]:
    """A year before the 2025 reorganisation under today's `unit`: each legacy commune's row goes to its default
    2025 successor (as `provinces.selectors.figures_to_current` does)."""
    today_units = _subtree(max(timezone.localdate(), REORGANISATION_DATE), unit)
    communes = {item.pk for item in today_units if item.level == COMMUNE}
    predecessors = UnitSuccession.objects.filter(successor_id__in=communes, is_default=True).values_list(
        "predecessor_id", flat=True
    )
    target_of = default_successors(unit_ids=set(predecessors))
    rows = list(
        PovertyAggregate.objects.filter(unit_id__in=list(target_of), year=year, group=HouseholdGroup.ALL,
                                        level=COMMUNE).select_related("unit")
    )
    grouped: dict[int, list[PovertyAggregate]] = defaultdict(list)
    for row in rows:
        if target_of[row.unit_id] in communes:
            grouped[target_of[row.unit_id]].append(row)
    by_pk = {item.pk: item for item in today_units}
    by_unit = {pk: figures_summed(unit=by_pk[pk], year=year, group=HouseholdGroup.ALL, view=CURRENT, rows=items)
               for pk, items in grouped.items()}
    return _tree_lines(unit, today_units, by_unit, poverty_under(unit=unit, year=year, view=CURRENT))


def _current_year_under_legacy(unit: AdministrativeUnit, year: int) -> list[SummaryLine]:
    """A year after the reorganisation under legacy `unit`: each 2025 commune's row goes to its primary
    predecessor, and up that commune's legacy district (as `provinces.selectors.figures_to_legacy` does)."""
    legacy_units = _subtree(LEGACY_VALID_TO, unit)
    by_pk = {item.pk: item for item in legacy_units}
    communes = {item.pk for item in legacy_units if item.level == COMMUNE}
    successors = UnitSuccession.objects.filter(predecessor_id__in=communes).values_list("successor_id", flat=True)
    primary = {pk: predecessor for pk, predecessor in primary_predecessors(unit_ids=set(successors)).items()
               if predecessor in communes}
    rows = list(
        PovertyAggregate.objects.filter(unit_id__in=list(primary), year=year, group=HouseholdGroup.ALL, level=COMMUNE)
        .select_related("unit")
    )
    grouped: dict[int, list[PovertyAggregate]] = defaultdict(list)
    for row in rows:
        commune = by_pk[primary[row.unit_id]]
        grouped[commune.pk].append(row)
        if commune.parent_id in by_pk and commune.parent_id != unit.pk:
            grouped[commune.parent_id].append(row)
    by_unit = {pk: figures_summed(unit=by_pk[pk], year=year, group=HouseholdGroup.ALL, view=LEGACY, rows=items)
               for pk, items in grouped.items()}
    return _tree_lines(unit, legacy_units, by_unit, poverty_under(unit=unit, year=year, view=LEGACY))


def summary_build(*, unit: AdministrativeUnit, year: int, view: str | None = None) -> SummaryReport:
    """The report of `unit` for review `year` in `view` (the year's own units by default). `unit` must belong to
    the view's period (`reports.selectors.unit_for_view` gives it). A handful of queries, whatever the size."""
    view = view or natural_view(year)
    if view not in VIEWS:
        raise ValueError(view)
    if view == natural_view(year):
        lines = _natural(unit, year, view)
    elif view == CURRENT:
        lines = _legacy_year_under_current(unit, year)
    else:
        lines = _current_year_under_legacy(unit, year)
    publication = publications.publication_of(unit=unit, year=year) if view == natural_view(year) else None
    return SummaryReport(unit=unit, year=year, view=view, lines=lines, generated_at=timezone.localtime(),
                         groups=_groups(unit, year, view, lines[0].figures),
                         figures_label=publications.figures_label(publication).text)


def _groups(unit: AdministrativeUnit, year: int, view: str, total: PovertyFigures | None) -> list[SummaryLine]:
    """All households, then the groups that have figures: ethnic-minority households, female heads, the communes
    of poor districts. One query in the year's own units, a few per group otherwise."""
    wanted = [HouseholdGroup.ETHNIC_MINORITY, HouseholdGroup.FEMALE_HEAD, HouseholdGroup.POOR_DISTRICT]
    if view == natural_view(year):
        rows = PovertyAggregate.objects.filter(unit=unit, year=year, group__in=wanted)
        by_group = {row.group: figures_of(row, unit=unit, view=view) for row in rows}
    else:
        by_group = {group: poverty_under(unit=unit, year=year, view=view, group=group) for group in wanted}
    lines = [SummaryLine(GROUP, "1", unit, total, label=str(ALL_HOUSEHOLDS))]
    for group in wanted:
        if by_group.get(group) is not None:
            lines.append(SummaryLine(GROUP, str(len(lines) + 1), unit, by_group[group], label=str(group.label)))
    return lines


# --- the workbook ----------------------------------------------------------------------------------------------------

COLUMNS = [  # (header, group header or None, column number text, width)
    (gettext_lazy("STT"), None, "A", 6),
    (gettext_lazy("Mã đơn vị"), None, "B", 9),
    (gettext_lazy("Đơn vị"), None, "C", 30),
    (gettext_lazy("Tổng số hộ dân cư"), None, "(1)", 13),
    (gettext_lazy("Số hộ"), gettext_lazy("Hộ nghèo"), "(2)", 11),
    (gettext_lazy("Tỷ lệ (%)"), gettext_lazy("Hộ nghèo"), "(3)=(2)/(1)×100", 11),
    (gettext_lazy("Số hộ"), gettext_lazy("Hộ cận nghèo"), "(4)", 11),
    (gettext_lazy("Tỷ lệ (%)"), gettext_lazy("Hộ cận nghèo"), "(5)=(4)/(1)×100", 11),
    (gettext_lazy("Tỷ lệ nghèo đa chiều (%)"), None, "(6)=((2)+(4))/(1)×100", 12),
    (gettext_lazy("Hộ có mức sống trung bình"), None, "(7)", 12),
    (gettext_lazy("Hộ thoát nghèo"), gettext_lazy("Diễn biến trong năm"), "(8)", 11),
    (gettext_lazy("Hộ nghèo phát sinh"), gettext_lazy("Diễn biến trong năm"), "(9)", 11),
    (gettext_lazy("Hộ tái nghèo"), gettext_lazy("Diễn biến trong năm"), "(10)", 11),
    (gettext_lazy("Số hộ được rà soát"), None, "(11)", 11),
    (gettext_lazy("Ghi chú"), None, "(12)", 30),
]


def view_description(report: SummaryReport) -> str:
    if report.view == LEGACY:
        text_ = _("Đơn vị hành chính trước ngày 01/7/2025 (tỉnh, huyện, xã)")
    else:
        text_ = _("Đơn vị hành chính hiện nay (từ ngày 01/7/2025: tỉnh, xã)")
    if report.remapped:
        text_ += "; " + (
            _("số liệu năm %(year)s quy đổi sang đơn vị kế thừa sau sắp xếp") if report.view == CURRENT
            else _("số liệu năm %(year)s quy đổi về đơn vị trước sắp xếp")
        ) % {"year": report.year}
    return text_


def _note(line: SummaryLine) -> str:
    figures = line.figures
    if figures is None:
        return _("Chưa có số liệu rà soát")
    notes = []
    if figures.total_households is None:
        notes.append(_("Chưa có tổng số hộ: không tính được tỷ lệ"))
    if line.kind != COMMUNE and figures.communes_total and not figures.is_complete:
        notes.append(_("Đã rà soát %(done)s/%(all)s xã") % {"done": figures.communes_reviewed,
                                                             "all": figures.communes_total})
    if figures.remapped and line.kind == COMMUNE and figures.sources:
        notes.append(_("Từ: %(codes)s") % {"codes": ", ".join(figures.sources)})
    return "; ".join(notes)


def _title_block(sheet, formats: Formats, report: SummaryReport, title: str | None = None) -> None:
    last = len(COLUMNS) - 1
    issuer = _("UBND %(unit)s") % {"unit": report.unit.name.upper()}
    sheet.set_row(0, 30)
    sheet.merge_range(0, 0, 0, 4, text(issuer), formats.agency)
    sheet.merge_range(0, last - 2, 0, last, _("Biểu số 01/TH-RS"), formats.form_number)
    sheet.set_row(1, 36)
    sheet.merge_range(1, 0, 1, last, title or _("BIỂU TỔNG HỢP KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM %(year)s")
                      % {"year": report.year}, formats.title)
    standard = report.standard
    subtitle = _("%(unit)s (mã %(code)s) — chuẩn nghèo đa chiều giai đoạn %(standard)s") % {
        "unit": report.unit.name, "code": report.unit.code, "standard": standard or "—"}
    sheet.merge_range(2, 0, 2, last, text(subtitle), formats.subtitle)
    sheet.set_row(3, 30)
    sheet.merge_range(3, 0, 3, last, str(LEGAL_BASIS), formats.subtitle)
    stamp = report.total.computed_at if report.total and report.total.computed_at else report.generated_at
    sheet.set_row(4, 30)
    sheet.merge_range(4, 0, 4, last, text(
        _("%(view)s. Đơn vị tính: hộ; tỷ lệ: %% số hộ dân cư. Số liệu tổng hợp lúc %(stamp)s; xuất lúc %(now)s.")
        % {"view": view_description(report), "stamp": timezone.localtime(stamp).strftime("%d/%m/%Y %H:%M"),
           "now": report.generated_at.strftime("%d/%m/%Y %H:%M")}), formats.subtitle)
    if report.figures_label:  # official (with the decision) or provisional: a line of its own (issue 17)
        sheet.merge_range(5, 0, 5, last, text(report.figures_label), formats.subtitle)


def _header(sheet, formats: Formats, name_label: str | None = None) -> None:
    sheet.set_row(HEADER_FIRST, 30)
    sheet.set_row(HEADER_FIRST + 1, 45)
    column = 0
    while column < len(COLUMNS):
        label, group, _number, _width = COLUMNS[column]
        if group is None:
            if column == 2 and name_label:
                label = name_label
            sheet.merge_range(HEADER_FIRST, column, HEADER_FIRST + 1, column, str(label), formats.header)
            column += 1
            continue
        end = column
        while end + 1 < len(COLUMNS) and COLUMNS[end + 1][1] == group:
            end += 1
        sheet.merge_range(HEADER_FIRST, column, HEADER_FIRST, end, str(group), formats.header)
        for index in range(column, end + 1):
            sheet.write_string(HEADER_FIRST + 1, index, str(COLUMNS[index][0]), formats.header)
        column = end + 1
    for index, (_label, _group, number, width) in enumerate(COLUMNS):
        sheet.write_string(HEADER_LAST, index, number, formats.column_number)
        sheet.set_column(index, index, width)


def _line(sheet, formats: Formats, row: int, line: SummaryLine) -> None:
    if line.kind == TOTAL:
        label, center, count, rate = formats.total_text, formats.total_center, formats.total_count, formats.total_rate
        name = _("Tổng cộng: %(unit)s") % {"unit": line.unit.name}
    elif line.kind == DISTRICT:
        label, center, count, rate = formats.sub_text, formats.sub_center, formats.sub_count, formats.sub_rate
        name = line.unit.name
    else:
        label, center, count, rate = formats.text, formats.center, formats.count, formats.rate
        name = line.label or line.unit.name
    sheet.write_string(row, 0, line.number, center)
    sheet.write_string(row, 1, text(line.unit.code), center)
    sheet.write_string(row, 2, text(name), label)
    figures = line.figures
    if figures is None:
        values = [None] * 11
    else:
        values = [
            figures.total_households, figures.poor, rate_value(figures.poverty_rate), figures.near_poor,
            rate_value(figures.near_poverty_rate), rate_value(figures.multidimensional_poverty_rate),
            figures.middle, figures.escaped, figures.newly_poor, figures.re_poor, figures.reviewed,
        ]
    rate_columns = {5, 7, 8}
    for offset, value in enumerate(values):
        column = 3 + offset
        write_number_or_blank(sheet, row, column, value, rate if column in rate_columns else count)
    sheet.write_string(row, len(COLUMNS) - 1, text(_note(line)), label)


def _signature(sheet, formats: Formats, row: int) -> None:
    last = len(COLUMNS) - 1
    sheet.merge_range(row, last - 4, row, last, _("…, ngày … tháng … năm …"), formats.signature_note)
    sheet.merge_range(row + 1, 0, row + 1, 4, _("NGƯỜI LẬP BIỂU"), formats.signature)
    sheet.merge_range(row + 1, last - 4, row + 1, last, _("THỦ TRƯỞNG ĐƠN VỊ"), formats.signature)
    sheet.merge_range(row + 2, 0, row + 2, 4, _("(Ký, ghi rõ họ tên)"), formats.signature_note)
    sheet.merge_range(row + 2, last - 4, row + 2, last, _("(Ký, ghi rõ họ tên, đóng dấu)"), formats.signature_note)


def summary_xlsx(report: SummaryReport, target) -> None:
    """Write the report's workbook to `target` (a path or a binary file object)."""
    workbook = new_workbook(target, constant_memory=False)
    workbook.set_properties({"title": _("Tổng hợp kết quả rà soát hộ nghèo, hộ cận nghèo"), "company": "MTQG GNBV"})
    formats = Formats(workbook)
    sheet = workbook.add_worksheet(_("Tổng hợp rà soát"))
    _title_block(sheet, formats, report)
    _header(sheet, formats)
    row = FIRST_DATA_ROW
    for line in report.lines:
        _line(sheet, formats, row, line)
        row += 1
    _signature(sheet, formats, row + 1)
    sheet.freeze_panes(FIRST_DATA_ROW, 3)
    print_setup(sheet, header_first=HEADER_FIRST, header_last=HEADER_LAST)
    sheet.print_area(0, 0, row + 3, len(COLUMNS) - 1)
    _group_sheet(workbook, formats, report)
    workbook.close()


def _group_sheet(workbook, formats: Formats, report: SummaryReport) -> None:
    """The unit's figures by group of households (the breakdowns of the official forms: ethnic minority, female
    head; and the communes of poor districts, which the programme's targets name)."""
    sheet = workbook.add_worksheet(_("Theo nhóm hộ"))
    _title_block(sheet, formats, report, title=_(
        "KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM %(year)s THEO NHÓM HỘ") % {"year": report.year})
    _header(sheet, formats, name_label=_("Nhóm hộ"))
    row = FIRST_DATA_ROW
    for line in report.groups:
        _line(sheet, formats, row, line)
        row += 1
    sheet.merge_range(row + 1, 0, row + 1, len(COLUMNS) - 1, _(
        "Tỷ lệ của một nhóm tính trên tổng số hộ của nhóm đó (khi đã nhập); trống khi chưa có tổng số hộ của nhóm."),
        formats.note)
    sheet.freeze_panes(FIRST_DATA_ROW, 3)
    print_setup(sheet, header_first=HEADER_FIRST, header_last=HEADER_LAST)
