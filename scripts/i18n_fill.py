"""Keep the English catalogue, locale/en/LC_MESSAGES/django.po, complete and free of guessed translations.

Workflow after Vietnamese strings change:

    DEBUG=1 .venv/bin/python manage.py makemessages -l en --no-wrap --ignore=.venv --ignore=node_modules \
        --ignore=static/vendor
    .venv/bin/python scripts/i18n_fill.py     # fills from locale/en/glossary.tsv, lists what is left
    # translate what it lists (in the .po, or as Vietnamese<TAB>English lines in the glossary and run it again),
    # with the terms of docs/glossary.md
    make messages                             # compiles the .mo, which is committed beside the .po

makemessages marks a new string "fuzzy" when it looks like an old one and copies the old translation: that is a
translation of a *different* string ("Ngân sách trung ương" got "Budgets"). This script never trusts such a
guess: a fuzzy entry is emptied, then filled only from an exact glossary line. Entries already translated and
not fuzzy are left alone. Exit status 1 while any entry is empty, fuzzy or has placeholders that differ from its
msgid. tests/test_translations.py reads the catalogue with the functions below.
"""

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale/en/LC_MESSAGES/django.po"
GLOSSARY = ROOT / "locale/en/glossary.tsv"

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_KEYWORD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr|msgstr\[(\d+)\])\s+"(.*)"$')
# Python %-placeholders and str.format fields; a literal "%%" is not a placeholder.
PLACEHOLDER = re.compile(r"%%|%\(\w+\)[-+ #0]*\d*(?:\.\d+)?[sdifr]|%[-+#0]*\d*(?:\.\d+)?[sdif]|\{\w*\}")


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text)


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")


@dataclass
class Entry:
    comments: list[str] = field(default_factory=list)  # "#." "#:" and translator comments, as read
    previous: list[str] = field(default_factory=list)  # "#|" lines (the msgid a fuzzy guess came from)
    flags: list[str] = field(default_factory=list)
    msgctxt: str | None = None
    msgid: str | None = None
    msgid_plural: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    obsolete: bool = False
    raw: str = ""

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def translations(self) -> list[str]:
        if self.msgid_plural is None:
            return [self.msgstr]
        return [self.msgstr_plural[index] for index in sorted(self.msgstr_plural)]

    def pairs(self) -> list[tuple[str, str]]:
        """(source, translation) pairs: one per plural form, the first against msgid, the others msgid_plural."""
        translations = self.translations
        sources = ([self.msgid] + [self.msgid_plural] * len(translations))[: len(translations)]
        return list(zip(sources, translations, strict=True))


def parse(text: str) -> list[Entry]:
    entries = []
    for block in re.split(r"\n[ \t]*\n", text.strip("\n")):
        entry, current = Entry(raw=block), None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry.obsolete = True
            elif line.startswith("#,"):
                entry.flags = [flag.strip() for flag in line[2:].split(",") if flag.strip()]
            elif line.startswith("#|"):
                entry.previous.append(line)
            elif line.startswith("#"):
                entry.comments.append(line)
            elif match := _KEYWORD.match(line):
                keyword, index, value = match.groups()
                if index is not None:
                    current = int(index)
                    entry.msgstr_plural[current] = unescape(value)
                else:
                    current = keyword
                    setattr(entry, keyword, unescape(value))
            elif line.startswith('"') and current is not None:
                value = unescape(line[1:-1])
                if isinstance(current, int):
                    entry.msgstr_plural[current] += value
                else:
                    setattr(entry, current, getattr(entry, current) + value)
            else:
                raise ValueError(f"unreadable line in {PO.name}: {line!r}")
        entries.append(entry)
    return entries


def messages(entries: list[Entry]) -> list[Entry]:
    """The entries that are translations (no header, no obsolete ones)."""
    return [entry for entry in entries if not entry.obsolete and entry.msgid]


def _field(keyword: str, value: str) -> list[str]:
    if "\n" not in value[:-1]:
        return [f'{keyword} "{escape(value)}"']
    lines = value.splitlines(keepends=True)
    return [f'{keyword} ""'] + [f'"{escape(line)}"' for line in lines]


def dump(entries: list[Entry]) -> str:
    """The catalogue as makemessages --no-wrap writes it."""
    blocks = []
    for entry in entries:
        if entry.obsolete or not entry.msgid:
            blocks.append(entry.raw)
            continue
        lines = list(entry.comments)
        if entry.flags:
            lines.append("#, " + ", ".join(entry.flags))
        if entry.fuzzy:
            lines += entry.previous
        if entry.msgctxt is not None:
            lines += _field("msgctxt", entry.msgctxt)
        lines += _field("msgid", entry.msgid)
        if entry.msgid_plural is None:
            lines += _field("msgstr", entry.msgstr)
        else:
            lines += _field("msgid_plural", entry.msgid_plural)
            for index in sorted(entry.msgstr_plural):
                lines += _field(f"msgstr[{index}]", entry.msgstr_plural[index])
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def placeholders(text: str) -> list[str]:
    return sorted(match for match in PLACEHOLDER.findall(text) if match != "%%")


def problems(entries: list[Entry]) -> list[str]:
    """Every empty, fuzzy or placeholder-mismatched entry, described in one line each."""
    found = []
    for entry in messages(entries):
        if entry.fuzzy:
            found.append(f"fuzzy: {entry.msgid!r} -> {entry.translations!r}")
        for source, translation in entry.pairs():
            if not translation.strip():
                found.append(f"untranslated: {source!r}")
            elif placeholders(source) != placeholders(translation):
                found.append(f"placeholders differ: {source!r} -> {translation!r}")
    return found


def read_glossary() -> dict[str, list[str]]:
    """Vietnamese msgid -> English; plural forms separated by ' ||| '."""
    glossary = {}
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            vietnamese, english = line.split("\t")
            glossary[unescape(vietnamese)] = [unescape(form.strip()) for form in english.split("|||")]
    return glossary


def fill(entries: list[Entry], glossary: dict[str, list[str]]) -> int:
    filled = 0
    for entry in messages(entries):
        if entry.fuzzy:  # a guess copied from another string: never kept
            entry.flags.remove("fuzzy")
            entry.previous = []
            entry.msgstr = ""
            entry.msgstr_plural = dict.fromkeys(entry.msgstr_plural, "")
        if all(entry.translations) or entry.msgid not in glossary:
            continue
        forms = glossary[entry.msgid]
        if entry.msgid_plural is None:
            entry.msgstr = forms[0]
        else:
            entry.msgstr_plural = {index: forms[min(index, len(forms) - 1)] for index in entry.msgstr_plural}
        filled += 1
    return filled


def main() -> int:
    entries = parse(PO.read_text(encoding="utf-8"))
    filled = fill(entries, read_glossary())
    PO.write_text(dump(entries), encoding="utf-8")
    left = problems(entries)
    print(f"{len(messages(entries))} entries, {filled} filled from the glossary, {len(left)} left to fix")
    for line in left:
        print(line)
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
