"""Writes for units and users: reference units and their 2025 links, programme flags, household totals."""

import json
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from config.errors import ApplicationError
from config.followups import after_commit
from config.text import fold
from provinces import reference_source
from provinces.importing import (
    FIRST_YEAR,
    TOTAL_COLUMNS,
    ImportOutcome,
    RowChecker,
    flag_columns,
    flag_label,
    latest_year,
    read_outcome,
)
from provinces.models import (
    LEGACY_VALID_FROM,
    LEGACY_VALID_TO,
    PROGRAMME_FLAGS,
    REORGANISATION_DATE,
    AdministrativeUnit,
    HouseholdTotal,
    Role,
    UnitSuccession,
    UserProfile,
    end_of_year,
    flags_for_level,
)
from provinces.selectors import unit_in_force, units_in_force, units_manageable_by
from provinces.viewer import viewer_of
from spreadsheets.cells import CellError, display, parse_flag, parse_integer, parse_unit_code

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
    # No role opens the Django admin, `admin` included: it reads whole tables, whatever the scope (config/admin.py).
    # An update clears the flags that earlier versions set on administrators.
    user.is_staff = False
    user.is_superuser = False
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


# --- programme flags and household totals: staff-edited reference data --------------------------------------

MAX_HOUSEHOLDS = 50_000_000  # far above any unit (Vietnam has about 27 million households): a typo, not a total
PROGRAMME_FLAGS_FILE = Path(__file__).resolve().parent / "data" / "programme_flags.json"


def _check_manageable(*, unit: AdministrativeUnit, acting_user) -> None:
    """Provincial staff and administrators change their own province's units; `acting_user=None` is the system
    (reference loaders, demo data)."""
    if acting_user is None:
        return
    if not units_manageable_by(viewer=viewer_of(acting_user)).filter(pk=unit.pk).exists():
        raise PermissionDenied(_("Chỉ chuyên viên Sở của tỉnh mới được sửa số liệu của đơn vị này."))


@transaction.atomic
def household_total_set(
    *,
    unit: AdministrativeUnit,
    year: int,
    total: int,
    source: str = HouseholdTotal.Source.ENTERED,
    note: str = "",
    acting_user,
) -> HouseholdTotal:
    """Record the number of households of `unit` at the end of `year` (creates or replaces that year's figure).

    The unit must be in force at the end of `year` (a legacy commune up to 2024, a 2025 commune from 2025), the
    total a whole number from 0, and the acting user provincial staff or an administrator of the unit's province.
    """
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= latest_year():
        raise ApplicationError(
            _("Năm phải từ %(first)s đến %(last)s.") % {"first": FIRST_YEAR, "last": latest_year()}, field="year"
        )
    if isinstance(total, bool) or not isinstance(total, int):
        raise ApplicationError(_("Tổng số hộ phải là số nguyên."), field="total")
    if total < 0:
        raise ApplicationError(_("Tổng số hộ không được âm."), field="total")
    if total > MAX_HOUSEHOLDS:
        raise ApplicationError(_("Tổng số hộ quá lớn: hãy kiểm tra lại."), field="total")
    if source not in HouseholdTotal.Source.values:
        raise ApplicationError(_("Nguồn số liệu không hợp lệ."), field="source")
    note = (note or "").strip()
    if len(note) > HouseholdTotal._meta.get_field("source_note").max_length:
        raise ApplicationError(_("Ghi chú dài quá 255 ký tự."), field="note")
    if not unit.is_in_force(end_of_year(year)):
        raise ApplicationError(
            _("%(unit)s không có hiệu lực vào cuối năm %(year)s.") % {"unit": unit.name, "year": year}, field="year"
        )
    _check_manageable(unit=unit, acting_user=acting_user)
    household_total, _created = HouseholdTotal.objects.update_or_create(
        unit=unit, year=year,
        defaults={"total_households": total, "source": source, "source_note": note, "updated_by": acting_user},
    )
    after_commit("reports.aggregates_refresh", unit_id=unit.pk, year=year, reason="household total")
    return household_total


@transaction.atomic
def unit_flags_update(*, unit: AdministrativeUnit, flags: dict[str, bool], acting_user) -> AdministrativeUnit:
    """Set programme flags on a unit (only the flags given; a flag that does not fit the unit's level may only
    be cleared)."""
    unknown = sorted(set(flags) - set(PROGRAMME_FLAGS))
    if unknown:
        raise ApplicationError(_("Không có cờ chương trình: %(flags)s.") % {"flags": ", ".join(unknown)}, field="flags")
    allowed = set(flags_for_level(unit.level))
    for name, value in flags.items():
        if value and name not in allowed:
            raise ApplicationError(
                _("“%(flag)s” không áp dụng cho %(level)s.")
                % {"flag": flag_label(name), "level": unit.get_level_display().lower()},
                field=name,
            )
    _check_manageable(unit=unit, acting_user=acting_user)
    changed = [name for name, value in flags.items() if getattr(unit, name) != bool(value)]
    for name in changed:
        setattr(unit, name, bool(flags[name]))
    if changed:
        unit.save(update_fields=changed)
    return unit


# --- spreadsheet imports (whole or nothing) ---------------------------------------------------------------------


@transaction.atomic
def household_totals_import(*, path, acting_user, source_note: str = "", dry_run: bool = False) -> ImportOutcome:
    """Import household totals from a spreadsheet with the columns Mã đơn vị / Năm / Tổng số hộ / Ghi chú.

    Whole or nothing: every row is checked first (unknown or out-of-scope code, code not in force at the end of
    the year, missing, negative or non-integer total, the same unit and year twice in the file); any problem
    rejects the file and nothing is written. Errors are ``{"row", "column", "value", "message"}`` with the row
    number Excel shows, sorted by row and column. Each total's source is "spreadsheet", with the row's note, or
    `source_note` (the file name, say) when the row has none.
    """
    outcome = ImportOutcome()
    sheet = read_outcome(path, TOTAL_COLUMNS, outcome)
    if sheet is None:
        return outcome
    check = RowChecker(sheet, acting_user)
    parsed: dict[int, dict] = {}
    wanted = []
    note_limit = HouseholdTotal._meta.get_field("source_note").max_length
    for row, cells in sheet.rows:
        candidates = check.cell(row, "unit_code", cells["unit_code"], parse_unit_code)
        year = check.year(row, cells["year"])
        total = check.cell(row, "total_households", cells["total_households"], parse_integer)
        if total is not None and total < 0:
            check.problem(row, "total_households", cells["total_households"], _("Dòng %(row)s: số hộ không được âm."))
            total = None
        elif total is not None and total > MAX_HOUSEHOLDS:
            check.problem(row, "total_households", cells["total_households"], _("Dòng %(row)s: số hộ quá lớn."))
            total = None
        note = display(cells.get("note"))
        if len(note) > note_limit:
            check.problem(row, "note", note, _("Dòng %(row)s: ghi chú dài quá %(limit)s ký tự."), limit=note_limit)
        if candidates and year is not None:
            wanted.append((row, cells["unit_code"], candidates, year))
        parsed[row] = {"year": year, "total": total, "note": note}
    units = check.resolve_units(wanted)
    check.duplicates(
        {row: (unit.pk, parsed[row]["year"]) for row, unit in units.items()},
        {row: cells["unit_code"] for row, cells in sheet.rows},
        _("đơn vị và năm"),
    )
    outcome.errors = check.errors()
    if outcome.errors:
        return outcome
    existing = {
        (unit_id, year): total
        for unit_id, year, total in HouseholdTotal.objects.filter(
            unit_id__in=[unit.pk for unit in units.values()], year__in={p["year"] for p in parsed.values()}
        ).values_list("unit_id", "year", "total_households")
    }
    objects = []
    for row, unit in units.items():
        values = parsed[row]
        key = (unit.pk, values["year"])
        if key not in existing:
            outcome.created += 1
        elif existing[key] != values["total"]:
            outcome.updated += 1
        else:
            outcome.unchanged += 1
        objects.append(HouseholdTotal(
            unit=unit, year=values["year"], total_households=values["total"],
            source=HouseholdTotal.Source.SPREADSHEET, source_note=values["note"] or source_note[:note_limit],
            updated_by=acting_user,
        ))
    if not dry_run:
        HouseholdTotal.objects.bulk_create(
            objects, batch_size=2000, update_conflicts=True, unique_fields=["unit", "year"],
            update_fields=["total_households", "source", "source_note", "updated_by", "updated_at"],
        )
        for year in sorted({obj.year for obj in objects}):
            after_commit("reports.aggregates_refresh", unit_id=None, year=year, reason="household totals import")
    return outcome


@transaction.atomic
def unit_flags_load(*, path, acting_user, year: int) -> ImportOutcome:
    """Set programme flags from a spreadsheet: a "Mã đơn vị" column, optionally "Năm" (the year the code refers
    to; default `year`), and any of the flag columns ("Huyện nghèo", "Xã đặc biệt khó khăn", "Xã bãi ngang, ven
    biển, hải đảo", "Vùng đồng bào dân tộc thiểu số", "Miền núi"). In a flag column "x", "có" or 1 means yes and
    an empty cell, "không" or 0 means no; a column left out of the file changes nothing.

    Whole or nothing, with the same checks and error format as `household_totals_import`, plus: a flag that
    does not fit the unit's level (a poor *district* on a commune), and the same unit twice.
    """
    outcome = ImportOutcome()
    sheet = read_outcome(path, flag_columns(), outcome)
    if sheet is None:
        return outcome
    flag_keys = [name for name in PROGRAMME_FLAGS if name in sheet.headers]
    if not flag_keys:
        outcome.errors = [{
            "row": sheet.header_row, "column": "", "value": "",
            "message": _("Không có cột cờ chương trình nào. Cần ít nhất một trong các cột: %(columns)s.")
            % {"columns": ", ".join(flag_label(name) for name in PROGRAMME_FLAGS)},
        }]
        return outcome
    check = RowChecker(sheet, acting_user)
    parsed: dict[int, dict[str, bool]] = {}
    wanted = []
    for row, cells in sheet.rows:
        candidates = check.cell(row, "unit_code", cells["unit_code"], parse_unit_code)
        row_year = check.year(row, cells.get("year"), required=False, default=year)
        flags = {}
        for name in flag_keys:
            try:
                flags[name] = parse_flag(cells[name])
            except CellError as error:
                check.problem(row, name, cells[name], _("Dòng %(row)s: “%(column)s” %(reason)s."), reason=str(error))
        if candidates and row_year is not None:
            wanted.append((row, cells["unit_code"], candidates, row_year))
        parsed[row] = flags
    units = check.resolve_units(wanted)
    for row, unit in units.items():
        allowed = set(flags_for_level(unit.level))
        for name, value in parsed[row].items():
            if value and name not in allowed:
                check.problem(
                    row, name, "x", _("Dòng %(row)s: “%(column)s” không áp dụng cho %(level)s %(unit)s."),
                    level=unit.get_level_display().lower(), unit=unit.name,
                )
    check.duplicates(
        {row: (unit.pk,) for row, unit in units.items()},
        {row: cells["unit_code"] for row, cells in sheet.rows},
        _("đơn vị"),
    )
    outcome.errors = check.errors()
    if outcome.errors:
        return outcome
    changed_units = []
    for row, unit in units.items():
        changed = False
        for name, value in parsed[row].items():
            if getattr(unit, name) != value:
                setattr(unit, name, value)
                changed = True
        if changed:
            changed_units.append(unit)
    outcome.updated = len(changed_units)
    outcome.unchanged = len(units) - len(changed_units)
    AdministrativeUnit.objects.bulk_update(changed_units, flag_keys, batch_size=2000)
    return outcome


@dataclass(frozen=True)
class FlagsSummary:
    flagged: int  # units whose flag this run turned on
    already: int  # units that already had it
    missing: list[str]  # names in the data file not found among the legacy units

    def __str__(self) -> str:
        text = _("%(flagged)s đơn vị được gắn cờ, %(already)s đã có sẵn") % {
            "flagged": self.flagged, "already": self.already,
        }
        if self.missing:
            text += _("; không tìm thấy: %(names)s") % {"names": ", ".join(self.missing)}
        return text


@transaction.atomic
def domain_flags_load() -> FlagsSummary:
    """Flag the poor districts (and extremely difficult coastal communes) of 2021–2025 listed in
    ``provinces/data/programme_flags.json`` (rule 10, docs/domain.md §9), looked up by name inside their
    legacy province, never by code. Only turns flags on (staff may have loaded more); idempotent."""
    data = json.loads(PROGRAMME_FLAGS_FILE.read_text(encoding="utf-8"))
    legacy = units_in_force(on=LEGACY_VALID_TO)
    provinces = {fold(p.short_name): p for p in legacy.filter(level=AdministrativeUnit.Level.PROVINCE)}
    below = list(legacy.filter(Q(parent__in=provinces.values()) | Q(parent__parent__in=provinces.values())))
    districts = {(u.parent_id, fold(u.short_name)): u for u in below if u.level == AdministrativeUnit.Level.DISTRICT}
    communes = {(u.parent_id, fold(u.short_name)): u for u in below if u.level == AdministrativeUnit.Level.COMMUNE}
    wanted: dict[str, list[AdministrativeUnit]] = {"is_poor_district": [], "is_coastal": []}
    missing = []
    for entry in data["poor_districts"]:
        province = provinces.get(fold(entry["province"]))
        for name in entry["districts"]:
            district = province and districts.get((province.pk, fold(name)))
            if district:
                wanted["is_poor_district"].append(district)
            else:
                missing.append(f"{name} ({entry['province']})")
    for entry in data["coastal_communes"]:
        province = provinces.get(fold(entry["province"]))
        for item in entry["communes"]:
            district = province and districts.get((province.pk, fold(item["district"])))
            commune = district and communes.get((district.pk, fold(item["commune"])))
            if commune:
                wanted["is_coastal"].append(commune)
            else:
                missing.append(f"{item['commune']} ({item['district']}, {entry['province']})")
    flagged = already = 0
    for name, units in wanted.items():
        to_flag = [unit.pk for unit in units if not getattr(unit, name)]
        already += len(units) - len(to_flag)
        updates = {name: True}
        if name == "is_coastal":
            updates["is_extremely_difficult"] = True
        flagged += AdministrativeUnit.objects.filter(pk__in=to_flag).update(**updates)
    return FlagsSummary(flagged, already, missing)
