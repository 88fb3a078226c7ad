"""Every command given hostile arguments or settings ends in one `error:` line or a usage error.

Exit 1 with one line starting ``error:``, or exit 2 with the option parser's usage box.

The commands are read from the Typer app itself, so a new command is covered the day it is
added: each of its options and arguments in turn gets a hostile value of its type (a negative
number, a month that does not exist, an unwritable or missing path, a binary file, an unknown
code) while the others keep the ordinary values of ``BASE``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from tests._commands import leaf_commands

runner = CliRunner()

#: Ordinary values for each command's required parameters, so one hostile value is the only fault.
BASE: dict[str, list[str]] = {
    "run": ["--input", "{folder}"],
    "map": ["--from", "2025-01", "--to", "2025-03"],
    "brief": ["--meeting", "2026-01-06"],
    "ingest": ["auto", "{folder}"],
    "fetch-policeuk": ["2025-01"],
    "trigger": ["council-export-monthly"],
    "geodata import": ["ward", "{binary}", "--vintage", "2024"],
    "geodata designations": ["{binary}"],
}
#: Parameters that take any text (a label shown on a pack): no value of them is hostile.
FREE_TEXT = {("brief", "label"), ("geodata import", "vintage"), ("geodata fetch", "base_url")}
#: Bad settings every command must refuse in one line before doing anything.
BAD_SETTINGS = [
    {"ENDURANCE_SUPPRESS_BELOW": "abc"},
    {"ENDURANCE_SUPPRESS_BELOW": "0"},
    {"ENDURANCE_SUPPRESS_BELOW": "2.5"},
    {"ENDURANCE_LOCK_WAIT": "abc"},
    {"ENDURANCE_BRIEFING_DAY": "Funday"},
]


COMMANDS = leaf_commands()


def _hostile_values(param: Any) -> list[str]:
    """Values of the parameter's type that no command may accept quietly."""
    kind = param.bare_type()
    if kind in ("int", "float"):
        return ["-1", "abc"]  # a negative number; not a number at all (the parser's usage error)
    if "Path" in kind:
        return ["/proc/x.html", "{binary}", "{binary}/x.csv"]  # unwritable, binary, under a file
    if kind == "bool" or getattr(param, "is_flag", False):
        return []
    return ["2025-13", "E99999999"]  # a month that does not exist, a code nobody uses


def _cases() -> list[tuple[str, list[str]]]:
    cases = []
    for name, command in COMMANDS:
        base = BASE.get(name, [])
        for param in command.params:
            if param.name in (None, "help") or (name, param.name) in FREE_TEXT:
                continue
            for value in _hostile_values(param):
                if not param.opts[0].startswith("-"):
                    # arguments are positional: put the hostile one where the base has its own
                    arguments = [p for p in command.params if not p.opts[0].startswith("-")]
                    position = arguments.index(param)
                    args = list(base)
                    if position < len(args):
                        args[position] = value
                    else:
                        args.append(value)
                else:
                    option = next(o for o in param.opts if o.startswith("--"))
                    args = [*base, option, value]
                cases.append((name, args))
    return cases


def _invoke(name: str, args: list[str], tmp_path: Path, env: dict[str, str] | None = None):
    folder = tmp_path / "inputs"
    folder.mkdir(exist_ok=True)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    argv = [*name.split(), *(a.format(folder=folder, binary=binary) for a in args)]
    return runner.invoke(app, argv, env=env)


def _assert_refused_in_one_line(result, argv: str) -> None:
    output = result.output
    assert "Traceback" not in output, f"{argv}: traceback\n{output}"
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{argv}: {result.exception!r}"
    )
    if result.exit_code == 2:  # the option parser's usage error (a box with the usage line)
        assert "Usage:" in output, f"{argv}\n{output}"
        return
    assert result.exit_code == 1, f"{argv}: exit {result.exit_code}\n{output}"
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, f"{argv}: {len(errors)} error lines\n{output}"


def test_every_command_is_covered():
    names = [name for name, _ in COMMANDS]
    assert {"run", "map", "runs", "geodata import", "export wards"} <= set(names)
    for name, command in COMMANDS:
        required = [p.name for p in command.params if p.required]
        assert not required or name in BASE, f"give {name} ordinary values in BASE (needs {required})"


@pytest.fixture
def hostile_env(geo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return a small warehouse (boundaries only) the ENDURANCE_* settings point at, outputs in tmp_path."""
    db = tmp_path / "endurance.duckdb"
    db.write_bytes(geo_db.read_bytes())
    monkeypatch.setenv("ENDURANCE_OUT", str(tmp_path))
    monkeypatch.setenv("ENDURANCE_DB", str(db))
    monkeypatch.setenv("ENDURANCE_LOCK_WAIT", "0")
    monkeypatch.setenv("ENDURANCE_PREFECT_PORT", "9")  # nothing listens: a trigger fails at once
    monkeypatch.setenv("COLUMNS", "80")
    return db


@pytest.mark.slow
@pytest.mark.parametrize(("name", "args"), _cases(), ids=lambda v: " ".join(v) if isinstance(v, list) else v)
def test_hostile_arguments_end_in_one_error_line(hostile_env, tmp_path, name, args):
    result = _invoke(name, args, tmp_path)
    _assert_refused_in_one_line(result, " ".join([name, *args]))


@pytest.mark.parametrize("setting", BAD_SETTINGS, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()))
@pytest.mark.parametrize("name", [name for name, _ in COMMANDS])
def test_a_bad_setting_ends_every_command_in_one_error_line(hostile_env, tmp_path, name, setting):
    result = _invoke(name, BASE.get(name, []), tmp_path, env=setting)
    _assert_refused_in_one_line(result, f"{name} with {setting}")
    assert result.exit_code == 1
    (key,) = setting
    assert f"error: {key}" in result.output or key in result.output.split("error:")[1]
