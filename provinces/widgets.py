"""The unit picker: choose a unit by its name, never by typing its GSO code.

`UnitPicker` is a <select> of the units in the user's scope, grouped as a tree (a province or district heads the
group of the units directly below it), names in Vietnamese order, each option carrying a diacritics-free search
text (name, code, parent). static/js/unit_picker.js adds a filter box above it ("na ri", "Nà Rì" or "066" all find
Huyện Na Rì); without JavaScript it is an ordinary select. The submitted value is still the unit's code, so the
forms and views behind it keep their validation.

    form.fields["unit"].widget = UnitPicker()
    unit_picker_attach(form, "unit", viewer=request.viewer, on=end_of_year(year))
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django import forms
from django.utils.translation import gettext as _

from config.text import fold
from provinces.collation import vi_sort_key
from provinces.models import AdministrativeUnit
from provinces.selectors import units_in_force, units_visible_to
from provinces.viewer import Viewer

MAX_UNITS = 3000  # a national scope lists provinces and districts only (communes: ~10 000 options)
INDENT = "\u00a0\u00a0\u00a0"


class UnitPicker(forms.Select):
    def __init__(self, attrs=None, choices=()):
        super().__init__(attrs, choices)
        self.search: dict[str, str] = {}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].setdefault("data-unit-picker", "")
        context["widget"]["attrs"].setdefault("data-filter-placeholder", _("Tìm đơn vị: gõ tên, có dấu hoặc không"))
        context["widget"]["attrs"].setdefault("data-filter-label", _("Tìm đơn vị"))
        context["widget"]["attrs"].setdefault("data-no-match", _("Không có đơn vị nào khớp"))
        return context

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        text = self.search.get(str(value))
        if text:
            option["attrs"]["data-search"] = text
        return option


def unit_picker_tree(*, viewer: Viewer, on: datetime.date) -> tuple[list, dict[str, str]]:
    """(grouped choices, code → search text) for the units of the viewer's scope in force on `on`. One query."""
    units = units_visible_to(viewer=viewer) & units_in_force(on=on)
    fields = ("pk", "code", "name", "level", "parent_id")
    rows = list(units.only(*fields)[: MAX_UNITS + 1])  # one query; a second only for a national scope
    own = viewer.unit
    if not rows and own is not None and own.valid_to is not None and on > own.valid_to:
        units = units_visible_to(viewer=viewer) & units_in_force(on=own.valid_to)  # a unit merged since
        rows = list(units.only(*fields)[: MAX_UNITS + 1])
    if len(rows) > MAX_UNITS:
        rows = list(units.exclude(level=AdministrativeUnit.Level.COMMUNE).only(*fields))
    by_id = {unit.pk: unit for unit in rows}
    children: dict[int | None, list[AdministrativeUnit]] = defaultdict(list)
    for unit in rows:
        children[unit.parent_id if unit.parent_id in by_id else None].append(unit)
    for kids in children.values():
        kids.sort(key=lambda unit: (vi_sort_key(unit.name), unit.code))
    search = {}
    for unit in rows:
        parent = by_id.get(unit.parent_id)
        search[unit.code] = fold(f"{unit.name} {unit.code} {parent.name if parent else ''}")
    groups: list = []

    def walk(node: AdministrativeUnit) -> None:
        kids = children.get(node.pk, [])
        options = [(node.code, node.name)]
        options += [(kid.code, INDENT + kid.name) for kid in kids if not children.get(kid.pk)]
        groups.append((node.name, options))
        for kid in kids:
            if children.get(kid.pk):
                walk(kid)

    for root in children.get(None, []):
        if children.get(root.pk):
            walk(root)
        else:
            groups.append((root.code, root.name))
    return groups, search


def unit_picker_attach(form: forms.Form, field: str, *, viewer: Viewer, on: datetime.date) -> None:
    """Give `form[field]` the picker, filled with the viewer's units on `on`."""
    widget = UnitPicker(attrs={"class": "form-select form-select-sm"})
    widget.choices, widget.search = unit_picker_tree(viewer=viewer, on=on)
    form.fields[field].widget = widget


def unit_picker_html(*, viewer: Viewer, on: datetime.date, name: str, value: str, element_id: str) -> str:
    """The picker alone, for a page whose filter is plain HTML (the anomaly list)."""
    widget = UnitPicker(attrs={"class": "form-select form-select-sm", "id": element_id})
    widget.choices, widget.search = unit_picker_tree(viewer=viewer, on=on)
    return widget.render(name, value)
