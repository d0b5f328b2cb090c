"""Administrative units (a code plus its period of validity), household totals, and who is scoped where."""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The 2025 reorganisation: legacy units end on 30 June 2025, the new ones start on 1 July 2025.
REORGANISATION_DATE = datetime.date(2025, 7, 1)
LEGACY_VALID_TO = REORGANISATION_DATE - datetime.timedelta(days=1)
LEGACY_VALID_FROM = datetime.date(2000, 1, 1)


def end_of_year(year: int) -> datetime.date:
    """A code in an API call or a spreadsheet means the unit in force at the end of that year."""
    return datetime.date(year, 12, 31)


class AdministrativeUnit(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("Tỉnh/thành phố")
        DISTRICT = "district", _("Quận/huyện")
        COMMUNE = "commune", _("Xã/phường/thị trấn")

    class Area(models.TextChoices):
        URBAN = "urban", _("Thành thị")
        RURAL = "rural", _("Nông thôn")

    code = models.CharField(_("mã"), max_length=5)
    level = models.CharField(_("cấp"), max_length=8, choices=Level.choices)
    name = models.CharField(_("tên"), max_length=150)
    short_name = models.CharField(_("tên ngắn"), max_length=120)
    unit_type = models.CharField(_("loại đơn vị"), max_length=40)
    parent = models.ForeignKey(
        "self", verbose_name=_("đơn vị cấp trên"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    area = models.CharField(_("khu vực"), max_length=5, choices=Area.choices, default=Area.RURAL)
    is_area_overridden = models.BooleanField(_("khu vực do Sở sửa"), default=False)
    latitude = models.FloatField(_("vĩ độ"), null=True, blank=True)
    longitude = models.FloatField(_("kinh độ"), null=True, blank=True)
    valid_from = models.DateField(_("hiệu lực từ"))
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    search_text = models.CharField(max_length=300, editable=False, db_index=True)
    is_poor_district = models.BooleanField(_("huyện nghèo"), default=False)
    is_extremely_difficult = models.BooleanField(_("xã đặc biệt khó khăn"), default=False)
    is_coastal = models.BooleanField(_("xã bãi ngang, ven biển, hải đảo"), default=False)
    is_ethnic_minority_area = models.BooleanField(_("vùng đồng bào dân tộc thiểu số"), default=False)
    is_mountainous = models.BooleanField(_("miền núi"), default=False)

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        ordering = ["code", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="unit_code_valid_from_unique"),
        ]
        indexes = [
            models.Index(fields=["level", "valid_from", "valid_to"], name="unit_level_validity_idx"),
            models.Index(fields=["code", "valid_to"], name="unit_code_valid_to_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_legacy(self) -> bool:
        return self.valid_to is not None and self.valid_to < REORGANISATION_DATE

    def is_in_force(self, on: datetime.date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or self.valid_to >= on)


# Programme flags: the field, and the levels it applies to (None: any level).
PROGRAMME_FLAGS = {
    "is_poor_district": ("district",),
    "is_extremely_difficult": ("commune",),
    "is_coastal": ("commune",),
    "is_ethnic_minority_area": None,
    "is_mountainous": None,
}


def flags_for_level(level: str) -> list[str]:
    """The programme flags that make sense for a unit of `level`."""
    return [name for name, levels in PROGRAMME_FLAGS.items() if levels is None or level in levels]


class UnitSuccession(models.Model):
    """A legacy unit's part in a new unit across the 2025 reorganisation."""

    predecessor = models.ForeignKey(AdministrativeUnit, on_delete=models.CASCADE, related_name="successor_links")
    successor = models.ForeignKey(AdministrativeUnit, on_delete=models.CASCADE, related_name="predecessor_links")
    is_default = models.BooleanField(
        _("đơn vị kế thừa chính"), default=False,
        help_text=_("Khi một xã cũ bị chia cho nhiều xã mới, xã mới nhận phần lớn nhất."),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="unit_succession_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor_id} → {self.successor_id}"


class HouseholdTotal(models.Model):
    """The denominator of every rate: all households of a unit at the end of a year."""

    class Source(models.TextChoices):
        ENTERED = "entered", _("Nhập tay")
        SPREADSHEET = "spreadsheet", _("Bảng tính")
        DEMO = "demo", _("Dữ liệu minh hoạ")

    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="household_totals")
    year = models.PositiveSmallIntegerField(_("năm"))
    total_households = models.PositiveIntegerField(_("tổng số hộ"))
    source = models.CharField(_("nguồn"), max_length=12, choices=Source.choices)
    source_note = models.CharField(_("ghi chú nguồn"), max_length=255, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="household_total_unit_year_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year}: {self.total_households}"


class Role(models.TextChoices):
    DISTRICT_OFFICER = "district_officer", _("Cán bộ huyện/xã")
    PROVINCIAL_STAFF = "provincial_staff", _("Chuyên viên Sở")
    LEADERSHIP = "leadership", _("Lãnh đạo")
    ADMIN = "admin", _("Quản trị")


class UserProfile(models.Model):
    """Each user works in one role, scoped to one administrative unit."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("đơn vị"), on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("hồ sơ người dùng")
        verbose_name_plural = _("hồ sơ người dùng")

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.unit}"

    @property
    def may_see_personal_data(self) -> bool:
        return self.role != Role.LEADERSHIP
