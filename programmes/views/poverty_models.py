"""Poverty-reduction models: the list of a unit's subtree, a model's page and its form."""

from functools import partial

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from programmes import selectors, services
from programmes.forms import PovertyModelForm
from programmes.models import PovertyModel
from programmes.views.common import (
    default_year,
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
from provinces.models import end_of_year


@require_GET
def models_list(request):
    unit, year, form = unit_and_year(request)
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    project = request.GET.get("project", "")
    queryset = selectors.poverty_models_list(
        viewer=request.viewer, unit=unit,
        kind=kind if kind in PovertyModel.Kind.values else "",
        status=status if status in PovertyModel.Status.values else "",
        project_code=project[:10],
    )
    return unit_page(
        request, "programmes/models.html", unit=unit, year=year, form=form, page=page_of(request, queryset),
        kind=kind, status=status, project=project,
        filters=[
            ("kind", _("Loại"), PovertyModel.Kind.choices, kind),
            ("status", _("Tình trạng"), PovertyModel.Status.choices, status),
            ("project", _("Dự án"), [(code, code) for code in selectors.project_codes()], project),
        ],
        query=query(unit=unit.code if unit else "", year=year, kind=kind, status=status, project=project),
    )


def _model_or_404(request, pk: int) -> PovertyModel:
    return found_or_404(selectors.poverty_model_detail(viewer=request.viewer, pk=pk),
                        _("Không có mô hình này trong phạm vi của bạn."))


@require_GET
def model_detail(request, pk: int):
    return record_page(request, "programmes/model_detail.html", name="model", record=_model_or_404(request, pk))


def _model_save(request, data: dict, *, unit, model=None):
    saved = services.poverty_model_save(
        unit=unit, model=model, acting_user=request.user, name=data["name"], kind=data["kind"],
        project=data["project"], subproject=data["subproject"], communes=data["communes"],
        households_poor=data["households_poor"], households_near_poor=data["households_near_poor"],
        households_newly_escaped=data["households_newly_escaped"], households_other=data["households_other"],
        budget_vnd=data["budget_vnd"], start_date=data["start_date"], end_date=data["end_date"],
        status=data["status"], results=data["results"],
    )
    messages.success(request, _("Đã lưu mô hình “%(name)s”.") % {"name": saved.name})
    return redirect(reverse("programmes:model", args=[saved.pk]))


@require_http_methods(["GET", "POST"])
def model_create(request):
    unit, year = managed_unit_and_year(request)
    form = PovertyModelForm(request.POST or None,
                            communes=selectors.model_communes(unit=unit, on=end_of_year(year)))
    return form_view(request, form, save=partial(_model_save, request, unit=unit),
                     title=_("Thêm mô hình giảm nghèo: %(unit)s") % {"unit": unit.name},
                     back=reverse("programmes:models") + query(unit=unit.code, year=year))


@require_http_methods(["GET", "POST"])
def model_edit(request, pk: int):
    model = _model_or_404(request, pk)
    require_manage(request, model.unit)
    on = end_of_year(model.start_date.year if model.start_date else default_year(request))
    initial = {
        field: getattr(model, field)
        for field in ("name", "kind", "project", "subproject", "households_poor", "households_near_poor",
                      "households_newly_escaped", "households_other", "budget_vnd", "start_date", "end_date",
                      "status", "results")
    }
    initial["communes"] = list(model.communes.all())  # prefetched by poverty_model_detail
    form = PovertyModelForm(request.POST or None, initial=initial,
                            communes=selectors.model_communes(unit=model.unit, on=on))
    return form_view(request, form, save=partial(_model_save, request, unit=model.unit, model=model),
                     title=_("Sửa mô hình: %(name)s") % {"name": model.name},
                     back=reverse("programmes:model", args=[model.pk]))
