"""The English catalogue: every string translated by hand (no empty or fuzzy entry), placeholders kept, the domain's
terms used as docs/glossary.md gives them, the committed .mo compiled from the .po, and the language switch naming
each language in itself."""

import gettext
import importlib.util
import re
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale/en/LC_MESSAGES/django.po"
MO = PO.with_suffix(".mo")

_spec = importlib.util.spec_from_file_location("i18n_fill", ROOT / "scripts/i18n_fill.py")
i18n_fill = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(i18n_fill)

ENTRIES = i18n_fill.messages(i18n_fill.parse(PO.read_text(encoding="utf-8")))
CATALOGUE = {entry.msgid: entry for entry in ENTRIES}


def english(msgid: str) -> str:
    return CATALOGUE[msgid].translations[0]


def test_the_catalogue_is_read_whole():
    assert len(ENTRIES) > 1000
    assert i18n_fill.dump(i18n_fill.parse(PO.read_text(encoding="utf-8"))) == PO.read_text(encoding="utf-8")


def test_no_entry_is_empty():
    empty = [source for entry in ENTRIES for source, text in entry.pairs() if not text.strip()]
    assert not empty, f"{len(empty)} untranslated, e.g. {empty[:5]}"


def test_no_entry_is_fuzzy():
    # makemessages copies the translation of a *similar* string and marks it fuzzy: "Đã nhập" became "Log in".
    fuzzy = [entry.msgid for entry in ENTRIES if entry.fuzzy]
    assert not fuzzy, f"fuzzy entries (a guessed translation of another string): {fuzzy[:5]}"


def test_placeholders_are_kept():
    wrong = [
        (source, text) for entry in ENTRIES for source, text in entry.pairs()
        if text and i18n_fill.placeholders(source) != i18n_fill.placeholders(text)
    ]
    assert not wrong


def test_a_literal_percent_stays_escaped_where_the_msgid_escapes_it():
    # "%%" in a msgid (python-format, or a template's {% translate %}) means a literal "%"; a lone "%" in the
    # English would break the formatting or show as is.
    lone = re.compile(r"%(?![%(sdif])")
    wrong = [
        (source, text) for entry in ENTRIES for source, text in entry.pairs()
        if "%%" in source and lone.search(text.replace("%%", ""))
    ]
    assert not wrong


def test_the_issue_19_regressions():
    assert english("Đã nhập") == "Imported"
    assert english("đã nhập") != "Log in"
    assert "central" in english("Ngân sách trung ương").lower()
    assert "local" in english("Ngân sách địa phương").lower()
    assert english("Tổng cộng") == "Total"
    assert english("Tổng quan") == "Overview"
    assert english("Ngân sách") == "Budgets"


# Vietnamese term -> what its English must contain, wherever the term appears outside quoted workbook values
# (“Hộ nghèo” stays Vietnamese where it is a value to type). Kept to terms that translate one way only.
TERMS = {
    "hộ cận nghèo": "near-poor",
    "cận nghèo": "near-poor",
    "tái nghèo": "re-poor",
    "nghèo phát sinh": "newly poor",
    "mới thoát nghèo": "newly escaped",
    "chuẩn nghèo": "standard",
    "nghèo đa chiều": "multidimensional",
    "giải ngân": "disburs",
    "chuyển nguồn": "carr",
    "vốn đối ứng": "counterpart",
    "ngân sách trung ương": "central budget",
    "điểm phần trăm": "percentage point",
    "tiểu dự án": "sub-project",
    "rà soát định kỳ": "periodic review",
    "huyện nghèo": "poor district",
    "xã đặc biệt khó khăn": "extremely difficult commune",
    "xác thực hai bước": "two-step verification",
    "triệu đồng": "million vnd",
    "ubnd ": "people's committee",  # not the "…/KH-UBND" of document numbers
}
_QUOTED = re.compile(r"“[^”]*”")


@pytest.mark.parametrize("term", TERMS)
def test_the_glossary_terms_are_used(term):
    expected = TERMS[term]
    wrong = []
    for entry in ENTRIES:
        for source, text in entry.pairs():
            if term in _QUOTED.sub("", source).lower() and expected not in _QUOTED.sub("", text).lower():
                wrong.append((source, text))
    assert not wrong, f"{term!r} should read {expected!r}: {wrong[:3]}"


def test_every_glossary_term_is_in_docs():
    glossary = (ROOT / "docs/glossary.md").read_text(encoding="utf-8").lower()
    for term in TERMS:
        assert term in glossary


def test_the_committed_mo_is_compiled_from_the_po():
    with MO.open("rb") as handle:
        compiled = dict(gettext.GNUTranslations(handle)._catalog)
    compiled.pop("", None)  # the header
    expected = {}
    for entry in ENTRIES:
        if entry.msgid_plural is None:
            expected[entry.msgid] = entry.msgstr
        else:
            expected.update({(entry.msgid, index): text for index, text in entry.msgstr_plural.items()})
    missing = sorted(str(key) for key in expected.keys() - compiled.keys())
    stale = sorted(str(key) for key in compiled.keys() - expected.keys())
    differ = sorted(str(key) for key in expected.keys() & compiled.keys() if expected[key] != compiled[key])
    assert not (missing or stale or differ), (
        "django.mo is out of date: run `make messages` "
        f"(missing {missing[:3]}, stale {stale[:3]}, different {differ[:3]})"
    )


def test_django_serves_the_english_catalogue():
    with translation.override("en"):
        assert translation.gettext("Tổng cộng") == "Total"
        assert translation.gettext("Đã nhập") == "Imported"
        assert translation.gettext("Ngân sách trung ương") == "Central budget"
        assert translation.ngettext("%(counter)s hộ", "%(counter)s hộ", 2) == "%(counter)s households"
    with translation.override("vi"):
        assert translation.gettext("Tổng cộng") == "Tổng cộng"


@pytest.mark.django_db
def test_the_language_switch_names_each_language_in_itself(client, people):
    client.force_login(people["officer"])
    switch = re.compile(r'<button[^>]*data-testid="language-switch"[^>]*>([^<]*)</button>')
    vietnamese = client.get("/").content.decode()
    assert switch.findall(vietnamese) == ["English"]
    assert "Tiếng Anh" not in vietnamese
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english_page = client.get("/").content.decode()
    assert '<html lang="en">' in english_page
    assert switch.findall(english_page) == ["Tiếng Việt"]  # as settings.LANGUAGES spells it (composed)
