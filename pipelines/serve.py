"""Serve the deployments with a local Prefect server and its UI (``endurance serve``).

Schedules need a Prefect API that stays up, so serving starts ``prefect server start``
as a child process on localhost: the API and the UI at ``http://127.0.0.1:<port>``,
its database under ``PREFECT_HOME`` (``out/.prefect`` by default). Once
``/api/health`` answers, this process serves every deployment of
``pipelines.deployments`` with Prefect's ``serve``: each scheduled or triggered run
runs in a subprocess of this one, and its logs and artifacts appear in the UI.

Ctrl-C (or SIGTERM) stops serving: runs in flight are cancelled (their processes get
SIGTERM, so their ledger records say ``interrupted``) and given ``STOP_GRACE`` seconds
to end, a second Ctrl-C stops at once; then the schedules are paused, so no runs pile up
while nobody serves them, and the server stops. The next ``endurance serve`` resumes the
schedules and marks crashed any run an earlier serving left unfinished (killed with it,
or not ended within the grace), after the warehouse has marked its ledger record
interrupted. The server is a child that dies with this process, however it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING
from uuid import UUID

from endurance import _process, warehouse
from endurance._errors import EnduranceError, ServerError
from endurance.settings import Settings

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments.runner import RunnerDeployment

HOST = "127.0.0.1"
STARTUP_TIMEOUT = 180.0
#: Seconds the runs in flight get to end once cancelled, when serving stops.
STOP_GRACE = 90.0


def api_url(port: int) -> str:
    """Return the Prefect API address of the local server on ``port``."""
    return f"http://{HOST}:{port}/api"


def ui_url(port: int) -> str:
    """Return the Prefect UI address of the local server on ``port``."""
    return f"http://{HOST}:{port}"


def server_is_healthy(port: int, *, timeout: float = 2.0) -> bool:
    """Tell whether a Prefect server answers its health check on ``port``."""
    try:
        with urllib.request.urlopen(f"{api_url(port)}/health", timeout=timeout) as answer:  # noqa: S310
            return bool(answer.status == 200 and answer.read().strip() == b"true")
    except (OSError, urllib.error.URLError):
        return False


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class PrefectServer:
    """A Prefect API server as a child process, started and stopped with ``with``.

    The child dies with this process (``PR_SET_PDEATHSIG`` on Linux), however this
    process ends: a ``kill -9`` of ``endurance demo`` or ``endurance serve`` does not
    leave a server of about 200 MB running with nobody to stop it.

    Parameters
    ----------
    port
        Port of the API (and UI) on 127.0.0.1.
    home
        ``PREFECT_HOME``: the server keeps its database there.
    startup_timeout
        Seconds to wait for the health check to answer.
    temporary
        A server for one command's flow runs (``endurance demo``, ``run``, ``brief``):
        the API alone, started as Prefect starts its own temporary server, without the UI
        and without taking over an occupied port.
    """

    def __init__(
        self, port: int, home: Path, *, startup_timeout: float = STARTUP_TIMEOUT, temporary: bool = False
    ) -> None:
        self.port = port
        self.home = home
        self.startup_timeout = startup_timeout
        self.temporary = temporary
        self.log_path = home / ("temporary-server.log" if temporary else "server.log")
        self.process: subprocess.Popen[bytes] | None = None

    @classmethod
    def for_command(cls, home: Path) -> PrefectServer:
        """Return a temporary server on a free port for the flow runs of one command."""
        return cls(_free_port(), home, temporary=True)

    @property
    def api_url(self) -> str:
        """The URL of this server's Prefect API, on its port."""
        return api_url(self.port)

    def _command(self) -> tuple[list[str], dict[str, str]]:
        if self.temporary:  # as prefect.server.api.server.SubprocessASGIServer starts it
            return [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "prefect.server.api.server:create_app",
                "--host",
                HOST,
                "--port",
                str(self.port),
                "--log-level",
                "error",
                "--lifespan",
                "on",
            ], {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
        return [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            HOST,
            "--port",
            str(self.port),
        ], {}

    def start(self) -> None:
        """Start the server and wait until it is healthy."""
        if server_is_healthy(self.port):
            raise ServerError(
                f"a Prefect server already answers at {ui_url(self.port)} (another `endurance serve`?); "
                "stop it, or choose another port with --port or ENDURANCE_PREFECT_PORT"
            )
        if not _port_is_free(self.port):
            raise ServerError(
                f"port {self.port} on {HOST} is in use; choose another with --port or ENDURANCE_PREFECT_PORT"
            )
        self.home.mkdir(parents=True, exist_ok=True)
        command, extra = self._command()
        env = {
            **os.environ,
            "PREFECT_HOME": str(self.home),
            "PREFECT_API_URL": api_url(self.port),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            **extra,
        }
        with open(self.log_path, "wb") as log:
            # A session of its own: Ctrl-C reaches this process only, which stops
            # serving (pausing schedules through the server) before stopping the server.
            # And it dies with this process, however this one ends.
            self.process = subprocess.Popen(  # noqa: S603
                command,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_process.die_with_parent(),
            )
        self._wait_until_healthy()

    def _wait_until_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        while not server_is_healthy(self.port):
            if self.process.poll() is not None:
                raise ServerError(
                    f"the Prefect server exited with code {self.process.returncode} while starting; "
                    f"its log {self.log_path} ends:\n{self._log_tail()}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise ServerError(
                    f"the Prefect server did not answer {api_url(self.port)}/health within "
                    f"{self.startup_timeout:g} s; its log {self.log_path} ends:\n{self._log_tail()}"
                )
            time.sleep(0.5)

    def _log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 20.0) -> None:
        """Stop the server: SIGTERM to its process group, SIGKILL after ``timeout`` seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        group = os.getpgid(self.process.pid)
        os.killpg(group, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> PrefectServer:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def serve_with_server(settings: Settings, port: int, *, startup_timeout: float = STARTUP_TIMEOUT) -> None:
    """Start the local server, serve every deployment until interrupted, then stop both.

    On start, runs that an earlier serving left unfinished (it was stopped or killed while
    they ran) are marked crashed in Prefect and interrupted in the ledger. On Ctrl-C or
    SIGTERM, runs in flight are cancelled and given ``STOP_GRACE`` seconds to end (their
    ledger records say interrupted); a second Ctrl-C stops at once.

    Prefect reads ``PREFECT_HOME`` when first imported: set it (``endurance serve`` does)
    before calling this.
    """
    from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL, temporary_settings

    from pipelines.deployments import deployments

    for inbox in settings.inbox_dirs:
        inbox.mkdir(parents=True, exist_ok=True)
    to_serve = deployments(settings)  # built first: a bad setting fails before the server starts
    with (
        PrefectServer(port, settings.prefect_home.resolve(), startup_timeout=startup_timeout),
        temporary_settings({PREFECT_API_URL: api_url(port), PREFECT_UI_URL: ui_url(port)}),
    ):
        print(f"Prefect UI: {ui_url(port)}  (Ctrl-C stops serving and the server)", flush=True)
        _recover_ledger(settings)
        try:
            asyncio.run(_serve(to_serve))
        finally:
            _send_logs()


def _recover_ledger(settings: Settings) -> None:
    """Open the warehouse once for writing, so runs whose process is gone are marked interrupted."""
    if not settings.db_path.exists():
        return
    try:
        with warehouse.connect(settings.db_path, lock_wait=10):
            pass
    except EnduranceError as exc:
        print(f"warning: the run ledger was not checked: {exc}", flush=True)


#: States of a flow run that has started and not ended.
_UNFINISHED = ("PENDING", "RUNNING", "CANCELLING")


async def _unfinished_runs(client: PrefectClient, deployment_ids: list[UUID]) -> list[FlowRun]:
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    return await client.read_flow_runs(
        flow_run_filter=FlowRunFilter(
            state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType(s) for s in _UNFINISHED]))
        ),
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=deployment_ids)),
        sort=FlowRunSort.ID_DESC,  # the server refuses the nulls the client would send
        limit=200,
    )


async def _crash_left_over_runs(client: PrefectClient, deployment_ids: list[UUID]) -> None:
    """Mark crashed the runs a previous serving left running: nothing can be running them now."""
    from prefect.states import Crashed

    left = await _unfinished_runs(client, deployment_ids)
    for run in left:
        await client.set_flow_run_state(
            run.id,
            Crashed(message="interrupted: `endurance serve` stopped while this run was in flight"),
            force=True,
        )
    if left:
        names = ", ".join(f"{run.name} ({run.id})" for run in left)
        print(f"marked crashed {len(left)} run(s) left unfinished by an earlier serving: {names}", flush=True)


async def _end_runs_in_flight(
    client: PrefectClient, deployment_ids: list[UUID], again: asyncio.Event, grace: float
) -> None:
    """Cancel the runs in flight and wait up to ``grace`` seconds (or a second Ctrl-C) for them to end."""
    from prefect.states import Cancelling

    runs = await _unfinished_runs(client, deployment_ids)
    if not runs:
        return
    names = ", ".join(run.name for run in runs)
    print(
        f"stopping: cancelling {len(runs)} run(s) in flight ({names}); up to {grace:g} s for them to end, "
        "Ctrl-C again to stop at once",
        flush=True,
    )
    for run in runs:
        await client.set_flow_run_state(
            run.id, Cancelling(message="`endurance serve` is stopping"), force=True
        )
    deadline = time.monotonic() + grace
    while not again.is_set() and time.monotonic() < deadline:
        if not await _unfinished_runs(client, deployment_ids):
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(again.wait(), timeout=1.0)
    left = await _unfinished_runs(client, deployment_ids)
    if left:
        print(
            f"warning: {len(left)} run(s) did not end in time ({', '.join(r.name for r in left)}); "
            "they are marked interrupted when serving or the warehouse is next started",
            flush=True,
        )


def serving_banner(to_serve: list[RunnerDeployment]) -> str:
    """Return what serving prints once the deployments are registered: their names and how to run one."""
    names = [d.name for d in to_serve]
    return (
        "Serving: "
        + ", ".join(f"{d.flow_name}/{d.name}" for d in to_serve)
        + f"\nStart a run from the UI (Deployments, Run) or with `endurance trigger DEPLOYMENT`"
        f" ({', '.join(names)}), e.g. `endurance trigger {names[0]} --wait`"
    )


async def _serve(to_serve: list[RunnerDeployment], *, grace: float = STOP_GRACE) -> None:
    """Serve the deployments until Ctrl-C or SIGTERM, then end the runs in flight before stopping."""
    from prefect.client.orchestration import get_client
    from prefect.runner import Runner

    runner = Runner(pause_on_shutdown=True)
    ids = [await runner.aadd_deployment(deployment) for deployment in to_serve]
    async with get_client() as client:
        await _crash_left_over_runs(client, ids)
    print(serving_banner(to_serve), flush=True)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    serving = asyncio.create_task(runner.start())
    await asyncio.sleep(0)  # the runner sets its own SIGTERM handler as it starts: ours go after
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        waiting = asyncio.create_task(stop.wait())
        await asyncio.wait({serving, waiting}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        if not serving.done():
            stop.clear()  # from now on a signal means: stop at once
            async with get_client() as client:
                await _end_runs_in_flight(client, ids, stop, grace)
            await runner.astop()
        await serving
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


@contextmanager
def flow_api(settings: Settings) -> Iterator[str]:
    """Give the flow runs of one command a Prefect API, and take it away afterwards.

    An API already configured (``PREFECT_API_URL``, or Prefect's test harness) is used as
    it is; while ``endurance serve`` runs, its server (the runs then show in its UI);
    otherwise a temporary server of this process's own, which dies with it. Prefect would
    start a temporary server itself, but as a child that outlives a killed parent.
    """
    from prefect.settings import PREFECT_API_URL, temporary_settings

    configured = PREFECT_API_URL.value()
    if configured:
        yield str(configured)
        return
    with ExitStack() as stack:
        url = api_url(settings.prefect_port)
        if not server_is_healthy(settings.prefect_port):
            url = stack.enter_context(PrefectServer.for_command(settings.prefect_home.resolve())).api_url
        stack.enter_context(_api_in_environment(url))
        stack.enter_context(temporary_settings({PREFECT_API_URL: url}))
        stack.callback(_send_logs)  # before the server stops: its runs' last lines reach it
        yield url


def _send_logs() -> None:
    """Send the log lines still queued for the Prefect API, while it is there to take them."""
    from prefect.logging.handlers import APILogWorker

    try:
        APILogWorker.drain_all(timeout=5)
    except Exception as exc:  # best effort: a line lost from the UI must not hide why we stopped
        print(f"warning: some log lines did not reach the Prefect UI: {exc}", file=sys.stderr, flush=True)


@contextmanager
def _api_in_environment(url: str) -> Iterator[None]:
    """Name the API in the environment too, for subprocesses (task runners) started meanwhile."""
    saved = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = url
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = saved
