"""Fill English msgstr entries in locale/en/LC_MESSAGES/django.po from locale/en/glossary.tsv.

Workflow: `manage.py makemessages -l en`, add new lines to the glossary (Vietnamese<TAB>English),
run this script, then `make messages`. Entries already translated in the .po are left alone.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale/en/LC_MESSAGES/django.po"
GLOSSARY = ROOT / "locale/en/glossary.tsv"


def main() -> None:
    glossary = {}
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            vietnamese, english = line.split("\t")
            glossary[vietnamese] = english
    text = PO.read_text(encoding="utf-8")
    # Drop fuzzy markers: every string we fill is checked by hand in the glossary.
    text = text.replace("#, fuzzy\n", "")
    pattern = re.compile(r'msgid "((?:[^"\\]|\\.)*)"\nmsgstr ""\n(?!")')
    missing = []

    def fill(match: re.Match) -> str:
        msgid = match.group(1)
        if not msgid:
            return match.group(0)
        english = glossary.get(msgid)
        if english is None:
            missing.append(msgid)
            return match.group(0)
        return f'msgid "{msgid}"\nmsgstr "{english}"\n'

    PO.write_text(pattern.sub(fill, text), encoding="utf-8")
    for msgid in missing:
        print(f"untranslated: {msgid}")


if __name__ == "__main__":
    main()
