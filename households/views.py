from django.shortcuts import render
from django.utils.translation import gettext_lazy as _


def index(request):
    return render(request, "section.html", {"title": _("Hộ gia đình"), "section": "households"})


def imports(request):
    return render(request, "section.html", {"title": _("Nhập dữ liệu"), "section": "imports"})
