"""The template's example row, and how the importer recognises it.

The blank template (households.importing.template) shows one filled-in row under the header so that an officer sees
the expected formats. It is marked unambiguously: its household code cell says "VD" (ví dụ: example), never a real
code, and the row is grey and italic. The importer skips a row whose household code is that marker, and the example
row of templates downloaded before the marker existed (code 021462300001, head "Nguyễn Văn An").
"""

EXAMPLE_MARKER = "VD"
MARKERS = frozenset({"vd", "ví dụ", "vi du"})
LEGACY_EXAMPLE = ("021462300001", "Nguyễn Văn An")
EXAMPLE_FIRST = "Vv0"  # first characters of the codes above: a cheap test before the full one, once per row


def is_example_row(cells: list, code_index: int | None, name_index: int | None) -> bool:
    if code_index is None or code_index >= len(cells):
        return False
    code = cells[code_index]
    if not isinstance(code, str):
        return False
    code = code.strip()
    if code.lower() in MARKERS:
        return True
    if code == LEGACY_EXAMPLE[0] and name_index is not None and name_index < len(cells):
        name = cells[name_index]
        return isinstance(name, str) and name.strip() == LEGACY_EXAMPLE[1]
    return False
