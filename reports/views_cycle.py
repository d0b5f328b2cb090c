"""The review cycle's pages: the completeness page (each submitting unit's state, who, when, the comment, late
units first, with approve / return buttons), and the forms that submit, approve, return, publish and reopen.

Thin: `households.cycle` and `reports.publications` do the work (scope, role, state). A refusal is shown as the
same Vietnamese message the API sends in its 409 `detail`.
"""

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from config.errors import ApplicationError
from households import cycle
from households.importing.defaults import review_year_in_progress
from provinces.models import end_of_year
from reports import publications


def _year(value) -> int | None:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return None
    return year if 2000 <= year <= 2100 else None


def _unit_or_404(request, code: str | None, year: int):
    """`code` as in force at the end of `year` in the user's scope; by default the user's province (their own unit
    for an officer). 404 when missing or out of scope."""
    viewer = request.viewer
    if not code and viewer.unit is not None:
        own = viewer.unit
        code = own.code if viewer.role == "district_officer" else cycle.province_of(own).code
    unit = cycle.unit_for_review(viewer=request.viewer, code=code, year=year) if code else None
    if unit is None:
        raise Http404
    return unit


def _default_year(viewer) -> int:
    """The review in progress, or the last year the user's own unit was reviewed as a unit (a legacy province's
    staff, whose province was merged on 1 July 2025, land on its last review: 2024)."""
    year = review_year_in_progress()
    valid_to = viewer.unit.valid_to if viewer.unit is not None else None
    if valid_to is not None and valid_to < end_of_year(year):
        year = valid_to.year if valid_to == end_of_year(valid_to.year) else valid_to.year - 1
    return year


@require_GET
def review_completeness(request):
    """`/review/?unit=&year=`: the state of every submitting unit of the year (returned and open first)."""
    year = _year(request.GET.get("year")) or _default_year(request.viewer)
    unit = _unit_or_404(request, (request.GET.get("unit") or "").strip() or None, year)
    own = cycle.unit_year_state(unit=unit, year=year)
    children = cycle.children_states(unit=unit, year=year)
    counted = children or ([own] if own.is_submitting_unit else [])
    is_province = unit.level == "province"
    versions = list(publications.publications_visible_to(viewer=request.viewer, year=year).filter(province=unit)) \
        if is_province else []
    current = next((item for item in versions if item.is_current), None)
    return render(request, "reports/review/completeness.html", {
        "unit": unit, "year": year, "own": own, "rows": cycle.late_first(children),
        "completeness": cycle.completeness_of(counted), "level": cycle.submitting_level(year),
        "is_province": is_province, "versions": versions, "current": current,
        "label": publications.figures_label(current),
        "may_approve": request.viewer.may("review_status", "approve"),
        "may_return": request.viewer.may("review_status", "return"),
        "may_publish": is_province and request.viewer.may("publications", "publish") and current is None,
        "may_reopen": is_province and request.viewer.may("publications", "reopen") and current is not None,
        "history": cycle.transitions_of(unit=unit, year=year),
        "years": list(range(review_year_in_progress() + 1, 2020, -1)),
        "today": datetime.date.today(),
    })


def _back(request, unit_code: str, year: int):
    target = request.POST.get("next") or request.headers.get("referer") or ""  # back to the page of the form
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(f"{reverse('reports:review')}?unit={unit_code}&year={year}")


def _transition(request, act, done: str):
    # The import page's form names its fields review_unit/review_year (its upload form has a `year` of its own).
    year = _year(request.POST.get("year") or request.POST.get("review_year"))
    code = (request.POST.get("unit") or request.POST.get("review_unit") or "").strip()
    if year is None or not code:
        raise Http404
    unit = cycle.unit_for_review(viewer=request.viewer, code=code, year=year)
    if unit is None:
        raise Http404
    try:
        act(unit=unit, year=year)
    except ApplicationError as error:  # Conflict included: the API's 409 message
        messages.error(request, error.message)
    else:
        messages.success(request, done % {"unit": unit.name, "year": year})
    return _back(request, code, year)


@require_POST
def review_submit(request):
    return _transition(
        request, lambda unit, year: cycle.unit_review_submit(unit=unit, year=year, acting_user=request.user),
        _("Đã chốt số liệu rà soát năm %(year)s của %(unit)s; chờ Sở duyệt."))


@require_POST
def review_approve(request):
    return _transition(
        request, lambda unit, year: cycle.unit_review_approve(unit=unit, year=year, acting_user=request.user),
        _("Đã duyệt số liệu rà soát năm %(year)s của %(unit)s."))


@require_POST
def review_return(request):
    comment = request.POST.get("comment") or ""
    return _transition(
        request,
        lambda unit, year: cycle.unit_review_return(unit=unit, year=year, comment=comment, acting_user=request.user),
        _("Đã trả lại số liệu rà soát năm %(year)s cho %(unit)s."))


class PublishForm(forms.Form):
    decision_number = forms.CharField(label=gettext_lazy("Số quyết định"), max_length=60)
    decision_date = forms.DateField(label=gettext_lazy("Ngày quyết định"),
                                    input_formats=["%Y-%m-%d", "%d/%m/%Y"])


@require_POST
def publication_publish(request):
    form = PublishForm(request.POST)
    year = _year(request.POST.get("year"))
    code = (request.POST.get("unit") or "").strip()
    unit = cycle.unit_for_review(viewer=request.viewer, code=code, year=year) if year and code else None
    if unit is None:
        raise Http404
    if not request.viewer.may("publications", "publish"):
        raise PermissionDenied
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(request, code, year)
    try:
        publication = publications.publication_create(
            province=unit, year=year, decision_number=form.cleaned_data["decision_number"],
            decision_date=form.cleaned_data["decision_date"], acting_user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Đã công bố số liệu năm %(year)s (lần %(version)s, %(label)s).") % {
            "year": year, "version": publication.version, "label": publication.decision_label})
    return _back(request, code, year)


@require_POST
def publication_reopen(request, pk: int):
    publication = publications.publication_visible(viewer=request.viewer, pk=pk)
    if publication is None:
        raise Http404
    if not request.viewer.may("publications", "reopen"):
        raise PermissionDenied
    try:
        publications.publication_reopen(publication=publication, reason=request.POST.get("reason") or "",
                                        acting_user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Đã mở lại kỳ rà soát năm %(year)s; các đơn vị được trả lại để nhập bổ sung.")
                         % {"year": publication.year})
    return _back(request, publication.province.code, publication.year)
