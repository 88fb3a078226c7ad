"""The layout's rules, checked: the library never calls up into the flows or the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function.

    ``from a import b`` counts as both ``a`` and ``a.b``: ``b`` may be a module.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def library_modules() -> list[Path]:
    return sorted((REPO / "endurance").rglob("*.py"))


def test_the_rule_is_checked_on_real_imports(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\n\n"
        "def f():\n"
        "    from pipelines.nightly import nightly\n"
        "    from endurance import warehouse\n"
    )
    assert imported_modules(sample) == {
        "os",
        "pipelines.nightly",
        "pipelines.nightly.nightly",
        "endurance",
        "endurance.warehouse",
    }


def test_the_library_never_imports_the_flows_or_the_cli():
    upward = {
        str(path.relative_to(REPO)): sorted(
            m for m in imported_modules(path) if m.split(".")[0] == "pipelines"
        )
        for path in library_modules()
    }
    assert {k: v for k, v in upward.items() if v} == {}, "flows call the library, never the reverse"
    assert len(upward) > 40  # the whole library was read


def test_the_analysis_package_is_pure():
    """``endurance/analysis`` computes on arrays and frames; what reads or writes the warehouse is outside."""
    io_modules = {
        "duckdb",
        "endurance.warehouse",
        "endurance.ledger",
        "endurance.marts",
        "endurance.freshness",
    }
    reaching_out = {
        str(path.relative_to(REPO)): sorted(
            m for m in imported_modules(path) if m in io_modules or m.startswith("prefect")
        )
        for path in sorted((REPO / "endurance" / "analysis").glob("*.py"))
    }
    assert {k: v for k, v in reaching_out.items() if v} == {}
    assert len(reaching_out) >= 8


def test_the_cli_holds_no_sql():
    """Queries live with their module; the command line only parses options and prints."""
    text = (REPO / "pipelines" / "cli.py").read_text(encoding="utf-8")
    for keyword in ("SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM", ".execute("):
        assert keyword not in text, f"pipelines/cli.py runs SQL ({keyword.strip()})"
