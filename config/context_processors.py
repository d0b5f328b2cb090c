from django.urls import reverse
from django.utils.translation import gettext_lazy as _

NAVIGATION = [
    ("dashboard", _("Tổng quan"), "reports:dashboard"),
    ("households", _("Hộ gia đình"), "households:index"),
    ("imports", _("Nhập dữ liệu"), "imports:index"),
    ("programmes", _("Chương trình"), "programmes:index"),
    ("budgets", _("Ngân sách"), "budgets:index"),
    ("reports", _("Báo cáo"), "reports:index"),
    ("units", _("Đơn vị hành chính"), "provinces:browser"),
]

# A menu item shown only to roles the access matrix allows: key → (resource, action).
NAVIGATION_NEEDS = {"imports": ("imports", "list")}


def navigation(request):
    """The menu, and `viewer` (the request's `provinces.viewer.Viewer`: role, profile and unit) for templates."""
    viewer = getattr(request, "viewer", None)
    if not getattr(request, "user", None) or not request.user.is_authenticated or viewer is None:
        return {"navigation": [], "viewer": viewer}
    current = request.resolver_match.view_name if request.resolver_match else ""
    items = []
    for key, label, url_name in NAVIGATION:
        if key in NAVIGATION_NEEDS and not viewer.may(*NAVIGATION_NEEDS[key]):
            continue  # leadership has no imports (config/access.py): no menu item leading to a 404
        url = reverse(url_name)
        active = current == url_name or (url != "/" and request.path.startswith(url))
        items.append({"key": key, "label": label, "url": url, "active": active})
    return {"navigation": items, "viewer": viewer}
