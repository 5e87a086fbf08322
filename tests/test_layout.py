"""The code's shape: no function longer than 80 lines in the project's packages (migrations
aside), and none longer than 30 in ``portal/``. Read with ``ast``, nothing imported.

A function's length runs from its ``def`` line to its last line (decorators not counted); a
nested function counts towards its enclosing function and is also checked on its own.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "config",
    "accounts",
    "registry",
    "notifications",
    "dues",
    "workflows",
    "meetings",
    "portal",
    "ops",
    "api",
    "bench",
    "soak",
)
MAX_LINES = 80
MAX_PORTAL_LINES = 30

Function = ast.FunctionDef | ast.AsyncFunctionDef


def source_files(*packages: str) -> Iterator[Path]:
    """Every .py file of ``packages``, outside their migrations."""
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.relative_to(ROOT).parts:
                yield path


def functions(path: Path) -> Iterator[Function]:
    """Every function and method defined in ``path``, nested ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, Function):
            yield node


def length(function: Function) -> int:
    return function.end_lineno - function.lineno + 1


def longer_than(limit: int, *packages: str) -> list[str]:
    """``file:line:function (n lines)`` for each function of ``packages`` longer than ``limit`` lines."""
    return [
        f"{path.relative_to(ROOT)}:{function.lineno}:{function.name} ({length(function)} lines)"
        for path in source_files(*packages)
        for function in functions(path)
        if length(function) > limit
    ]


def test_every_package_has_sources_to_check():
    sources = {path.relative_to(ROOT).parts[0] for path in source_files(*PACKAGES)}

    assert sources == set(PACKAGES)


def test_no_function_is_longer_than_80_lines():
    offenders = longer_than(MAX_LINES, *PACKAGES)

    assert not offenders, f"functions longer than {MAX_LINES} lines:\n" + "\n".join(offenders)


def test_no_portal_function_is_longer_than_30_lines():
    offenders = longer_than(MAX_PORTAL_LINES, "portal")

    assert not offenders, f"portal functions longer than {MAX_PORTAL_LINES} lines:\n" + "\n".join(offenders)


def test_the_installed_package_holds_every_app_of_the_project():
    """``pip install .`` (the Dockerfile) ships the packages pyproject.toml includes: each of ours."""
    import tomllib

    included = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    shipped = {pattern.rstrip("*") for pattern in included["include"]}
    assert shipped == set(PACKAGES) - {"bench", "soak"}
