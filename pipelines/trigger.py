"""Start a run of a deployment on the local Prefect server (``endurance trigger``).

The same as the UI's "Run" button: the served process picks the run up and runs it
with the deployment's default parameters, overridden by any given here. Names and
parameters are checked against ``pipelines.deployments`` first, so a typo gets the list
of valid names rather than a round trip to the server.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from endurance._errors import ServerError, TriggerError
from pipelines.deployments import deployment_spec
from pipelines.serve import api_url, server_is_healthy, ui_url

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun


@dataclass(frozen=True)
class TriggeredRun:
    """A flow run created from a deployment, and where to watch it."""

    flow_run_id: str
    name: str
    deployment: str
    url: str
    state: str
    final: bool
    #: Why the run is in its state, as Prefect says it (the exception of a failed run); may be empty.
    message: str = ""


def parse_parameters(pairs: list[str]) -> dict[str, Any]:
    """Turn ``key=value`` pairs into parameters; ``true``, ``false``, numbers and ``null`` are decoded."""
    parameters: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip():
            raise TriggerError(f"parameter {pair!r} is not key=value (e.g. --param period_from=2025-06)")
        try:
            value: Any = json.loads(text)
        except json.JSONDecodeError:
            value = text
        # true/false, numbers and null become values; everything else (2025-06, "07:00") stays text.
        parameters[key.strip()] = value if isinstance(value, bool | int | float | type(None)) else text
    return parameters


def trigger_deployment(name: str, parameters: dict[str, Any], *, port: int, wait: bool) -> TriggeredRun:
    """Create a flow run of the deployment ``name`` on the server at ``port``.

    Parameters
    ----------
    name
        A deployment name (``council-export-monthly``) or ``<flow>/<deployment>``.
    parameters
        Overrides of the deployment's parameters.
    port
        Port of the local Prefect server (``endurance serve``).
    wait
        Wait until the run has finished, and return its final state.

    Raises
    ------
    LookupError
        For an unknown deployment; the message lists the deployments.
    TriggerError
        For a parameter the flow does not take; the message lists those it takes.
    ServerError
        When no Prefect server answers on ``port``, or it does not serve the deployment.
    """
    spec = deployment_spec(name)
    # null asks for the flow's own default: the parameter is not sent (the deployment's
    # schema has one real type per parameter, so the server would refuse a null).
    parameters = {key: value for key, value in parameters.items() if value is not None}
    known = spec.flow.parameters.properties
    unknown = sorted(set(parameters) - set(known))
    if unknown:
        raise TriggerError(
            f"{spec.name} takes no parameter {', '.join(unknown)}; its parameters are: {', '.join(known)}"
        )
    if not server_is_healthy(port):
        raise ServerError(
            f"no Prefect server answers at {api_url(port)}; start it with `endurance serve` (or "
            "`make serve`), or give its port with --port or ENDURANCE_PREFECT_PORT"
        )
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url(port)}):
        try:
            # Called from synchronous code, run_deployment returns the flow run, not a coroutine.
            flow_run = cast(
                "FlowRun",
                run_deployment(
                    spec.full_name,
                    parameters=parameters,
                    timeout=None if wait else 0,
                    as_subflow=False,
                    poll_interval=2,
                ),
            )
        except ObjectNotFound as exc:
            raise ServerError(
                f"the Prefect server at {ui_url(port)} has no deployment {spec.full_name}: is it this "
                "project's `endurance serve`? (it registers the deployments when it starts)"
            ) from exc
    return triggered_run(flow_run, spec.name, port)


def triggered_run(flow_run: FlowRun, deployment: str, port: int) -> TriggeredRun:
    """Describe a flow run of ``deployment``: its state, why it is in it, and its UI link."""
    state = flow_run.state
    return TriggeredRun(
        flow_run_id=str(flow_run.id),
        name=flow_run.name,
        deployment=deployment,
        url=f"{ui_url(port)}/runs/flow-run/{flow_run.id}",
        state=str(state.name) if state else "Unknown",
        final=bool(state and state.is_final()),
        message=str(state.message or "") if state else "",
    )
