"""Audit history for pages: who changed what and when on an object, read from django-simple-history.

Only roles the access matrix lets see history (`history`/`detail`: provincial staff and administrators) get
entries; everyone else gets an empty list, so a template shows nothing. Bulk import paths (COPY/bulk_create) write
no per-row history: their ImportBatch / BudgetImport (who, when, file, sha256) is the audit of those changes.
"""

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, signals
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


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


# Bookkeeping, not content; who made a change is the entry's own column (history_user), not `updated_by`.
HIDDEN_FIELDS = {"updated_at", "created_at", "version", "head_name_search", "computed_at", "updated_by_id",
                 "recorded_by_id", "recorded_at"}
# Labels of fields declared without a Vietnamese verbose_name (Django would show the English field name).
FIELD_LABELS = {"batch": _("lần nhập tệp")}
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


def may_see_history(*, viewer) -> bool:
    """`viewer` is the request's `provinces.viewer.Viewer` (its role against the access matrix)."""
    return viewer.may("history", "detail")


def _is_year(field) -> bool:
    """A year is a number, not a quantity: 2024, never 2.024."""
    name = field.name
    return name == "year" or name.endswith("_year") or name.startswith("year_")


def _display(field, value, related: Mapping | None = None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list | tuple | dict):
        return ", ".join(str(item) for item in value) or "—"
    if isinstance(value, bool):
        return str(_("Có") if value else _("Không"))
    if field.is_relation:
        # The object's name (read once per history, _related_names), never its database id.
        name = (related or {}).get((field.related_model, value))
        return name if name is not None else str(_("(đã xoá)"))
    choices = dict(field.flatchoices) if getattr(field, "flatchoices", None) else {}
    if value in choices:
        return str(choices[value])
    if isinstance(value, int) and _is_year(field):
        return str(value)
    if isinstance(value, int | Decimal):
        return number_format(value, force_grouping=True)  # 1.234.567 and 2,50 in Vietnamese
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    return str(value)


def _related_names(records: list) -> dict[tuple[type, object], str]:
    """The names of the objects the records' foreign keys point at: one query per related model."""
    wanted: dict[type, set] = {}
    for record in records:
        for field in record.instance_type._meta.fields:
            if field.is_relation and field.attname not in HIDDEN_FIELDS:
                value = getattr(record, field.attname, None)
                if value is not None:
                    wanted.setdefault(field.related_model, set()).add(value)
    names = {}
    for model, keys in wanted.items():
        for key, obj in model._default_manager.in_bulk(keys).items():
            names[(model, key)] = getattr(obj, "name", None) or str(obj)
    return names


def _entries(records: list, *, label: str, related: Mapping | None = None) -> list[HistoryEntry]:
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
            changes.append(Change(field=str(FIELD_LABELS.get(field.name, field.verbose_name)),
                                  old=_display(field, old, related) if previous else "—",
                                  new=_display(field, new, related)))
        user = record.history_user
        entries.append(HistoryEntry(
            at=record.history_date, user=user.get_username() if user is not None else str(_("hệ thống")),
            kind=record.history_type, kind_label=str(KIND_LABELS.get(record.history_type, record.history_type)),
            label=label, changes=tuple(changes),
        ))
        previous = record
    return entries


def history_of(*, viewer, sources: Iterable[tuple[QuerySet, Callable[[object], str]]]) -> list[HistoryEntry]:
    """Newest first, the history rows of each source (a historical queryset such as `household.history.all()` or
    `Disbursement.history.filter(allocation_id=...)`, with a function naming the object of a row); [] for roles
    that may not see history. One query per source, plus one per model its foreign keys point at (units, users),
    whatever the number of objects and changes: a foreign key is shown by the object's name, never its id."""
    if not may_see_history(viewer=viewer):
        return []
    entries = []
    for queryset, label_of in sources:
        by_object: dict[object, list] = {}
        records = list(queryset.select_related("history_user").order_by("history_date", "history_id"))
        related = _related_names(records)
        for record in records:
            by_object.setdefault(getattr(record, record.instance_type._meta.pk.attname), []).append(record)
        for object_records in by_object.values():
            entries.extend(_entries(object_records, label=label_of(object_records[-1]), related=related))
    return sorted(entries, key=lambda entry: entry.at, reverse=True)
