"""The household groups of the poverty figures and targets, and who belongs to each: defined once, here, in the lowest
app that needs them (programmes, for its poverty-rate targets); reports counts its aggregates with the same rules.

* `all`: every household.
* `ethnic_minority`, `female_head`: the households with that flag (`HOUSEHOLD_FLAGS`: `Household.is_ethnic_minority`,
  `Household.is_female_head`); the denominator is only a total entered by staff (`HouseholdGroupTotal`).
* `poor_district`: every household of the communes of poor districts (`AdministrativeUnit.is_poor_district`); the
  denominator is the poor districts' household totals (a commune's own for a commune of a poor district).
* `high_poverty_commune`: every household of the communes flagged "xã đặc biệt khó khăn"
  (`is_extremely_difficult`); the denominator is those communes' totals.

A target may be set for `TARGET_GROUPS`; the aggregate tables and the stats API count `FIGURE_GROUPS`. No ORM here:
`household_groups` and `group_units` work on plain values, the callers read them.
"""

from collections.abc import Iterable, Mapping, Sequence

from django.db import models
from django.utils.translation import gettext_lazy as _

COMMUNE, DISTRICT = "commune", "district"


class HouseholdGroup(models.TextChoices):
    ALL = "all", _("Toàn bộ hộ")
    ETHNIC_MINORITY = "ethnic_minority", _("Hộ dân tộc thiểu số")
    FEMALE_HEAD = "female_head", _("Hộ có chủ hộ là nữ")
    POOR_DISTRICT = "poor_district", _("Huyện nghèo")
    HIGH_POVERTY_COMMUNE = "high_poverty_commune", _("Xã có tỷ lệ nghèo cao")


TARGET_GROUPS = (HouseholdGroup.ALL, HouseholdGroup.ETHNIC_MINORITY, HouseholdGroup.POOR_DISTRICT,
                 HouseholdGroup.HIGH_POVERTY_COMMUNE)
FIGURE_GROUPS = (HouseholdGroup.ALL, HouseholdGroup.ETHNIC_MINORITY, HouseholdGroup.FEMALE_HEAD,
                 HouseholdGroup.POOR_DISTRICT)

# The groups made of households with a flag: group → the `Household` field.
HOUSEHOLD_FLAGS = {
    HouseholdGroup.ETHNIC_MINORITY: "is_ethnic_minority",
    HouseholdGroup.FEMALE_HEAD: "is_female_head",
}
# The groups made of the households of some units: a group applies to a unit only when it has such units.
UNIT_GROUPS = (HouseholdGroup.POOR_DISTRICT, HouseholdGroup.HIGH_POVERTY_COMMUNE)


def group_choices(groups: Iterable[HouseholdGroup]) -> list[tuple[str, str]]:
    """The (value, label) choices of `groups` (a model field's, a form's, a serializer's)."""
    return [(group.value, group.label) for group in groups]


def household_groups(flags: Mapping[str, bool]) -> list[str]:
    """The groups a household belongs to, given its flags (`{"is_ethnic_minority": …, "is_female_head": …}`):
    `all` first, then each flagged group. The unit groups are not a household's own (see `group_units`)."""
    return [HouseholdGroup.ALL, *(group for group, flag in HOUSEHOLD_FLAGS.items() if flags.get(flag))]


def group_units(group: str, unit: Mapping, below: Sequence[Mapping]) -> tuple[list[int], list[int]]:
    """(the pks whose household totals make the group's denominator, the pks of the group's communes) for `unit`.

    `unit` and each row of `below` (the unit itself and every unit under it, in force at the same date) are plain
    values: `pk`, `level`, `parent_id`, `is_poor_district`, `is_extremely_difficult`; `unit` also carries
    `parent__is_poor_district`. For a unit group the first list is empty when the group does not apply to `unit`
    (no poor district, no flagged commune); for the other groups it is `[unit pk]`."""
    communes = [row for row in below if row["level"] == COMMUNE]
    if group == HouseholdGroup.POOR_DISTRICT:
        if unit["level"] == COMMUNE:
            keep = [unit["pk"]] if unit["parent__is_poor_district"] else []
            return keep, list(keep)
        districts = {row["pk"] for row in below if row["level"] == DISTRICT and row["is_poor_district"]}
        return sorted(districts), [row["pk"] for row in communes if row["parent_id"] in districts]
    if group == HouseholdGroup.HIGH_POVERTY_COMMUNE:
        flagged = [row["pk"] for row in communes if row["is_extremely_difficult"]]
        return flagged, list(flagged)
    return [unit["pk"]], [row["pk"] for row in communes]
