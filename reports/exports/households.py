"""The household list of a unit and review year, as the user may see it, streamed into an Excel file.

* Scope: the reviews come from `households.selectors.household_reviews_visible_to(viewer=…)`, so a list never holds a
  household outside the user's unit, whoever asks for which unit.
* Personal data: the head's name is a column only for roles that may see it
  (`households.selectors.may_see_personal_data`); for leadership the column is not there at all (not masked:
  absent). ID numbers are never exported: they are shown only on the household page (config/access.py).
* Memory: the rows are read with a server-side cursor in batches (`iterator(chunk_size=…)`) and written with
  XlsxWriter in constant_memory mode (each row goes to a temporary file as soon as it is complete), so memory stays
  flat however long the list is.
* No formula: every text from the database is written with `write_string` (see `workbook`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import HouseholdReview
from households.selectors import (
    LIST_ORDER,
    ReviewFilters,
    household_reviews_filter,
    household_reviews_visible_to,
    may_see_personal_data,
    standards_all,
)
from provinces.models import AdministrativeUnit
from provinces.viewer import viewer_of
from reports.exports.workbook import Formats, new_workbook, print_setup, text

BATCH = 2000
HEADER_ROW = 5
FIRST_DATA_ROW = HEADER_ROW + 1
YES = "x"


@dataclass(frozen=True)
class HouseholdListRequest:
    user: object
    unit: AdministrativeUnit
    year: int
    classification: str = ""  # "" = every classification


def household_list_queryset(request: HouseholdListRequest):
    """The user's reviews of the year in the unit (any level), in the list's index order."""
    queryset = household_reviews_visible_to(viewer=viewer_of(request.user), year=request.year)
    filters = ReviewFilters(unit_code=request.unit.code, classification=request.classification or None)
    return household_reviews_filter(queryset=queryset, year=request.year, filters=filters).order_by(*LIST_ORDER)


FIELDS = (
    "household__code", "household__head_name", "commune__code", "commune__name",
    "household__village", "household__ethnicity", "household__is_ethnic_minority", "household__is_female_head",
    "members", "area", "income_per_capita", "deprivation_count", "deprivations", "standard__code",
    "classification", "declared_classification", "is_mismatch", "transition", "kind", "review_date",
)


def _columns(personal: bool) -> list[tuple[str, int]]:
    columns = [(_("STT"), 7), (_("Mã hộ"), 14)]
    if personal:
        columns += [(_("Họ và tên chủ hộ"), 26)]
    columns += [
        (_("Mã xã"), 8), (_("Xã/phường/thị trấn"), 22), (_("Thôn/bản/tổ dân phố"), 18), (_("Dân tộc"), 10),
        (_("Hộ DTTS"), 7), (_("Chủ hộ là nữ"), 7), (_("Số nhân khẩu"), 8), (_("Khu vực"), 9),
        (_("Thu nhập bình quân đầu người/tháng (đồng)"), 14), (_("Số chỉ số thiếu hụt"), 9),
        (_("Các chỉ số thiếu hụt"), 40), (_("Phân loại (hệ thống tính theo chuẩn)"), 16),
        (_("Phân loại (xã công nhận)"), 16), (_("Khác phân loại của xã"), 8), (_("Biến động so với năm trước"), 14),
        (_("Loại rà soát"), 14), (_("Ngày rà soát"), 11),
    ]
    return columns


def household_list_xlsx(request: HouseholdListRequest, target,
                        on_progress: Callable[[int, int], None] | None = None) -> int:
    """Write the list to `target` (a path or a binary file object); returns the number of households written.
    `on_progress(done, total)` is called every `BATCH` rows. Three queries plus one per `BATCH` rows on
    PostgreSQL (a server-side cursor), whatever the length."""
    personal = may_see_personal_data(viewer=viewer_of(request.user))
    queryset = household_list_queryset(request)
    total = queryset.count()
    rows = queryset.values_list(*FIELDS)
    indicator_names: dict[tuple[str, str], str] = {}
    for code, rules in standards_all().rules.items():
        for item in rules.indicator_details:
            indicator_names[(code, item.key)] = item.name
    classification_label = {value: str(label) for value, label in HouseholdReview.Classification.choices}
    transition_label = {value: str(label) for value, label in HouseholdReview.Transition.choices}
    kind_label = {value: str(label) for value, label in HouseholdReview.Kind.choices}
    area_label = {value: str(label) for value, label in AdministrativeUnit.Area.choices}

    workbook = new_workbook(target, constant_memory=True)
    workbook.set_properties({"title": _("Danh sách hộ"), "company": "MTQG GNBV"})
    formats = Formats(workbook)
    sheet = workbook.add_worksheet(_("Danh sách hộ"))
    columns = _columns(personal)
    last = len(columns) - 1
    for index, (_label, width) in enumerate(columns):
        sheet.set_column(index, index, width)
    title = _("DANH SÁCH HỘ THEO KẾT QUẢ RÀ SOÁT NĂM %(year)s") % {"year": request.year}
    if request.classification:
        title += " — " + classification_label.get(request.classification, request.classification).upper()
    sheet.set_row(0, 26)
    sheet.merge_range(0, 0, 0, last, text(title), formats.title)
    sheet.merge_range(1, 0, 1, last, text(_("%(unit)s (mã %(code)s). Xuất lúc %(now)s: %(count)s hộ.") % {
        "unit": request.unit.name, "code": request.unit.code, "count": f"{total:,}".replace(",", "."),
        "now": timezone.localtime().strftime("%d/%m/%Y %H:%M")}), formats.subtitle)
    note = (_("Danh sách có họ tên chủ hộ: dữ liệu cá nhân, chỉ dùng cho công tác giảm nghèo, không chuyển cho "
              "người không có thẩm quyền. Số định danh chỉ xem trên trang từng hộ.") if personal else
            _("Vai trò của người xuất chỉ xem số liệu tổng hợp: danh sách không có họ tên và số định danh của chủ hộ."))
    sheet.merge_range(2, 0, 2, last, note, formats.note)
    sheet.set_row(HEADER_ROW, 45)
    for index, (label, _width) in enumerate(columns):
        sheet.write_string(HEADER_ROW, index, label, formats.header)

    row = FIRST_DATA_ROW
    written = 0
    # Data cells carry no format but where one is needed (money, dates): a formatted cell costs XlsxWriter about half
    # as much again as a plain one, and empty texts are not written at all (a list of 100,000 rows has ~2 million
    # cells; see benchmarks/export_households.py).
    write_string, write_number = sheet.write_string, sheet.write_number
    money, date_format = formats.plain_count, formats.plain_date
    for (code, name, commune_code, commune_name, village, ethnicity, minority, female, members, area,
         income, deprivation_count, deprivations, standard, classification, declared, mismatch, transition, kind,
         review_date) in rows.iterator(chunk_size=BATCH):
        written += 1
        write_number(row, 0, written)
        texts = [code, name] if personal else [code]
        texts += [commune_code, commune_name, village, ethnicity, YES if minority else "", YES if female else ""]
        column = 1
        for value in texts:
            if value:
                write_string(row, column, value)
            column += 1
        write_number(row, column, members)
        write_string(row, column + 1, area_label.get(area) or text(area))
        write_number(row, column + 2, income, money)
        write_number(row, column + 3, deprivation_count)
        if deprivations:
            write_string(row, column + 4, "; ".join(
                indicator_names.get((standard, key)) or text(key) for key in deprivations))
        write_string(row, column + 5, classification_label.get(classification) or text(classification))
        if declared:
            write_string(row, column + 6, classification_label.get(declared) or text(declared))
        if mismatch:
            write_string(row, column + 7, YES)
        if transition:
            write_string(row, column + 8, transition_label.get(transition) or text(transition))
        write_string(row, column + 9, kind_label.get(kind) or text(kind))
        if review_date is not None:
            sheet.write_datetime(row, column + 10, review_date, date_format)
        row += 1
        if on_progress is not None and written % BATCH == 0:
            on_progress(written, total)
    sheet.freeze_panes(FIRST_DATA_ROW, 2)
    sheet.autofilter(HEADER_ROW, 0, max(HEADER_ROW, row - 1), last)
    print_setup(sheet, header_first=HEADER_ROW, header_last=HEADER_ROW)
    workbook.close()
    return written
