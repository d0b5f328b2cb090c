"""The test suite. Sample workbooks saved by real office software live in `tests/data/`."""
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
