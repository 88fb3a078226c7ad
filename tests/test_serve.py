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


def serve_env(tmp_path: Path, geodata_dir: Path, db: Path | None = None, **extra: str) -> dict[str, str]:
    """Return the environment of an `endurance serve` of the test's own: its folder, Prefect home and port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env |= {
        "ENDURANCE_OUT": str(tmp_path),
        "ENDURANCE_GEODATA": str(geodata_dir),
        "ENDURANCE_PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "ENDURANCE_PREFECT_PORT": str(free_port()),
        **({"ENDURANCE_DB": str(db)} if db else {}),
        **extra,
    }
    return env


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
    env = serve_env(tmp_path, geodata_dir, db)
    port = int(env["ENDURANCE_PREFECT_PORT"])
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
    env = serve_env(tmp_path, geodata_dir)
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


class Serving:
    """`endurance serve` as a real process, with its log."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log_path = env, log
        self.port = int(env["ENDURANCE_PREFECT_PORT"])
        with open(log, "w") as out:
            self.process = subprocess.Popen(
                [ENDURANCE, "serve"], env=env, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 240
        while len(served_deployments(self.port)) < 4 or "Serving: " not in self.log():
            assert self.process.poll() is None, self.log()
            assert time.monotonic() < deadline, "deployments were not served within 240 s"
            time.sleep(1)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def trigger(self, *args: str) -> str:
        done = subprocess.run(
            [ENDURANCE, "trigger", *args], env=self.env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return " ".join(done.stdout.split()).split("flow run ")[1].split()[0]

    def wait_for(self, text: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log():
            assert self.process.poll() is None and time.monotonic() < deadline, self.log()
            time.sleep(0.5)

    def flow_run_state(self, flow_run_id: str) -> str:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{self.port}/api/flow_runs/{flow_run_id}", timeout=10
        ) as answer:  # noqa: S310
            return str(json.load(answer)["state"]["type"])


def _descendants(pid: int) -> list[int]:
    found = [child for child, _ in _children(pid)]
    return found + [grandchild for child in found for grandchild in _descendants(child)]


def _ledger_status(db: Path, flow_run_id: str) -> tuple[str, str]:
    with warehouse.connect(db, read_only=True) as con:
        return con.execute(
            "SELECT status, error FROM ops.runs WHERE prefect_flow_run_id = ?", [flow_run_id]
        ).fetchone()


def test_stopping_serve_while_a_run_waits_to_retry_cancels_it_and_a_restart_marks_what_a_kill_left(
    geo_db, tmp_path, geodata_dir
):
    db = tmp_path / "endurance.duckdb"
    db.write_bytes(geo_db.read_bytes())
    # Nobody answers at ENDURANCE_POLICEUK_API: the pull's network task fails and waits 30 s to retry.
    env = serve_env(tmp_path, geodata_dir, db, ENDURANCE_POLICEUK_API=f"http://127.0.0.1:{free_port()}/api")
    # Ctrl-C while a run waits to retry: the run is cancelled, not left running.
    first = Serving(env, tmp_path / "serve-1.log")
    try:
        cancelled = first.trigger("policeuk-monthly", "--param", "month=2025-06")
        first.wait_for("Retry 1/3 will start")
    finally:
        first.process.send_signal(signal.SIGINT)
        code = first.process.wait(timeout=150)
    assert code == 0, first.log()
    assert "stopping: cancelling 1 run(s) in flight" in first.log()
    status, error = _ledger_status(db, cancelled)
    assert status == "interrupted" and "TerminationSignal" in error

    # A power cut while a run waits (serve and its runs killed at once): the next start marks it.
    second = Serving(env, tmp_path / "serve-2.log")
    assert second.flow_run_state(cancelled) == "CANCELLED"
    killed = second.trigger("policeuk-monthly", "--param", "month=2025-07")
    second.wait_for("Retry 1/3 will start")
    for pid in [second.process.pid, *_descendants(second.process.pid)]:
        os.kill(pid, signal.SIGKILL)
    second.process.wait()
    assert _ledger_status(db, killed)[0] == "running"  # what the kill left, until someone looks
    third = Serving(env, tmp_path / "serve-3.log")
    try:
        assert "marked crashed 1 run(s) left unfinished by an earlier serving" in third.log()
        assert third.flow_run_state(killed) == "CRASHED"
        status, error = _ledger_status(db, killed)
        assert status == "interrupted" and "ended without finishing it" in error
    finally:
        third.process.send_signal(signal.SIGINT)
        assert third.process.wait(timeout=150) == 0, third.log()
