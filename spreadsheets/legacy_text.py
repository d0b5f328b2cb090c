"""Text typed with the legacy Vietnamese fonts (TCVN3/ABC, .VnTime; VNI, VNI-Times), read as mojibake in Unicode,
back to Unicode NFC (domain.md §11, rule 14). Pure: no Django.

"NguyÔn V¨n An" (TCVN3) and "Nguyeãn Vaên An" (VNI) both become "Nguyễn Văn An". The tables are data
(spreadsheets/data/legacy_encodings.json).

The rule (`legacy_conversion`) must never fire on genuine Unicode Vietnamese, so it asks a lot:

1. every character of the text is in Latin-1 (U+0000–U+00FF) and at least one is not ASCII. The fonts stored
   their letters on byte positions, so legacy text never has a character above U+00FF, while genuine Vietnamese
   almost always has one (ă, đ, ơ, ư and every dotted or hooked vowel are above it). This is the pre-filter
   (`may_be_legacy`): two C-level passes over the string, nothing else, for the common case;
2. among the words (split on spaces and ASCII punctuation) holding a non-ASCII character, one at least is not a
   Vietnamese syllable as it reads ("Hoà Bình", genuine Unicode within Latin-1, is left alone);
3. every non-ASCII character of the text is a code of one encoding (VNI's marks only after their vowels), and,
   read in that encoding, every such word becomes a Vietnamese syllable (onset, vowel group, final
   consonant, one tone on a vowel, one case pattern), and the text changes. If both encodings give syllables, the
   one whose own marks the text holds more of wins; a tie converts nothing.

Text that passes none of this is returned unchanged; a cell too ambiguous to decide is left as typed.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

_DATA = json.loads((Path(__file__).resolve().parent / "data" / "legacy_encodings.json").read_text("utf-8"))

TCVN3 = "tcvn3"
VNI = "vni"
LABELS = {TCVN3: "TCVN3 (.VnTime)", VNI: "VNI (VNI-Times)"}

# TCVN3: one character per letter (the byte read as Windows-1252, which is Latin-1 from 0xA0 on).
_TCVN3_DECODE: dict[str, str] = {bytes([int(code, 16)]).decode("cp1252"): letter
                                 for code, letter in _DATA["tcvn3"].items()}
_TCVN3_ENCODE: dict[str, str] = {letter: typed for typed, letter in _TCVN3_DECODE.items()}
_TCVN3_UPPER_CODES = frozenset(typed for typed, letter in _TCVN3_DECODE.items() if letter.isupper())
# VNI: a letter is one or two characters; decoded longest first.
_VNI_ENCODE: dict[str, str] = dict(_DATA["vni"])
_VNI_DECODE: dict[str, str] = {typed: letter for letter, typed in _VNI_ENCODE.items()}
_VNI_PATTERN = re.compile("|".join(re.escape(typed) for typed in sorted(_VNI_DECODE, key=len, reverse=True)))
_TCVN3_PATTERN = re.compile("[" + re.escape("".join(_TCVN3_DECODE)) + "]")
# The characters each encoding writes that the other never does: evidence when both readings give syllables.
_VNI_CHARS = frozenset("".join(_VNI_DECODE)) - frozenset("aeiouyAEIOUY")
_TCVN3_ONLY = frozenset(_TCVN3_DECODE) - _VNI_CHARS
_VNI_ONLY = _VNI_CHARS - frozenset(_TCVN3_DECODE)


def _listed(words: str) -> list[str]:
    return words.split()


# A Vietnamese syllable without its tone, lower case (the tone is checked apart). The onsets and finals include
# those of the minority languages' place and person names ("Krông", "Đắk Lắk").
_ONSETS = _listed("ngh ng nh ch gh gi kh ph th tr qu b c d đ g h k l m n p r s t v x "
                  "bl br dr gr hl hm hn hr kl kr pl pr tl f j w z")
_OPEN_VOWELS = _listed("oai oao oay oeo uây uôi ươi ươu iêu yêu uya uyu ai ao au ay âu ây eo êu ia iu oa oe oi "
                       "ôi ơi ua uê ui uơ uy ưa ưi ưu a e ê i o ô ơ u ư y")
_CLOSED_VOWELS = _listed("uyê oa oă oe oo uâ uê uy iê yê uô ươ a ă â e ê i o ô ơ u ư y")
_FINALS = _listed("ch ng nh c k m n p t")


def _alternatives(items: list[str]) -> str:
    return "|".join(sorted(items, key=len, reverse=True))


_SYLLABLE = re.compile(
    f"(?:{_alternatives(_ONSETS)})?(?:(?P<open>{_alternatives(_OPEN_VOWELS)})|(?P<closed>{_alternatives(_CLOSED_VOWELS)})"
    f"(?:{_alternatives(_FINALS)}))"
)
_MUST_CLOSE = frozenset(_listed("uyê oă oo uâ iê yê uô ươ ă â"))  # never end a syllable
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
_MARKED = frozenset("ăâêôơư")
_EITHER = frozenset(("oa", "oe", "uy"))  # "hòa"/"hoà", "thủy"/"thuỷ": both placements are in use
_WORDS = re.compile(r"[\s!-/:-@\[-`{-~]+")  # whitespace and ASCII punctuation; no encoding uses either


class Conversion(NamedTuple):
    encoding: str  # TCVN3 or VNI
    text: str  # the Unicode NFC text


def may_be_legacy(text: str) -> bool:
    """The pre-filter: not ASCII, nothing above U+00FF. Genuine Vietnamese fails it almost always."""
    return not text.isascii() and max(text) <= "\xff"


def _tone_places(vowels: str, *, closed: bool) -> frozenset[int]:
    """Where the tone of a vowel group goes: on its vowel with a mark (the last, for ươ), else on the only
    vowel, the last before a final consonant, the middle of three, the first of two (either, for oa, oe, uy)."""
    marked = [index for index, char in enumerate(vowels) if char in _MARKED]
    if marked:
        return frozenset((marked[-1],))
    if len(vowels) == 1 or closed:
        return frozenset((len(vowels) - 1,))
    if len(vowels) == 3:
        return frozenset((1,))
    return frozenset((0, 1)) if vowels in _EITHER else frozenset((0,))


@lru_cache(maxsize=16_384)
def is_syllable(word: str) -> bool:
    """A Vietnamese syllable in lower, upper or title case: onset, vowel group, final consonant, and at most one
    tone, on the vowel that carries it."""
    if not (word.islower() or word.isupper() or word.istitle()):
        return False
    bare, tone_at = [], None
    for index, char in enumerate(unicodedata.normalize("NFC", word.lower())):
        parts = unicodedata.normalize("NFD", char)
        tones = [part for part in parts if part in _TONES]
        if tones:
            if tone_at is not None or len(tones) > 1:
                return False
            tone_at = index
            char = unicodedata.normalize("NFC", "".join(part for part in parts if part not in _TONES))
        bare.append(char)
    match = _SYLLABLE.fullmatch("".join(bare))
    if match is None:
        return False
    vowels = match.group("open") or match.group("closed")
    if match.group("open") is not None and vowels in _MUST_CLOSE:
        return False
    if tone_at is None:
        return True
    start = match.start("open") if match.group("open") is not None else match.start("closed")
    return tone_at - start in _tone_places(vowels, closed=match.group("closed") is not None)


def tcvn3_decode(text: str) -> str:
    """TCVN3 read as Windows-1252 → Unicode NFC. VN3 has no capital toned vowels (.VnTimeH shows the small ones as
    capitals): a text, or a word, typed in capitals (no small ASCII letter, a word with two capitals at least:
    "Lª" is "Lê", "Mü Hµ" is "Mỹ Hà") is put in capitals whole."""
    if not _TCVN3_PATTERN.search(text):
        return text
    if not any("a" <= char <= "z" for char in text) and any(
            sum(1 for char in word if "A" <= char <= "Z" or char in _TCVN3_UPPER_CODES) >= 2 for word in text.split()):
        return unicodedata.normalize("NFC", "".join(_TCVN3_DECODE.get(char, char) for char in text).upper())
    words = re.split(r"(\s+)", text)
    decoded = []
    for word in words:
        converted = "".join(_TCVN3_DECODE.get(char, char) for char in word)
        capitals = sum(1 for char in word if "A" <= char <= "Z" or char in _TCVN3_UPPER_CODES)
        if converted != word and capitals >= 2 and not any("a" <= char <= "z" for char in word):
            converted = converted.upper()
        decoded.append(converted)
    # A name's word starting with a capital toned vowel ("Ấn", "Ứng") was typed with the small one's code: it
    # gets its capital back when every other word of the text (one at least) starts with a capital, as names do.
    starts = [index for index, word in enumerate(decoded) if word[:1].isalpha()]
    for index in starts if len(starts) > 1 else ():
        word = words[index]
        if word[0] in _TCVN3_DECODE and decoded[index][0].islower() and all(
                decoded[other][0].isupper() for other in starts if other != index):
            decoded[index] = decoded[index][0].upper() + decoded[index][1:]
    return unicodedata.normalize("NFC", "".join(decoded))


def tcvn3_encode(text: str) -> str:
    """Unicode → TCVN3 as it reads in Windows-1252 (for tests and samples). Capital toned vowels, which VN3 lacks,
    take the small ones' codes, as typing with .VnTimeH does."""
    return "".join(_TCVN3_ENCODE.get(char) or _TCVN3_ENCODE.get(char.lower(), char)
                   for char in unicodedata.normalize("NFC", text))


def vni_decode(text: str) -> str:
    """VNI read as Windows-1252 → Unicode NFC."""
    return unicodedata.normalize("NFC", _VNI_PATTERN.sub(lambda match: _VNI_DECODE[match.group(0)], text))


def vni_encode(text: str) -> str:
    """Unicode → VNI as it reads in Windows-1252 (for tests and samples)."""
    return "".join(_VNI_ENCODE.get(char, char) for char in unicodedata.normalize("NFC", text))


_DECODERS = {TCVN3: tcvn3_decode, VNI: vni_decode}
_CODES = {TCVN3: _TCVN3_PATTERN, VNI: _VNI_PATTERN}


def _suspect_words(text: str) -> list[str]:
    return [word for word in _WORDS.split(text) if word and not word.isascii()]


@lru_cache(maxsize=65_536)
def legacy_conversion(text: str) -> Conversion | None:
    """The text converted, and from which encoding, when it is legacy-font mojibake; None otherwise (genuine
    Unicode, ASCII, or too ambiguous to tell)."""
    if not may_be_legacy(text):
        return None
    words = _suspect_words(text)
    if all(map(is_syllable, words)):
        return None
    readings = {}
    for encoding, decode in _DECODERS.items():
        if not _CODES[encoding].sub("", text).isascii():  # a character the encoding never writes: not this one
            continue
        converted = decode(text)
        if converted != text and all(map(is_syllable, _suspect_words(converted))):
            readings[encoding] = converted
    if len(readings) == 2:
        chars = set(text)
        tcvn3, vni = len(chars & _TCVN3_ONLY), len(chars & _VNI_ONLY)
        if tcvn3 == vni:
            return None
        readings.pop(VNI if tcvn3 > vni else TCVN3)
    if not readings:
        return None
    (encoding, converted), = readings.items()
    return Conversion(encoding, converted)


@lru_cache(maxsize=65_536)  # villages, ethnicities, classifications repeat down a sheet
def ansi_cell(latin: str) -> str:
    """One cell of a CSV file in a Windows ANSI code page, given as its bytes read in Latin-1 (one character a
    byte): the text it holds, as a cell of an xlsx would hold it.

    Genuine Vietnamese comes in Windows-1258 (tones as combining marks): its Windows-1258 reading in NFC, as CSV
    files have always been read. Text typed in a legacy font comes as the font's bytes, which Excel saved in
    Windows-1252; Windows-1258 reads several of them as other characters (0xF5 "õ" as "ơ", 0xEC "ì" as a tone
    mark…), where `legacy_conversion` no longer sees the font. Such a cell is returned as Windows-1252 reads it
    (here the same as Latin-1: every code of both fonts is above 0xA0), for the importer to convert with its
    warning, when that reading is legacy text and the Windows-1258 one is not: neither legacy text itself nor
    Vietnamese syllables ("Củ Chi" in Windows-1258 reads "CuÒ Chi" in Windows-1252, which TCVN3 would take)."""
    if latin.isascii():
        return latin
    text = unicodedata.normalize("NFC", latin.encode("latin-1").decode("cp1258"))
    if legacy_conversion(text) is not None or all(map(is_syllable, _suspect_words(text))):
        return text
    return latin if legacy_conversion(latin) is not None else text


__all__ = ["LABELS", "TCVN3", "VNI", "Conversion", "ansi_cell", "is_syllable", "legacy_conversion", "may_be_legacy",
           "tcvn3_decode", "tcvn3_encode", "vni_decode", "vni_encode"]
