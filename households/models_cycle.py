"""The annual review cycle's state (docs/domain.md §10, rule 12): one row per submitting unit and review year, one
row per province and review year for its published flag, and every transition (who, when, from, to, comment).

A missing row means `open`. Written only by `households.cycle`; read through it and its selectors. The publications
themselves (decision, version, frozen figures) live in `reports` (reports.models_publications), which marks the
province-year published through `households.cycle.province_year_published_set`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from provinces.models import AdministrativeUnit


class ReviewState(models.TextChoices):
    OPEN = "open", _("Đang rà soát")
    SUBMITTED = "submitted", _("Đã chốt, chờ Sở duyệt")
    RETURNED = "returned", _("Sở trả lại")
    APPROVED = "approved", _("Sở đã duyệt")
    PUBLISHED = "published", _("Đã công bố")


class UnitReviewState(models.Model):
    """The state of one unit's periodic review of `year`.

    Submitting units (a district for review years before 1 July 2025, a commune from then on) go open → submitted →
    approved, or returned (with `comment`). A province's row only says whether the year is published (`published`,
    with `comment` naming the decision); a province never submits.
    """

    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("năm rà soát"))
    state = models.CharField(_("trạng thái"), max_length=10, choices=ReviewState.choices, default=ReviewState.OPEN)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người chốt"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("chốt lúc"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người duyệt/trả lại"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    decided_at = models.DateTimeField(_("duyệt/trả lại lúc"), null=True, blank=True)
    comment = models.TextField(_("ý kiến"), blank=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("trạng thái rà soát của đơn vị")
        verbose_name_plural = _("trạng thái rà soát của đơn vị")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="unit_review_state_unique")]
        indexes = [models.Index(fields=["year", "state"], name="unit_review_state_year_idx")]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year}: {self.state}"


class ReviewTransition(models.Model):
    """One transition of the cycle, never changed or deleted: the audit of who did what, when and why."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("Chốt số liệu")
        APPROVE = "approve", _("Duyệt")
        RETURN = "return", _("Trả lại")
        PUBLISH = "publish", _("Công bố")
        REOPEN = "reopen", _("Mở lại")

    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("năm rà soát"))
    action = models.CharField(_("thao tác"), max_length=8, choices=Action.choices)
    from_state = models.CharField(_("từ trạng thái"), max_length=10, choices=ReviewState.choices)
    to_state = models.CharField(_("sang trạng thái"), max_length=10, choices=ReviewState.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người thực hiện"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    username = models.CharField(_("tên đăng nhập"), max_length=150, blank=True)
    at = models.DateTimeField(_("lúc"), auto_now_add=True)
    comment = models.TextField(_("ý kiến/lý do"), blank=True)

    class Meta:
        verbose_name = _("lịch sử chốt/duyệt rà soát")
        verbose_name_plural = _("lịch sử chốt/duyệt rà soát")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["unit", "year", "at"], name="review_transition_unit_idx")]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year} {self.action}: {self.from_state} → {self.to_state}"
