"""Household pages: the scoped list with filters and search, and one household's review history.

Thin: the selectors scope every read (another district's household is a 404, exactly like a missing one) and
decide what a row shows; names and ID numbers are masked for roles that may not see them.
"""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from config.audit import may_see_history
from config.query import query_int, query_year
from households.forms import HouseholdFilterForm
from households.models import HouseholdReview
from households.personal_data import household_view_record, may_read_access_log, personal_data_accesses_visible_to
from households.selectors import (
    ReviewFilters,
    ReviewPaginator,
    communes_visible_to,
    deprivation_chart,
    household_history,
    household_reviews_filter,
    household_reviews_of,
    household_reviews_visible_to,
    households_visible_to,
    may_see_personal_data,
    review_timeline,
    review_years_visible_to,
    standards_all,
)

PAGE_SIZE = 50


def _year(requested: int | None, years: list[int]) -> int | None:
    """The year asked for if it has reviews in scope, else the latest one (None: no reviews at all)."""
    if requested in years:
        return requested
    return years[0] if years else None


@require_GET
def household_list(request):
    personal = may_see_personal_data(viewer=request.viewer)
    years = review_years_visible_to(viewer=request.viewer)
    year = _year(query_year(request.GET), years)
    communes = list(communes_visible_to(viewer=request.viewer, year=year)) if year else []
    form = HouseholdFilterForm(request.GET or None, years=years, communes=communes, names_searchable=personal)
    form.is_valid()
    chosen = form.filters()
    filters = ReviewFilters(**chosen, search_names=personal)
    page = None
    if year is not None:
        queryset = household_reviews_filter(
            queryset=household_reviews_visible_to(viewer=request.viewer, year=year), year=year, filters=filters
        )
        page = ReviewPaginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "year": year,
        "page": page,
        "filtered": any(value not in (None, "") for name, value in chosen.items() if name != "kind"),
        "may_see_personal_data": personal,
        "profile": request.viewer.profile,
        "may_read_access_log": may_read_access_log(viewer=request.viewer),
    }
    return render(request, "households/list.html", context)


@require_GET
def household_detail(request, pk: int):
    household = get_object_or_404(households_visible_to(viewer=request.viewer).select_related("commune__parent"), pk=pk)
    household_view_record(user=request.user, household=household)
    standards = standards_all()
    reviews = household_reviews_of(viewer=request.viewer, household=household)
    history = household_history(viewer=request.viewer, household=household)
    context = {
        "household": household,
        "timeline": review_timeline(reviews=reviews, standards=standards)[::-1],
        "chart": deprivation_chart(reviews=reviews, standards=standards),
        "may_see_personal_data": may_see_personal_data(viewer=request.viewer),
        "kinds": HouseholdReview.Kind,
        "history": history,
        "may_see_history": may_see_history(viewer=request.viewer),
        "bulk_note": _(
            "Thay đổi qua nhập bảng tính không ghi từng dòng ở đây: mỗi lần nhập được lưu ở trang Nhập dữ liệu "
            "(người tải lên, thời điểm, tệp và mã SHA-256) và có thể hoàn tác."
        ),
    }
    return render(request, "households/detail.html", context)


@require_GET
def personal_data_log(request):
    """Who looked at which household's personal data, and when (provincial staff and administrators, scoped to
    their unit): household page views and household-list exports."""
    if not may_read_access_log(viewer=request.viewer):
        raise PermissionDenied
    queryset = personal_data_accesses_visible_to(viewer=request.viewer)
    household = query_int(request.GET, "household", minimum=1)
    if household is not None:
        queryset = queryset.filter(household_id=household)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "households/access_log.html", {
        "page": page, "household": household or "", "query": f"?household={household}" if household else "?",
    })
