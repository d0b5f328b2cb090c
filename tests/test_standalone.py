"""The repository stands on its own: no tracked file reads or links anything beside it.

A person who clones the project has nothing next to it, so every test reads its data from `tests/data/`,
every document links inside the repository, and no code climbs above the repository's root.
"""

import ast
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
THIS = Path(__file__).resolve().relative_to(ROOT).as_posix()
TEXT_SUFFIXES = {".py", ".md", ".html", ".txt", ".json", ".toml", ".cfg", ".ini", ".yml", ".yaml", ".js", ".mjs",
                 ".css", ".po", ".sh", ""}
# The briefing documents that lived beside the repository. Written in pieces so this file does not match itself.
OUTSIDE = re.compile("|".join([
    re.escape("../" + "shared"),
    r"\bshared/(?:data|domain|spec|hooks)\b",
    r"\b(?:DESIGN|STYLE)" + re.escape(".md"),
    r"\b(?:decisions|seed-figures)" + re.escape(".md"),
    r"(?<![\w/])reference" + re.escape(".md"),
]))
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")


def tracked_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: nothing says which files are tracked")
    paths = [ROOT / p for p in out.decode().split("\0") if p]
    data = ROOT / "tests" / "data"
    return [p for p in paths if p.is_file() and p.suffix in TEXT_SUFFIXES and not p.is_relative_to(data)]


def test_tracked_files_exist_to_check():
    names = {p.relative_to(ROOT).as_posix() for p in tracked_files()}
    assert {"README.md", "Makefile", "tests/conftest.py", THIS} <= names


def test_no_tracked_file_refers_to_the_briefing_beside_the_repository():
    hits = []
    for path in tracked_files():
        rel = path.relative_to(ROOT).as_posix()
        if rel == THIS:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if OUTSIDE.search(line):
                hits.append(f"{rel}:{number}: {line.strip()[:120]}")
    assert hits == []


def test_every_relative_markdown_link_resolves_inside_the_repository():
    broken = []
    for path in tracked_files():
        if path.suffix != ".md":
            continue
        for target in MARKDOWN_LINK.findall(path.read_text(encoding="utf-8")):
            if re.match(r"^[a-z][a-z0-9+.-]*:|^#", target):
                continue
            resolved = (path.parent / target.split("#", 1)[0]).resolve()
            if not resolved.is_relative_to(ROOT) or not resolved.exists():
                broken.append(f"{path.relative_to(ROOT)} → {target}")
    assert broken == []


def climbs_above_root(source: str, rel: str) -> list[str]:
    """`Path(__file__)` chains (`.parent`, `.parents[k]`) in a module at `rel` that end above the repository's root."""
    depth = rel.count("/")  # how many .parent steps after the first reach the root from the module's folder
    found = []
    for node in ast.walk(ast.parse(source)):
        steps, inner = 0, node
        while True:
            if isinstance(inner, ast.Attribute) and inner.attr == "parent":
                steps, inner = steps + 1, inner.value
            elif (isinstance(inner, ast.Subscript) and isinstance(inner.value, ast.Attribute)
                  and inner.value.attr == "parents" and isinstance(inner.slice, ast.Constant)):
                steps, inner = steps + inner.slice.value + 1, inner.value.value
            elif isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr == "resolve":
                inner = inner.func.value
            else:
                break
        if (steps and isinstance(inner, ast.Call) and getattr(inner.func, "id", None) == "Path"
                and inner.args and getattr(inner.args[0], "id", None) == "__file__" and steps - 1 > depth):
            found.append(f"{rel}:{node.lineno}")
    return sorted(found, key=lambda hit: int(hit.rsplit(":", 1)[1]))


def test_no_module_climbs_above_the_repository_root():
    offenders = [hit for path in tracked_files() if path.suffix == ".py"
                 for hit in climbs_above_root(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())]
    assert offenders == []


def test_the_climb_check_sees_a_path_outside():
    source = ('from pathlib import Path\nA = Path(__file__).resolve().parents[2]\n'
              'B = Path(__file__).resolve().parents[3] / "x"\nC = Path(__file__).parent.parent.parent.parent\n')
    # At tests/households/example.py, parents[2] is the root; parents[3] and four .parent steps are outside it.
    assert climbs_above_root(source, "tests/households/example.py") == [
        "tests/households/example.py:3", "tests/households/example.py:4"]
    assert climbs_above_root(source, "a/b/c/example.py") == []


def test_sample_workbooks_ship_with_the_tests():
    data = ROOT / "tests" / "data"
    for name in ["review-2023-066-600.xlsx", "review-2023-066-600.xls", "review-2023-066-600.csv",
                 "review-2023-066-600.expected.json", "review-2023-066-40-errors-2row.xlsx",
                 "review-2023-066-40-errors-2row.ods", "review-2023-066-40-errors-2row.expected.json"]:
        assert (data / name).stat().st_size > 0, name


def test_readme_links_the_documentation():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for doc in ["docs/domain.md", "docs/review-template.md", "docs/architecture.md", "docs/access-matrix.md",
                "docs/contracts.md"]:
        assert f"({doc})" in readme, doc
        assert (ROOT / doc).stat().st_size > 2000, doc
