"""Audit history for pages: who changed what and when on an object, read from django-simple-history.

Only roles the access matrix lets see history (`history`/`detail`: provincial staff and administrators) get
entries; everyone else gets an empty list, so a template shows nothing. Bulk import paths (COPY/bulk_create) write
no per-row history: their ImportBatch / BudgetImport (who, when, file, sha256) is the audit of those changes.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, signals
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.access import user_may


class SavesOnlyHistoricalRecords(HistoricalRecords):
    """History of every save, none of deletes: for households and reviews, which are deleted only by the import
    paths (replacing a year's reviews, reverting a batch), set-based and audited by their ImportBatch. A delete
    signal receiver would stop Django's fast DELETE and write one history row per deleted review, turning a
    re-import of 50,000 rows into 50,000 single-row INSERTs."""

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        if sender is self.cls:
            signals.post_delete.disconnect(self.post_delete, sender=sender)
            signals.pre_delete.disconnect(self.pre_delete, sender=sender)


HIDDEN_FIELDS = {"updated_at", "created_at", "version", "head_name_search", "computed_at"}
KIND_LABELS = {"+": _("Tạo mới"), "~": _("Sửa"), "-": _("Xoá")}


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    at: object  # datetime
    user: str
    kind: str
    kind_label: str
    label: str  # which object (for pages that show several: a line and its disbursements)
    changes: tuple[Change, ...]


def may_see_history(*, user) -> bool:
    return user_may(user, "history", "detail")


def _display(field, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list | tuple | dict):
        return ", ".join(str(item) for item in value) or "—"
    if isinstance(value, bool):
        return str(_("Có") if value else _("Không"))
    choices = dict(field.flatchoices) if getattr(field, "flatchoices", None) else {}
    if value in choices:
        return str(choices[value])
    if isinstance(value, int | Decimal) and not field.is_relation:
        return number_format(value, force_grouping=True)  # 1.234.567 and 2,50 in Vietnamese
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    return str(value)


def _entries(records: list, *, label: str) -> list[HistoryEntry]:
    """`records` oldest first; each entry lists the fields that changed from the record before."""
    entries = []
    previous = None
    for record in records:
        fields = [f for f in record.instance_type._meta.fields if f.attname not in HIDDEN_FIELDS
                  and f.attname != record.instance_type._meta.pk.attname]
        changes = []
        for field in fields:
            new = getattr(record, field.attname, None)
            old = getattr(previous, field.attname, None) if previous is not None else None
            if previous is None and record.history_type == "+":
                if new in (None, "", [], False, 0):
                    continue
            elif new == old:
                continue
            if record.history_type == "-":
                continue
            changes.append(Change(field=str(field.verbose_name), old=_display(field, old) if previous else "—",
                                  new=_display(field, new)))
        user = record.history_user
        entries.append(HistoryEntry(
            at=record.history_date, user=user.get_username() if user is not None else str(_("hệ thống")),
            kind=record.history_type, kind_label=str(KIND_LABELS.get(record.history_type, record.history_type)),
            label=label, changes=tuple(changes),
        ))
        previous = record
    return entries


def history_of(*, user, sources: Iterable[tuple[QuerySet, Callable[[object], str]]]) -> list[HistoryEntry]:
    """Newest first, the history rows of each source (a historical queryset such as `household.history.all()` or
    `Disbursement.history.filter(allocation_id=...)`, with a function naming the object of a row); [] for roles
    that may not see history. One query per source, whatever the number of objects and changes."""
    if not may_see_history(user=user):
        return []
    entries = []
    for queryset, label_of in sources:
        by_object: dict[object, list] = {}
        for record in queryset.select_related("history_user").order_by("history_date", "history_id"):
            by_object.setdefault(getattr(record, record.instance_type._meta.pk.attname), []).append(record)
        for records in by_object.values():
            entries.extend(_entries(records, label=label_of(records[-1])))
    return sorted(entries, key=lambda entry: entry.at, reverse=True)
