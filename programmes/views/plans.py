"""Plans and decisions: the list of a unit's subtree, a plan's page, its attached file and its form."""

from functools import partial
from pathlib import Path

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from programmes import selectors, services
from programmes.forms import PlanDocumentForm
from programmes.views.common import (
    form_view,
    found_or_404,
    managed_unit_and_year,
    page_of,
    query,
    record_page,
    require_manage,
    unit_and_year,
    unit_page,
)


@require_GET
def plans_list(request):
    unit, year, form = unit_and_year(request)
    only_year = request.GET.get("year") and year
    queryset = selectors.plan_documents_list(viewer=request.viewer, unit=unit, year=only_year) if unit else []
    return unit_page(request, "programmes/plans.html", unit=unit, year=year, form=form,
                     page=page_of(request, queryset),
                     query=query(unit=unit.code if unit else "", year=only_year or ""))


def _plan_or_404(request, pk: int):
    return found_or_404(selectors.plan_document_detail(viewer=request.viewer, pk=pk),
                        _("Không có văn bản này trong phạm vi của bạn."))


@require_GET
def plan_detail(request, pk: int):
    return record_page(request, "programmes/plan_detail.html", name="plan", record=_plan_or_404(request, pk))


@require_GET
def plan_file(request, pk: int):
    """The attached file, only to users who may see the plan (media files are never served directly)."""
    plan = _plan_or_404(request, pk)
    if not plan.file:
        raise Http404
    return FileResponse(plan.file.open("rb"), as_attachment=True, filename=Path(plan.file.name).name)


def _plan_save(request, data: dict, *, unit, plan=None):
    saved = services.plan_document_save(
        unit=unit, plan=plan, acting_user=request.user, kind=data["kind"], number=data["number"],
        issued_on=data["issued_on"], issuer=data["issuer"], title=data["title"], file=data.get("file"),
        poverty_targets=data["poverty_targets"], indicator_targets=data["indicator_targets"],
    )
    messages.success(request, _("Đã lưu văn bản %(plan)s.") % {"plan": saved})
    return redirect(reverse("programmes:plan", args=[saved.pk]))


@require_http_methods(["GET", "POST"])
def plan_create(request):
    unit, _year = managed_unit_and_year(request)
    poverty, indicator = selectors.plan_target_choices(unit=unit)
    form = PlanDocumentForm(request.POST or None, request.FILES or None, poverty_targets=poverty,
                            indicator_targets=indicator)
    return form_view(request, form, save=partial(_plan_save, request, unit=unit), multipart=True,
                     title=_("Thêm văn bản: %(unit)s") % {"unit": unit.name},
                     back=reverse("programmes:plans") + query(unit=unit.code))


@require_http_methods(["GET", "POST"])
def plan_edit(request, pk: int):
    plan = _plan_or_404(request, pk)
    require_manage(request, plan.unit)
    poverty, indicator = selectors.plan_target_choices(unit=plan.unit)
    initial = {
        "kind": plan.kind, "number": plan.number, "issued_on": plan.issued_on, "issuer": plan.issuer,
        "title": plan.title, "poverty_targets": list(plan.poverty_targets.all()),  # prefetched by the selector
        "indicator_targets": list(plan.indicator_targets.all()),
    }
    form = PlanDocumentForm(request.POST or None, request.FILES or None, initial=initial, poverty_targets=poverty,
                            indicator_targets=indicator)
    return form_view(request, form, save=partial(_plan_save, request, unit=plan.unit, plan=plan), multipart=True,
                     title=_("Sửa văn bản: %(plan)s") % {"plan": plan},
                     back=reverse("programmes:plan", args=[plan.pk]))
