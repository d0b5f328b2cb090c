"""The programme overview: programme periods, the projects and sub-projects of one of them, its indicators."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from programmes import selectors


@require_GET
def index(request):
    """The programme periods, the projects and sub-projects of one of them (unconfirmed names marked), and its
    indicators. Constant number of queries."""
    programmes = list(selectors.programmes_all())
    # Default: this year's programme once its structure is loaded, else the latest programme that has one.
    this_year = timezone.localdate().year
    with_projects = [p for p in programmes if p.project_count]
    default = next((p for p in with_projects if p.start_year <= this_year <= p.end_year), None) or (
        with_projects[-1] if with_projects else (programmes[-1] if programmes else None)
    )
    code = request.GET.get("programme") or (default.code if default else "")
    programme = next((p for p in programmes if p.code == code), None)
    if programmes and programme is None:
        raise Http404
    projects = list(selectors.projects_with_subprojects(programme_code=code)) if programme else []
    indicators = [i for i in selectors.indicators_all() if programme and i.programme_id == programme.pk]
    return render(
        request, "programmes/index.html",
        {"programmes": programmes, "programme": programme, "projects": projects, "indicators": indicators},
    )
