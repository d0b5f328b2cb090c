"""Who may use the Django admin: the system account only (a superuser without a profile), never a scoped user.

The admin knows nothing of scopes: its lists, searches, change pages, history pages and pop-ups read whole tables.
So it is kept to the deployment's own account (created with `createsuperuser`, no `UserProfile`), whose scope is
the whole country anyway (`provinces.selectors.units_visible_to`), and to tables without household names or ID
numbers (households, reviews and imports are not registered; the app's scoped, logged pages show them). A user
with a profile (every role, the `admin` role included) works through the app's pages, whatever its `is_staff` and
`is_superuser` flags say: an account created by an older `add_user` as a superuser gets no wider view here.
docs/access-matrix.md (from config/access.py) gives the reasons.
"""

from django.contrib import admin
from django.core.exceptions import ObjectDoesNotExist


def _has_profile(user) -> bool:
    """Whether the user has a `provinces.UserProfile`, through the reverse accessor (config imports no app)."""
    try:
        return user.profile is not None
    except ObjectDoesNotExist:
        return False


class SystemAccountAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and user.is_superuser and not _has_profile(user))


# The default site, with the rule above (the way django-otp's documentation turns the default site into its
# OTPAdminSite): every app's admin.py keeps registering on `admin.site`.
admin.site.__class__ = SystemAccountAdminSite
