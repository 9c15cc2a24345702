"""The security catalogue is checked in one place.

Every case 01-49 must have a test under ``tests/security/`` whose name contains
``case_NN``, or be listed as not applicable on the docs' security page; and the page must
list every case exactly once, naming test files that exist and cover it.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

CASES = range(1, 50)
HERE = Path(__file__).parent
DOCS = HERE.parent.parent / "docs" / "security.md"
# "rca" on the page abbreviates the redirect/cookie/auth file.
ABBREVIATIONS = {"rca": "test_cases_redirect_cookie_auth.py"}

_ROW = re.compile(r"^\| (\d\d) \| (.*?) \| (.*?) \| (.*?) \| (.*?) \|$")


@functools.cache
def _test_names() -> dict[str, set[str]]:
    """Test function names per file under tests/security (parsed, not imported)."""
    names: dict[str, set[str]] = {}
    for path in sorted(HERE.rglob("test_*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        names[path.name] = {
            node.name
            for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.name.startswith("test_")
        }
    return names


@functools.cache
def _doc_rows() -> dict[int, tuple[str, str]]:
    """Case number -> (status, where) from the catalogue table of docs/security.md."""
    rows: dict[int, tuple[str, str]] = {}
    for line in DOCS.read_text().splitlines():
        match = _ROW.match(line)
        if match is None:
            continue
        number = int(match.group(1))
        assert number not in rows, f"case {number:02d} listed twice in {DOCS.name}"
        rows[number] = (match.group(4), match.group(5))
    return rows


def _covering(number: int, names: dict[str, set[str]]) -> dict[str, list[str]]:
    tag = f"case_{number:02d}"
    return {
        file: sorted(n for n in functions if tag in n)
        for file, functions in names.items()
        if any(tag in n for n in functions)
    }


@pytest.mark.parametrize("number", CASES, ids=lambda n: f"case_{n:02d}")
def test_every_case_is_tested_or_not_applicable(number: int) -> None:
    rows = _doc_rows()
    assert number in rows, f"case {number:02d} is missing from {DOCS}"
    status, _ = rows[number]
    covering = _covering(number, _test_names())
    if status.startswith("not applicable"):
        return
    assert covering, f"case {number:02d} ({status}) has no test named *case_{number:02d}*"


@pytest.mark.parametrize("number", CASES, ids=lambda n: f"case_{n:02d}")
def test_docs_name_the_files_that_hold_the_tests(number: int) -> None:
    _status, where = _doc_rows()[number]
    files = [ABBREVIATIONS.get(f, f) for f in re.findall(r"`([^`]+)`", where)]
    covering = _covering(number, _test_names())
    for file in files:
        assert (HERE / file).exists(), f"case {number:02d}: {file} does not exist"
        assert file in covering, f"case {number:02d}: {file} has no *case_{number:02d}* test"
    if covering:
        assert files, f"case {number:02d}: the docs name no test file"


def test_the_table_has_exactly_the_catalogue() -> None:
    assert sorted(_doc_rows()) == list(CASES)


def test_statuses_are_known() -> None:
    allowed = ("tested", "deliberate choice", "not applicable")
    for number, (status, _) in _doc_rows().items():
        assert status.startswith(allowed), f"case {number:02d}: unknown status {status!r}"
