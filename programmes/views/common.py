"""What the programmes pages share: the unit and year a page is about, the manage check, the list and form pages."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from config.query import query_year
from programmes import selectors
from programmes.forms import TargetFilterForm
from provinces.models import AdministrativeUnit, end_of_year
from provinces.widgets import unit_picker_attach

PAGE_SIZE = 50


def default_year(request) -> int:
    """This year, or the last full year of the viewer's unit if it ended before the end of this year (a legacy
    unit ended on 30/6/2025: its last full year is 2024)."""
    year = timezone.localdate().year
    unit = request.viewer.unit
    if unit is not None and unit.valid_to is not None:
        valid_to = unit.valid_to
        last = valid_to.year if valid_to >= end_of_year(valid_to.year) else valid_to.year - 1
        year = min(year, last)
    return year


def unit_and_year(request) -> tuple[AdministrativeUnit | None, int, TargetFilterForm]:
    """The unit (`?unit=CODE`, else the viewer's own) at the end of the year (`?year=`, else the default year).
    A code out of scope gives None, as a missing one does."""
    form = TargetFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    year = data.get("year") or default_year(request)
    if data.get("unit"):
        unit = selectors.unit_visible(viewer=request.viewer, code=data["unit"], year=year)
    else:
        unit = selectors.default_unit(viewer=request.viewer, year=year)
    if not form.is_bound or not form.is_valid():
        form = TargetFilterForm(initial={"unit": unit.code if unit else "", "year": year})
    unit_picker_attach(form, "unit", viewer=request.viewer, on=end_of_year(year))
    return unit, year, form


def unit_from_query(request, year: int) -> AdministrativeUnit:
    code = request.GET.get("unit", "")
    if code:
        unit = selectors.unit_visible(viewer=request.viewer, code=code, year=year)
    else:
        unit = selectors.default_unit(viewer=request.viewer, year=year)
    if unit is None:
        raise Http404(_("Không có đơn vị này trong phạm vi của bạn."))
    return unit


def year_from_query(request) -> int:
    year = query_year(request.GET)
    if year is None:
        return default_year(request)
    if not 2016 <= year <= 2100:
        raise Http404
    return year


def managed_unit_and_year(request) -> tuple[AdministrativeUnit, int]:
    """The unit and year a create form is for (`?unit=`, `?year=`): a 404 out of scope, a 403 to a user who may
    read the unit but not change it."""
    year = year_from_query(request)
    unit = unit_from_query(request, year)
    require_manage(request, unit)
    return unit, year


def found_or_404(record, message: str):
    """The record a scoped selector found; None (missing or out of scope) is a 404 with `message`."""
    if record is None:
        raise Http404(message)
    return record


def may_manage(request, unit: AdministrativeUnit | None) -> bool:
    return unit is not None and selectors.may_manage(viewer=request.viewer, unit=unit)


def require_manage(request, unit: AdministrativeUnit) -> None:
    if not selectors.may_manage(viewer=request.viewer, unit=unit):
        raise PermissionDenied


def form_error(form, error: ApplicationError) -> None:
    field = error.field if error.field in form.fields and not form.fields[error.field].widget.is_hidden else None
    form.add_error(field, error.message)


def query(**params) -> str:
    return "?" + urlencode({key: value for key, value in params.items() if value not in (None, "")})


def page_of(request, queryset):
    """The `?page=` page of a list, PAGE_SIZE rows each."""
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def unit_page(request, template: str, *, unit: AdministrativeUnit | None, year: int, form, **context):
    """A page about a unit and year (the filter form on top, the manage buttons for staff)."""
    return render(request, template, {"unit": unit, "year": year, "form": form,
                                      "may_manage": may_manage(request, unit), **context})


def record_page(request, template: str, *, name: str, record):
    """A record's page: the record under `name`, and the manage buttons for staff who may change its unit."""
    return render(request, template, {name: record, "may_manage": may_manage(request, record.unit)})


def form_page(request, *, title: str, form, back: str, intro: str = "", status: int | None = None, multipart=False):
    """The form page; 400 when the form has errors."""
    context = {"title": title, "form": form, "back": back, "intro": intro, "multipart": multipart}
    return render(request, "programmes/form_page.html", context, status=status or (400 if form.errors else 200))


def form_view(request, form, *, save, title: str, back: str, intro: str = "", multipart=False):
    """A create or edit page. On a valid POST, `save(cleaned_data)` calls the service and returns the redirect;
    an ApplicationError from the service goes onto the form, and the page shows again with a 400."""
    if request.method == "POST" and form.is_valid():
        try:
            return save(form.cleaned_data)
        except ApplicationError as error:
            form_error(form, error)
    return form_page(request, title=title, form=form, back=back, intro=intro, multipart=multipart)
