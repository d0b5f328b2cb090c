"""The programme structure as data: loaded by load_reference_data, idempotent, settled (rule 11)."""

import json
import re

import pytest

from programmes.models import Confidence, Indicator, Programme, Project, SubProject
from programmes.services import DATA_DIR, programme_structure_load


def test_structure_load_is_idempotent(db):
    first = programme_structure_load()
    assert (first.programmes, first.projects, first.subprojects) == (2, 7, 11)
    Project.objects.filter(code="DA3").update(name="sửa nhầm")
    second = programme_structure_load()
    assert str(second) == str(first) == "2 chương trình, 7 dự án, 11 tiểu dự án, 13 chỉ số"
    assert Project.objects.count() == 7 and SubProject.objects.count() == 11
    assert Project.objects.get(code="DA3").name == "Hỗ trợ phát triển sản xuất, cải thiện dinh dưỡng"
    assert Indicator.objects.count() == first.indicators


def test_the_2021_2025_structure_is_settled_and_its_notes_are_plain_vietnamese(db):
    programme_structure_load()
    assert sorted(SubProject.objects.values_list("code", flat=True)) == [
        "DA1.1", "DA1.2", "DA3.1", "DA3.2", "DA4.1", "DA4.2", "DA4.3", "DA6.1", "DA6.2", "DA7.1", "DA7.2"]
    # Rule 11: the structure of Decision 90/QĐ-TTg is settled, so nothing in it is marked unconfirmed.
    assert set(SubProject.objects.values_list("confidence", flat=True)) == {Confidence.CONFIRMED}
    assert set(Project.objects.values_list("confidence", flat=True)) == {Confidence.CONFIRMED}
    assert SubProject.objects.get(code="DA4.2").name == "Hỗ trợ người lao động đi làm việc ở nước ngoài theo hợp đồng"
    notes = [*Programme.objects.values_list("note", flat=True), *Project.objects.values_list("note", flat=True),
             *SubProject.objects.values_list("note", flat=True), *Indicator.objects.values_list("note", flat=True)]
    for note in notes:
        assert not re.search(r"docs/|\.md\b|§|xác nhận|nghiên cứu|[A-Za-z]{4,} [a-z]{3,} [a-z]{3,}", note), note
    merged = Programme.objects.get(code="2026-2030")
    assert (merged.start_year, merged.end_year, merged.projects.count()) == (2026, 2030, 0)
    assert merged.structure_confidence == Confidence.NOT_RETRIEVED and not merged.is_structure_confirmed
    assert "giảm nghèo bền vững" in merged.name and "2026–2035" in merged.name


def test_indicator_catalogue(db):
    programme_structure_load()
    catalogue = {i.code: i for i in Indicator.objects.select_related("project")}
    assert catalogue["workers_abroad"].project.code == "DA4"
    assert catalogue["houses_built_repaired"].project.code == "DA5"
    assert catalogue["staff_trained_share"].aggregation == "ratio"
    assert catalogue["workers_jobs"].aggregation == "sum"
    assert {"households_production_support", "workers_vocational_training", "staff_trained"} <= set(catalogue)


def test_bad_data_is_refused_whole(db, tmp_path):
    data = json.loads((DATA_DIR / "programme_2021_2025.json").read_text(encoding="utf-8"))
    data["projects"][0]["confidence"] = "sure"
    (tmp_path / "programme_x.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="unknown confidence"):
        programme_structure_load(data_dir=tmp_path)
    assert not Programme.objects.exists()


def test_load_reference_data_loads_the_structure():
    from reports.management.commands.load_reference_data import Command

    labels = [label for label, _loader in Command()._other_loaders()]
    assert "Cơ cấu chương trình" in labels
