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
from pathlib import Path
from types import TracebackType

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


class PrefectServer:
    """``prefect server start`` as a child process, started and stopped with ``with``.

    Parameters
    ----------
    port
        Port of the API and UI on 127.0.0.1.
    home
        ``PREFECT_HOME``: the server keeps its database there.
    startup_timeout
        Seconds to wait for the health check to answer.
    """

    def __init__(self, port: int, home: Path, *, startup_timeout: float = STARTUP_TIMEOUT) -> None:
        self.port = port
        self.home = home
        self.startup_timeout = startup_timeout
        self.log_path = home / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

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
        env = {
            **os.environ,
            "PREFECT_HOME": str(self.home),
            "PREFECT_API_URL": api_url(self.port),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
        }
        command = [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            HOST,
            "--port",
            str(self.port),
        ]
        with open(self.log_path, "wb") as log:
            # A session of its own: Ctrl-C reaches this process only, which stops
            # serving (pausing schedules through the server) before stopping the server.
            self.process = subprocess.Popen(  # noqa: S603
                command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
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
