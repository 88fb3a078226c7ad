"""The layout's rules, checked: the library never calls up into the flows or the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def library_modules() -> list[Path]:
    return sorted((REPO / "endurance").rglob("*.py"))


def test_the_rule_is_checked_on_real_imports(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import os\n\ndef f():\n    from pipelines.nightly import nightly\n")
    assert imported_modules(sample) == {"os", "pipelines.nightly"}


def test_the_library_never_imports_the_flows_or_the_cli():
    upward = {
        str(path.relative_to(REPO)): sorted(
            m for m in imported_modules(path) if m.split(".")[0] == "pipelines"
        )
        for path in library_modules()
    }
    assert {k: v for k, v in upward.items() if v} == {}, "flows call the library, never the reverse"
    assert len(upward) > 40  # the whole library was read
