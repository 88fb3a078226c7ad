"""The ``endurance`` command's leaf commands, read from the Typer app itself."""

from __future__ import annotations

from typing import Any

import typer

from pipelines.cli import app


def leaf_commands() -> list[tuple[str, Any]]:
    """Return every leaf command of the app with its full name (``geodata import``), sorted."""
    found = []

    def walk(group: Any, prefix: str) -> None:
        for name, command in group.commands.items():
            full = f"{prefix} {name}".strip()
            if hasattr(command, "commands"):  # a group of commands (geodata, export)
                walk(command, full)
            else:
                found.append((full, command))

    walk(typer.main.get_command(app), "")
    return sorted(found, key=lambda item: item[0])
