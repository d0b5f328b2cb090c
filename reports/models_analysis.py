"""Saved analysis views (issue 20): a name, its owner, the `/analysis/` query parameters, and whether users of
the owner's unit (and of the units below it) may open it. Opening one never widens anyone's scope: the page reads
the figures through the viewer's own scope (`reports.saved_views.saved_view_parameters`)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedAnalysis(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người lưu"), on_delete=models.CASCADE, related_name="saved_analyses"
    )
    name = models.CharField(_("tên"), max_length=120)
    parameters = models.JSONField(_("tham số"), default=dict, help_text=_(
        "unit, level, from, to, measure, view, compare_from, compare_to của trang phân tích."))
    shared = models.BooleanField(_("chia sẻ với người dùng của đơn vị"), default=False)
    created_at = models.DateTimeField(_("lưu lúc"), auto_now_add=True)

    class Meta:
        app_label = "reports"
        verbose_name = _("cách xem phân tích đã lưu")
        verbose_name_plural = _("cách xem phân tích đã lưu")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["owner", "name"], name="saved_analysis_owner_idx")]

    def __str__(self) -> str:
        return self.name
