"""Vietnamese text helpers shared by search, header matching and imports."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def nfc(text: str) -> str:
    """NFC-normalise, trim and collapse inner whitespace ("Nguyễn  Văn\u00a0A " → "Nguyễn Văn A")."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fold(text: str) -> str:
    """Lower-case ASCII with diacritics and punctuation removed: "Na Rì" and "na ri" both give "na ri"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _SPACES.sub(" ", _NOT_WORD.sub(" ", ascii_text)).strip()


def thousands(number: int) -> str:
    """An integer with Vietnamese thousands dots: 300000 → "300.000"."""
    return f"{number:,}".replace(",", ".")
