"""The review cycle on the import page: the state of the user's unit-year, the "Chốt số liệu" button and a returned
comment (officers), or the province's completeness with a link to the completeness page (staff)."""

from django import template

from households import cycle
from households.importing.defaults import upload_year_default

register = template.Library()


def _year(request) -> int:
    try:
        year = int(request.GET.get("year") or 0)
    except ValueError:
        year = 0
    return year if 2000 <= year <= 2100 else upload_year_default(request.viewer)


@register.inclusion_tag("households/imports/_cycle_panel.html", takes_context=True)
def review_cycle_panel(context):
    request = context.get("request")
    viewer = getattr(request, "viewer", None) if request is not None else None
    profile = viewer.profile if viewer is not None else None
    if profile is None:
        return {"show": False}
    year = _year(request)
    unit = cycle.unit_for_review(viewer=viewer, code=profile.unit.code, year=year)
    if unit is None:  # the user's unit was not in force at the end of that year
        return {"show": True, "year": year, "missing": True, "unit_name": profile.unit.name}
    submitting = cycle.submitting_unit_of(unit, year)
    state = cycle.unit_year_state(unit=submitting or unit, year=year)
    children = [] if submitting is not None else cycle.children_states(unit=unit, year=year)
    return {
        "show": True, "year": year, "unit": submitting or unit, "state": state, "children": children,
        "completeness": cycle.completeness_of(children) if children else None,
        "level": cycle.submitting_level(year),
        "may_submit": (submitting is not None and submitting.pk == unit.pk and not state.is_locked
                       and viewer.may("review_status", "submit")),
        "csrf_token": context.get("csrf_token"),
        "next": request.get_full_path(),
    }


@register.inclusion_tag("households/_figures_mark.html")
def review_figures_mark(unit, year):
    """"Số liệu chính thức (QĐ số …)" when the province has published `year`, else "Số liệu tạm tính" (targets pages,
    which read figures of that year). Two queries at most."""
    if unit is None or not year:
        return {"show": False}
    province = cycle.province_of(unit)
    row = cycle.province_year_published(province_id=province.pk, year=int(year))
    return {"show": True, "official": row is not None, "decision": row.comment if row is not None else ""}
