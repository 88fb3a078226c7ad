"""`endurance serve` and `endurance trigger` against a real local Prefect server.

Starts the command as an analyst would, with its own PREFECT_HOME and port, triggers
a council export from the command line, and stops serving with Ctrl-C (SIGINT).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from endurance import warehouse
from pipelines.serve import server_is_healthy

pytestmark = pytest.mark.slow
ENDURANCE = str(Path(sys.executable).with_name("endurance"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def served_deployments(port: int) -> set[str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/deployments/filter",
        data=b"{}",
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
            return {d["name"] for d in json.load(answer) if not d["paused"]}
    except OSError:
        return set()


def test_serve_then_trigger_a_run_then_ctrl_c_stops_both(demo_run, tmp_path, geodata_dir):
    db = tmp_path / "endurance.duckdb"
    db.write_bytes(demo_run["db"].read_bytes())
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env |= {
        "ENDURANCE_OUT": str(tmp_path),
        "ENDURANCE_DB": str(db),
        "ENDURANCE_GEODATA": str(geodata_dir),
        "ENDURANCE_PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "ENDURANCE_PREFECT_PORT": str(port),
    }
    log = open(tmp_path / "serve.log", "w+")  # noqa: SIM115  (read back after the process ends)
    serving = subprocess.Popen([ENDURANCE, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 240
        every = {"nightly-ingest", "policeuk-monthly", "council-export-monthly", "weekly-briefing"}
        while served_deployments(port) != every:
            assert serving.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "deployments were not served within 240 s"
            time.sleep(1)

        triggered = subprocess.run(
            [ENDURANCE, "trigger", "council-export-monthly", "--param", "period_from=2025-03", "--wait"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        output = " ".join(triggered.stdout.split())
        assert triggered.returncode == 0, triggered.stdout + triggered.stderr
        assert "of council-export-monthly: Completed" in output
        flow_run_id = output.split("flow run ")[1].split()[0]
        assert f"Prefect UI: http://127.0.0.1:{port}/runs/flow-run/{flow_run_id}" in output
        assert len(list((tmp_path / "exports").glob("*_2025-03.csv"))) == 5  # four authorities and force-wide
        with warehouse.connect(db, read_only=True) as con:
            assert con.execute(
                "SELECT deployment, status FROM ops.runs WHERE prefect_flow_run_id = ?", [flow_run_id]
            ).fetchone() == ("council-export-monthly", "completed")
    finally:
        serving.send_signal(signal.SIGINT)  # Ctrl-C
        code = serving.wait(timeout=90)
    log.seek(0)
    text = log.read()
    assert code == 0, text
    assert "Pausing all deployments" in text and "stopped serving; the Prefect server is stopped" in text
    assert not server_is_healthy(port)
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as a new server would
        probe.bind(("127.0.0.1", port))  # nobody listens there any more


def _children(pid: int) -> list[tuple[int, str]]:
    """Live child processes of ``pid``: (pid, command line), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        state, ppid = stat[stat.rindex(")") + 2 :].split()[:2]
        if int(ppid) == pid and state != "Z":
            found.append((int(entry.name), command))
    return found


def _gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rindex(")") + 2 :].split()[0] == "Z"  # dead, waiting to be reaped


@pytest.mark.parametrize("command", [["demo"], ["serve"]])
def test_kill_9_of_the_command_does_not_leave_its_prefect_server_running(tmp_path, geodata_dir, command):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env |= {
        "ENDURANCE_OUT": str(tmp_path),
        "ENDURANCE_GEODATA": str(geodata_dir),
        "ENDURANCE_PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "ENDURANCE_PREFECT_PORT": str(free_port()),
    }
    parent = subprocess.Popen(
        [ENDURANCE, *command], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 240
        servers: list[tuple[int, str]] = []
        while not servers:
            assert parent.poll() is None and time.monotonic() < deadline, "no Prefect server was started"
            servers = [c for c in _children(parent.pid) if "uvicorn" in c[1] or "prefect server" in c[1]]
            time.sleep(0.2)
    finally:
        parent.kill()  # kill -9: no chance to stop the server itself
        parent.wait()
    ((server, _),) = servers
    deadline = time.monotonic() + 30
    while not _gone(server) and time.monotonic() < deadline:
        time.sleep(0.2)
    if not _gone(server):
        os.kill(server, signal.SIGKILL)  # do not leave it behind even when the test fails
        pytest.fail(f"the Prefect server (pid {server}) outlived `endurance {command[0]}`")
