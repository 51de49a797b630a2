"""`ErrorCode` is the one list of codes the API returns (GraphQL errors and HTTP error bodies).

Every code the tests expect in a response is a member, the README lists exactly the members,
no application module spells a code as a string literal, and members serialize as plain strings.
"""

from __future__ import annotations

import ast
import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path

import orjson

from graph.errors import ErrorCode

REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests"
APPLICATION = ("graph", "cli", "settings", "models", "seed", "scripts")
CODE_SHAPE = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*")
MEMBERS = {member.value for member in ErrorCode}


def _mentions_code(node: ast.AST) -> bool:
    """`x["code"]`, `x.code`, `code`, `_codes(x)`: an expression that yields an error code."""
    for part in ast.walk(node):
        if isinstance(part, ast.Name) and "code" in part.id.lower():
            return True
        if isinstance(part, ast.Attribute) and "code" in part.attr.lower():
            return True
        if (
            isinstance(part, ast.Subscript)
            and isinstance(part.slice, ast.Constant)
            and part.slice.value == "code"
        ):
            return True
    return False


def _code_strings(node: ast.AST) -> Iterator[str]:
    for part in ast.walk(node):
        if (
            isinstance(part, ast.Constant)
            and isinstance(part.value, str)
            and CODE_SHAPE.fullmatch(part.value)
        ):
            yield part.value


def _compared(left: ast.expr, right: ast.expr) -> Iterator[str]:
    """Codes on one side of a comparison whose other side yields a code; tuples pairwise."""
    sequences = (ast.Tuple, ast.List)
    if (
        isinstance(left, sequences)
        and isinstance(right, sequences)
        and len(left.elts) == len(right.elts)
    ):
        for a, b in zip(left.elts, right.elts, strict=True):
            yield from _compared(a, b)
        return
    if _mentions_code(left):
        yield from _code_strings(right)
    if _mentions_code(right):
        yield from _code_strings(left)


def _expected_codes(tree: ast.AST) -> Iterator[str]:
    """Code strings a test expects: compared with a code, `{"code": ...}`, `code=...`,
    and the first argument of `AuthError(...)`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for left, right in itertools.pairwise(operands):
                yield from _compared(left, right)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "code":
                    yield from _code_strings(value)
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "code":
                    yield from _code_strings(keyword.value)
            name = node.func.attr if isinstance(node.func, ast.Attribute) else None
            name = node.func.id if isinstance(node.func, ast.Name) else name
            if name == "AuthError" and node.args:
                yield from _code_strings(node.args[0])


def test_every_code_the_tests_expect_is_a_member() -> None:
    found: dict[str, list[str]] = {}
    for path in sorted(TESTS.rglob("*.py")):
        if path == Path(__file__).resolve():
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for code in _expected_codes(tree):
            found.setdefault(code, []).append(str(path.relative_to(REPO)))
    assert len(found) >= 4, f"the scan found too few expected codes to mean anything: {found}"
    unknown = {code: files for code, files in found.items() if code not in MEMBERS}
    assert not unknown, f"codes expected by tests but missing from ErrorCode: {unknown}"


def test_readme_lists_exactly_the_members() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(
        r"^- Stable error codes in `extensions\.code`:(.*?)(?=^\s*$|^- )",
        readme,
        re.MULTILINE | re.DOTALL,
    )
    assert match, "README.md has no '- Stable error codes in `extensions.code`:' item"
    listed = [
        code for code in re.findall(r"`([^`]+)`", match.group(1)) if CODE_SHAPE.fullmatch(code)
    ]
    assert len(listed) == len(set(listed)), listed
    assert set(listed) == MEMBERS


def test_application_code_spells_no_code_as_a_string() -> None:
    """Codes are produced through the enum; a literal elsewhere would escape this contract."""
    literals = []
    for package in APPLICATION:
        for path in sorted((REPO / package).rglob("*.py")):
            if path == REPO / "graph" / "errors.py":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            literals += [
                f"{path.relative_to(REPO)}:{node.lineno}: {node.value}"
                for node in ast.walk(tree)
                if isinstance(node, ast.Constant) and node.value in MEMBERS
            ]
    assert not literals, "use graph.errors.ErrorCode instead of:\n" + "\n".join(literals)


def test_members_are_their_names_and_serialize_as_plain_strings() -> None:
    for member in ErrorCode:
        assert member.value == member.name
        assert isinstance(member, str) and member == member.value and str(member) == member.value
        body = {"extensions": {"code": member}}
        assert orjson.loads(orjson.dumps(body)) == {"extensions": {"code": member.value}}
        assert json.loads(json.dumps(body)) == {"extensions": {"code": member.value}}
