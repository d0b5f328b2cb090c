"""Writes for units and users."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from config.api import ApplicationError
from provinces.models import AdministrativeUnit, Role, UserProfile
from provinces.selectors import unit_in_force

# Which unit levels each role may be scoped to.
ROLE_LEVELS = {
    Role.DISTRICT_OFFICER: {AdministrativeUnit.Level.DISTRICT, AdministrativeUnit.Level.COMMUNE},
    Role.PROVINCIAL_STAFF: {AdministrativeUnit.Level.PROVINCE},
    Role.LEADERSHIP: {AdministrativeUnit.Level.PROVINCE, AdministrativeUnit.Level.DISTRICT},
    Role.ADMIN: {AdministrativeUnit.Level.PROVINCE},
}


def roles_ensure() -> None:
    """One auth group per role, so permissions can hang off groups as well as the profile."""
    for role in Role:
        Group.objects.get_or_create(name=role.value)


@transaction.atomic
def user_upsert(*, username: str, role: str, unit_code: str, year: int, password: str | None) -> tuple:
    """Create or update a user scoped to the unit `unit_code` means at the end of `year`.

    Returns (user, created, token_key).
    """
    if role not in Role.values:
        raise ApplicationError(_("Vai trò không hợp lệ: %(role)s.") % {"role": role}, field="role")
    unit = unit_in_force(code=unit_code, year=year)
    if unit is None:
        raise ApplicationError(
            _("Không có đơn vị mã %(code)s có hiệu lực vào cuối năm %(year)s.") % {"code": unit_code, "year": year},
            field="unit",
        )
    if unit.level not in ROLE_LEVELS[Role(role)]:
        raise ApplicationError(
            _("Vai trò %(role)s không gắn được với đơn vị cấp %(level)s (%(unit)s).")
            % {"role": Role(role).label, "level": unit.get_level_display(), "unit": unit.name},
            field="unit",
        )
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username)
    if password:
        validate_password(password, user)
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.is_staff = role == Role.ADMIN
    user.is_superuser = role == Role.ADMIN
    user.save()
    UserProfile.objects.update_or_create(user=user, defaults={"role": role, "unit": unit})
    roles_ensure()
    user.groups.set(Group.objects.filter(name=role))
    token, _created = Token.objects.get_or_create(user=user)
    return user, created, token.key
