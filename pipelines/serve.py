"""Serve the deployments with a local Prefect server and its UI (``endurance serve``).

Schedules need a Prefect API that stays up, so serving starts ``prefect server start``
as a child process on localhost: the API and the UI at ``http://127.0.0.1:<port>``,
its database under ``PREFECT_HOME`` (``out/.prefect`` by default). Once
``/api/health`` answers, this process serves every deployment of
``pipelines.deployments`` with Prefect's ``serve``: each scheduled or triggered run
runs in a subprocess of this one, and its logs and artifacts appear in the UI.

Ctrl-C (or SIGTERM) stops serving first, which pauses the schedules so no runs pile
up while nobody serves them, then stops the server; the next ``endurance serve``
resumes the schedules.
"""

from __future__ import annotations

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

from endurance import _process
from endurance._errors import EnduranceError
from endurance.settings import Settings

HOST = "127.0.0.1"
STARTUP_TIMEOUT = 180.0


class ServerError(EnduranceError, RuntimeError):
    """The local Prefect server could not be started, or is not running."""


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
        """A temporary server on a free port for the flow runs of one command."""
        return cls(_free_port(), home, temporary=True)

    @property
    def api_url(self) -> str:
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

    Prefect reads ``PREFECT_HOME`` when first imported: set it (``endurance serve`` does)
    before calling this.
    """
    from prefect import serve
    from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL, temporary_settings

    from pipelines.deployments import deployments

    settings.inbox_dir.mkdir(parents=True, exist_ok=True)
    to_serve = deployments(settings)  # built first: a bad setting fails before the server starts
    with (
        PrefectServer(port, settings.prefect_home.resolve(), startup_timeout=startup_timeout),
        temporary_settings({PREFECT_API_URL: api_url(port), PREFECT_UI_URL: ui_url(port)}),
    ):
        print(f"Prefect UI: {ui_url(port)}  (Ctrl-C stops serving and the server)", flush=True)
        serve(*to_serve)


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
        yield url


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
