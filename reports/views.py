from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from provinces.selectors import profile_of


def dashboard(request):
    return render(request, "reports/dashboard.html", {"profile": profile_of(request.user)})


def index(request):
    return render(request, "section.html", {"title": _("Báo cáo"), "section": "reports"})
