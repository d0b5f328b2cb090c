"""What officials see (issue 19): no research notes, no raw codes, one date-time format, plain Vietnamese messages.

The import pages' part (the value as typed, no "Dòng N:" beside the row column, the duplicate link, the two
commune messages) is in tests/households/test_officials_imports.py and tests/households/test_imports.py.
"""

import datetime
import json
import re
from pathlib import Path

import pytest
from django.utils import formats, translation
from django.utils.html import strip_tags

from budgets.rules import RULES_FILE
from config.row_messages import without_row
from programmes import targets
from programmes.services import poverty_target_set
from tests.budgets.conftest import allocate, disburse
from tests.factories import TEST_PASSWORD
from tests.programmes.conftest import structure  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parent.parent
# Research apparatus: document references, section signs, confidence markers, file paths.
RESEARCH = re.compile(r"docs/|\.md\b|§|rules\.json|\[[CRA]\]|\(reference|xác nhận một phần|chưa xác nhận", re.I)
# English words that have no business in a Vietnamese page's text (short Vietnamese words never take these forms).
ENGLISH = re.compile(
    r"\b(the|and|of|in|for|with|from|investment|infrastructure|poor|districts?|communes?|confirmed|unconfirmed|"
    r"partial|recollection|source|reference|coastal|island|on_track|at_risk|met|missed|near_poor)\b"
)
# The date-time format the pages do not use (19:17 03/12/2026); they write 03/12/2026 19:17.
TIME_FIRST = re.compile(r"\b\d{1,2}:\d{2} \d{2}/\d{2}/\d{4}\b")
DATE_TIME = re.compile(r"\b\d{2}/\d{2}/\d{4} \d{2}:\d{2}\b")


def page_text(response) -> str:
    """What a reader sees: the text without tags, scripts, styles and attributes."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", strip_tags(html))


def login(client, username: str):
    assert client.login(username=username, password=TEST_PASSWORD)
    return client


# --- A. research notes --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["canbo_nari", "so_bk", "lanhdao_bk"])
def test_the_programme_page_shows_the_structure_as_fact(client, people, structure, username):  # noqa: F811
    response = login(client, username).get("/programmes/", {"programme": "2021-2025"})
    assert response.status_code == 200
    text = page_text(response)
    assert "Hỗ trợ đầu tư phát triển hạ tầng kinh tế – xã hội" in text and "Giám sát, đánh giá" in text
    assert 'data-testid="unconfirmed"' not in response.content.decode()
    assert not RESEARCH.search(text), RESEARCH.search(text)
    assert "xác nhận" not in text
    assert not ENGLISH.search(text), ENGLISH.search(text)


def test_the_2026_programme_says_plainly_that_its_structure_is_not_issued_yet(client, people, structure):  # noqa: F811
    response = login(client, "so_bk").get("/programmes/", {"programme": "2026-2030"})
    text = page_text(response)
    assert "Chưa có văn bản quy định các dự án, tiểu dự án" in text
    assert not RESEARCH.search(text) and not ENGLISH.search(text)


def test_the_budgets_page_shows_no_rule_file_and_states_the_plan_curve(client, people, structure, units):  # noqa: F811
    line = allocate(units["na_ri"], 1_000_000_000, code="DA3.1").allocation
    disburse(line, 200_000_000, datetime.date(2023, 3, 10))
    response = login(client, "so_bk").get("/budgets/", {"unit": "06", "year": 2023})
    assert response.status_code == 200
    text = page_text(response)
    assert not RESEARCH.search(text), RESEARCH.search(text)
    assert not ENGLISH.search(text), ENGLISH.search(text)
    assert ("Đường kế hoạch giải ngân (lũy kế): 10% đến hết tháng 3, 35% đến hết tháng 6, 60% đến hết tháng 9, "
            "100% đến hết tháng 12; giữa các mốc tính đều theo ngày.") in text


def test_page_facing_data_and_templates_carry_no_research_references():
    """Templates and the data files whose texts reach pages (programme notes, budget rules)."""
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", "", path.read_text(encoding="utf-8"),
                      flags=re.S)
        found += [f"{path.relative_to(ROOT)}: {match.group()}" for match in RESEARCH.finditer(text)]
    data_files = [*sorted((ROOT / "programmes/data").glob("*.json")), RULES_FILE]
    for path in data_files:
        def texts(node):
            if isinstance(node, dict):
                for key, value in node.items():
                    yield from ([value] if key in {"note", "about", "basis", "name", "decision"}
                                and isinstance(value, str) else texts(value))
            elif isinstance(node, list):
                for item in node:
                    yield from texts(item)
        for text in texts(json.loads(path.read_text(encoding="utf-8"))):
            if RESEARCH.search(text) or re.search(r"\b(the|and|of|in|poor|districts)\b", text):
                found.append(f"{path.relative_to(ROOT)}: {text}")
    assert not found, found


# --- B. raw values ------------------------------------------------------------------------------------------------


def test_target_history_shows_labels_and_human_values(client, people, units):
    target = poverty_target_set(unit=units["na_ri"], year=2024, group="all", entered_as="points", value="1",
                                acting_user=None)
    login(client, "so_bk")
    assert client.post(f"/programmes/targets/{target.pk}/edit/", {
        "entered_as": "points", "value": "2.5", "note": "QĐ 12", "version": target.version}).status_code == 302
    response = client.get(f"/programmes/targets/{target.pk}/")
    html = response.content.decode()
    history = html[html.index('data-testid="audit-history"'):]
    text = page_text(response)
    history_text = re.sub(r"\s+", " ", strip_tags(history))
    assert "năm: 2024" in history_text and "2.024" not in history_text  # a year, not a quantity
    assert "đơn vị: Huyện Na Rì" in history_text  # the unit by name, not its id
    assert "nhóm: Toàn bộ hộ" in history_text
    assert "Huyện Na Rì, năm 2024, toàn bộ hộ" in history_text  # which target, not "4/2024/all"
    assert not re.search(r"\b\d+/\d{4}/all\b", text)
    assert "so_bk" in history_text  # who, in its own column
    assert not re.search(r"đơn vị: \d+\b", history_text)
    assert not ENGLISH.search(history_text) and "updated" not in history_text


def test_status_explanations_use_the_pages_labels(client, people, units):
    target = poverty_target_set(unit=units["na_ri"], year=2024, group="all", entered_as="points", value="1",
                                acting_user=None)
    login(client, "so_bk")
    for url in ("/programmes/targets/?unit=066&year=2024", f"/programmes/targets/{target.pk}/"):
        html = client.get(url).content.decode()
        rule = html[html.index('data-testid="status-rule"'):]
        rule = strip_tags(rule[:rule.index("</details>")])
        for label in ("“Đạt”", "“Không đạt”", "“Đúng tiến độ”", "“Có nguy cơ không đạt”", "“Chưa đánh giá”"):
            assert label in rule, (url, label)
        assert not re.search(r"\b(met|missed|on_track|at_risk)\b", rule), url
    assert "on_track" not in targets.STATUS_RULE


@pytest.mark.parametrize("language", ["vi", "en"])
def test_one_date_time_format(language):
    moment = datetime.datetime(2026, 12, 3, 19, 17)
    with translation.override(language):
        assert formats.date_format(moment, "DATETIME_FORMAT") == "03/12/2026 19:17"
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "03/12/2026 19:17"


def test_no_template_writes_the_time_first():
    """Templates write |date:"DATETIME_FORMAT" (config/formats), never a time before the date."""
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r'\|date:"[^"]*[HGhg]:i[^"]*[dj]/', text), path


def test_the_main_pages_write_dates_day_first(client, people, units, structure):  # noqa: F811
    target = poverty_target_set(unit=units["na_ri"], year=2024, group="all", entered_as="points", value="1",
                                acting_user=people["staff"])
    allocate(units["na_ri"], 1_000_000_000, code="DA3.1")
    login(client, "so_bk")
    seen_day_first = False
    for url in (f"/programmes/targets/{target.pk}/", "/programmes/", "/programmes/targets/", "/budgets/",
                "/budgets/import/", "/budgets/allocations/", "/imports/", "/reports/", "/"):
        response = client.get(url)
        assert response.status_code == 200, url
        text = page_text(response)
        assert not TIME_FIRST.search(text), (url, TIME_FIRST.search(text))
        seen_day_first |= bool(DATE_TIME.search(text))
    assert seen_day_first  # the target's history at least


# --- C. messages ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "row", "shown"),
    [
        ("Dòng 46: thiếu “Mã hộ”.", 46, "Thiếu “Mã hộ”."),
        ("Dòng 5: không có đơn vị mã “181”.", "5", "Không có đơn vị mã “181”."),
        ("Row 7: missing “Household code”.", 7, "Missing “Household code”."),
        ("Dòng 5: trùng với dòng 3.", 6, "Dòng 5: trùng với dòng 3."),  # another row's number: left alone
        ("Tệp không có dòng dữ liệu nào dưới tiêu đề.", 1, "Tệp không có dòng dữ liệu nào dưới tiêu đề."),
    ],
)
def test_a_message_beside_its_row_does_not_repeat_it(message, row, shown):
    assert without_row(message, row) == shown


def test_djangos_vietnamese_messages_have_no_space_before_the_period():
    from django import forms

    class Form(forms.Form):
        year = forms.IntegerField(min_value=2021, max_value=2100)

    with translation.override("vi"):
        low, high = Form({"year": 2000}), Form({"year": 3000})
        assert not low.is_valid() and not high.is_valid()
        assert low.errors["year"] == ["Giá trị phải lớn hơn hoặc bằng 2021."]
        assert high.errors["year"] == ["Giá trị phải nhỏ hơn hoặc bằng 2100."]
