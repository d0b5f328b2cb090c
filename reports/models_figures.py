"""The figures of one unit × review year × group, as a column set: `PovertyAggregate` (reports.models) holds the live
ones and `PublicationFigure` (reports.models_publications) the copy frozen when a year is published. Declared once
here, below both, so neither model module imports the other."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from programmes.groups import FIGURE_GROUPS, HouseholdGroup, group_choices
from provinces.models import AdministrativeUnit

# The counts of reviewed households (the columns summed when figures are rolled up or re-aggregated).
REVIEW_COUNTS = ("reviewed", "poor", "near_poor", "middle", "not_poor", "newly_poor", "re_poor", "escaped", "remained",
                 "mismatches")


class PovertyFiguresBase(models.Model):
    year = models.PositiveSmallIntegerField(_("năm rà soát"))
    group = models.CharField(_("nhóm"), max_length=16, choices=group_choices(FIGURE_GROUPS),
                             default=HouseholdGroup.ALL)
    level = models.CharField(_("cấp"), max_length=8, choices=AdministrativeUnit.Level.choices)
    standard = models.CharField(_("chuẩn nghèo"), max_length=20, blank=True)
    total_households = models.PositiveIntegerField(_("tổng số hộ"), null=True, blank=True)
    reviewed = models.PositiveIntegerField(_("số hộ được rà soát"), default=0)
    poor = models.PositiveIntegerField(_("hộ nghèo"), default=0)
    near_poor = models.PositiveIntegerField(_("hộ cận nghèo"), default=0)
    middle = models.PositiveIntegerField(_("hộ có mức sống trung bình"), default=0)
    not_poor = models.PositiveIntegerField(_("không thuộc các loại trên"), default=0)
    newly_poor = models.PositiveIntegerField(_("hộ nghèo phát sinh"), default=0)
    re_poor = models.PositiveIntegerField(_("hộ tái nghèo"), default=0)
    escaped = models.PositiveIntegerField(_("hộ thoát nghèo"), default=0)
    remained = models.PositiveIntegerField(_("hộ vẫn nghèo"), default=0)
    mismatches = models.PositiveIntegerField(_("khác phân loại của xã"), default=0)
    communes_total = models.PositiveIntegerField(_("số xã"), default=0)
    communes_reviewed = models.PositiveIntegerField(_("số xã đã rà soát"), default=0)

    class Meta:
        abstract = True
