"""Writes for units and users."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from config.api import ApplicationError
from config.text import fold
from provinces import reference_source
from provinces.models import (
    LEGACY_VALID_FROM,
    LEGACY_VALID_TO,
    REORGANISATION_DATE,
    AdministrativeUnit,
    Role,
    UnitSuccession,
    UserProfile,
)
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


# --- reference data: units and their 2025 succession ---------------------------------------------------------

URBAN_TYPES = {"phường", "thị trấn", "quận", "thị xã", "thành phố"}
CURRENT_VALID_FROM = REORGANISATION_DATE
LEVEL_ORDER = (AdministrativeUnit.Level.PROVINCE, AdministrativeUnit.Level.DISTRICT, AdministrativeUnit.Level.COMMUNE)
SOURCE_FIELDS = ("level", "name", "short_name", "unit_type", "latitude", "longitude", "valid_to", "search_text")


@dataclass(frozen=True)
class LoadSummary:
    created: int
    updated: int
    links_created: int
    links_updated: int


def _default_area(unit_type: str) -> str:
    return AdministrativeUnit.Area.URBAN if unit_type in URBAN_TYPES else AdministrativeUnit.Area.RURAL


@transaction.atomic
def units_reference_load() -> LoadSummary:
    """Load legacy and 2025 units and their links from the installed packages; idempotent and set-based.

    Fields staff may edit (area when overridden, programme flags) are never overwritten.
    """
    periods = [
        (LEGACY_VALID_FROM, LEGACY_VALID_TO, reference_source.legacy_units()),
        (CURRENT_VALID_FROM, None, reference_source.current_units()),
    ]
    existing = {(unit.code, unit.valid_from): unit for unit in AdministrativeUnit.objects.all()}
    created = updated = 0
    for level in LEVEL_ORDER:
        to_create, to_update = [], []
        for valid_from, valid_to, records in periods:
            for record in records:
                if record.level != level:
                    continue
                parent = existing.get((record.parent_code, valid_from)) if record.parent_code else None
                values = {
                    "level": record.level, "name": record.name, "short_name": record.short_name,
                    "unit_type": record.unit_type, "latitude": record.latitude, "longitude": record.longitude,
                    "valid_to": valid_to, "search_text": fold(f"{record.name} {record.code}"),
                }
                unit = existing.get((record.code, valid_from))
                if unit is None:
                    to_create.append(AdministrativeUnit(
                        code=record.code, valid_from=valid_from, parent=parent,
                        area=_default_area(record.unit_type), **values,
                    ))
                    continue
                changed = [name for name, value in values.items() if getattr(unit, name) != value]
                if unit.parent_id != (parent.pk if parent else None):
                    unit.parent = parent
                    changed.append("parent")
                if not unit.is_area_overridden and unit.area != _default_area(record.unit_type):
                    unit.area = _default_area(record.unit_type)
                    changed.append("area")
                if changed:
                    for name in changed:
                        if name in values:
                            setattr(unit, name, values[name])
                    to_update.append(unit)
        for unit in AdministrativeUnit.objects.bulk_create(to_create, batch_size=2000):
            existing[(unit.code, unit.valid_from)] = unit
        if to_update:
            AdministrativeUnit.objects.bulk_update(
                to_update, [*SOURCE_FIELDS, "parent", "area"], batch_size=2000
            )
        created += len(to_create)
        updated += len(to_update)
    links_created, links_updated = _succession_links_load(existing)
    return LoadSummary(created, updated, links_created, links_updated)


def _succession_links_load(units: dict) -> tuple[int, int]:
    def legacy(code):
        return units[(code, LEGACY_VALID_FROM)].pk

    def current(code):
        return units[(code, CURRENT_VALID_FROM)].pk

    wanted = {}
    for link in reference_source.succession_links():
        wanted[(legacy(link.legacy_commune_code), current(link.new_commune_code))] = link.is_default
    for link in reference_source.district_links():
        wanted[(legacy(link.legacy_district_code), current(link.new_commune_code))] = True
    for link in reference_source.province_links():
        wanted[(legacy(link.legacy_province_code), current(link.new_province_code))] = True
    existing = {
        (row.predecessor_id, row.successor_id): row for row in UnitSuccession.objects.all()
    }
    to_create = [
        UnitSuccession(predecessor_id=pred, successor_id=succ, is_default=is_default)
        for (pred, succ), is_default in wanted.items() if (pred, succ) not in existing
    ]
    to_update = []
    for key, row in existing.items():
        if key in wanted and row.is_default != wanted[key]:
            row.is_default = wanted[key]
            to_update.append(row)
    UnitSuccession.objects.bulk_create(to_create, batch_size=5000)
    UnitSuccession.objects.bulk_update(to_update, ["is_default"], batch_size=5000)
    return len(to_create), len(to_update)
