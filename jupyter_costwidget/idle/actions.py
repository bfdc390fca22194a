"""What "stop" means for the idle monitor, per environment.

- studio: DeleteApp of this very app (its space's JupyterLab/CodeEditor app).
- studio-classic: shut down this server's idle kernels, then DeleteApp of the user's
  KernelGateway apps (the billable part; the JupyterServer app itself is free).
- notebook-instance: StopNotebookInstance of this instance.
- local: `c.CostWidget.idle_local_action` ("kernels", "server" or "none").

AWS calls go through `AwsClients` in the worker pool; a failed call is retried with backoff
and then reported with its fix-it hint (e.g. the IAM action to grant). Every stop is logged.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from jupyter_costwidget.aws.clients import AwsError
from jupyter_costwidget.aws.context import (
    LOCAL,
    NOTEBOOK_INSTANCE,
    STUDIO,
    STUDIO_CLASSIC,
    Context,
    ContextProvider,
    classify,
    fill_defaults,
    read_metadata,
)
from jupyter_costwidget.config import CostWidget

if TYPE_CHECKING:
    from jupyter_costwidget.idle.monitor import IdleMonitor
    from jupyter_costwidget.state import CostWidgetState

# Attempts of one stop call on top of botocore's own retries, and the first backoff delay (s).
STOP_ATTEMPTS = 3
BACKOFF_SECONDS = 1.0


class StopFailed(Exception):
    """The stop call failed after retries; `error` is an AwsError dict (with the IAM hint)."""

    def __init__(self, message: str, error: dict[str, str] | None, details: dict[str, Any]) -> None:
        super().__init__(message)
        self.message = message
        self.error = error
        self.details = details


async def current_context(
    provider: ContextProvider | None, config: CostWidget, run_blocking: Callable[..., Any]
) -> Context:
    """The spend engine's context when it has one; else the metadata file alone (no AWS)."""
    ctx = provider.context if provider is not None else None
    if isinstance(ctx, Context) and (ctx.environment == LOCAL or ctx.app_name):
        return ctx
    path = os.path.expanduser(config.metadata_file or "")
    metadata, _ = await run_blocking(read_metadata, path) if path else (None, None)
    return fill_defaults(classify(metadata, path), config)


async def stop_this_app(state: CostWidgetState, monitor: IdleMonitor) -> dict[str, Any]:
    """The idle monitor's stop: this environment's billable part, found afresh."""
    ctx = await current_context(state.spend, state.config, state.run_blocking)
    return await perform(state, monitor, ctx)


async def perform(state: CostWidgetState, monitor: IdleMonitor, ctx: Context) -> dict[str, Any]:
    """Stop this environment's billable part; returns what was done (for `last_action`)."""
    dry_run = bool(state.config.idle_dry_run)
    result: dict[str, Any] = {"environment": ctx.environment, "dry_run": dry_run, "calls": []}
    if ctx.environment == STUDIO:
        params = {
            "DomainId": ctx.domain_id,
            "SpaceName": ctx.space,
            "AppType": ctx.app_type,
            "AppName": ctx.app_name,
        }
        await _aws_call(state, ctx, "DeleteApp", params, result)
        result["summary"] = f"deleted app {ctx.space}/{ctx.app_type}/{ctx.app_name}"
    elif ctx.environment == STUDIO_CLASSIC:
        result["kernels"] = await shutdown_idle_kernels(state, monitor, dry_run)
        apps = await state.run_blocking(_user_kernel_gateway_apps, state, ctx)
        for app in apps:
            params = {
                "DomainId": ctx.domain_id,
                "UserProfileName": ctx.user_profile,
                "AppType": "KernelGateway",
                "AppName": app["AppName"],
            }
            await _aws_call(state, ctx, "DeleteApp", params, result)
        names = ", ".join(a["AppName"] for a in apps) or "none running"
        result["summary"] = (
            f"shut down {len(result['kernels'])} kernel(s); deleted KernelGateway apps: {names}"
        )
    elif ctx.environment == NOTEBOOK_INSTANCE:
        params = {"NotebookInstanceName": ctx.app_name}
        await _aws_call(state, ctx, "StopNotebookInstance", params, result)
        result["summary"] = f"stopped notebook instance {ctx.app_name}"
    else:
        action = state.config.idle_local_action
        result["local_action"] = action
        if action == "kernels":
            result["kernels"] = await shutdown_idle_kernels(state, monitor, dry_run)
            result["summary"] = f"shut down {len(result['kernels'])} idle kernel(s)"
        elif action == "server":
            result["summary"] = "stopped the Jupyter server"
            if not dry_run:
                _stop_server(state)
        else:
            result["summary"] = "nothing (c.CostWidget.idle_local_action = 'none')"
    if dry_run:
        result["summary"] = "dry run, would have " + result["summary"]
    return result


async def shutdown_idle_kernels(
    state: CostWidgetState, monitor: IdleMonitor, dry_run: bool
) -> list[str]:
    """Shut down this server's kernels that are not busy.

    Busy kernels too when the admin ignores them or they passed `idle_max_busy_hours`.
    """
    km = getattr(state.server_app, "kernel_manager", None)
    if km is None:
        return []
    done = []
    for kid in list(km.list_kernel_ids()):
        try:
            kernel = km.get_kernel(kid)
        except KeyError:
            continue
        busy = getattr(kernel, "execution_state", None) in ("busy", "starting")
        if busy and not (state.config.idle_ignore_busy_kernels or monitor.busy_too_long(kid)):
            continue
        state.log.warning(
            "costwidget idle: %s kernel %s", "would shut down" if dry_run else "shutting down", kid
        )
        if not dry_run:
            await km.shutdown_kernel(kid)
        done.append(kid)
    return done


def _user_kernel_gateway_apps(state: CostWidgetState, ctx: Context) -> list[dict[str, Any]]:
    """This user's running KernelGateway apps (blocking)."""
    aws = _aws_for(state, ctx)
    try:
        apps = list(
            aws.paginate(
                "sagemaker",
                "ListApps",
                "Apps",
                DomainIdEquals=ctx.domain_id,
                UserProfileNameEquals=ctx.user_profile,
            )
        )
    except AwsError as err:
        raise StopFailed(
            f"Could not list the KernelGateway apps to stop: {err.code}: {err.message}",
            err.as_dict(),
            {"action": err.source},
        ) from err
    return [
        a
        for a in apps
        if a.get("AppType") == "KernelGateway"
        and a.get("Status") in ("InService", "Pending")
        and a.get("UserProfileName", ctx.user_profile) == ctx.user_profile
    ]


def _aws_for(state: CostWidgetState, ctx: Context) -> Any:
    if ctx.region:
        state.use_region(ctx.region)
    return state.aws


async def _aws_call(
    state: CostWidgetState,
    ctx: Context,
    operation: str,
    params: dict[str, Any],
    result: dict[str, Any],
) -> None:
    """One stop call with retries and backoff; logged; dry run only logs it."""
    source = f"sagemaker.{operation}"
    result["calls"].append({"action": source, "params": params})
    if state.config.idle_dry_run:
        state.log.warning("costwidget idle: dry run, would call %s %s", source, params)
        return
    delay = BACKOFF_SECONDS
    last: AwsError | None = None
    for attempt in range(1, STOP_ATTEMPTS + 1):
        state.log.warning("costwidget idle: calling %s %s (attempt %d)", source, params, attempt)
        try:
            await state.run_blocking(
                lambda: _aws_for(state, ctx).call("sagemaker", operation, **params)
            )
            return
        except AwsError as err:
            last = err
            state.log.error("costwidget idle: %s failed: %s (%s)", source, err, err.hint)
            if attempt < STOP_ATTEMPTS:
                await asyncio.sleep(delay)
                delay *= 2
    assert last is not None
    raise StopFailed(
        f"{source} failed after {STOP_ATTEMPTS} attempts: {last.code}: {last.message}",
        last.as_dict(),
        {"action": source, "params": params, "attempts": STOP_ATTEMPTS},
    )


def _stop_server(state: CostWidgetState) -> None:
    app = state.server_app
    state.log.warning("costwidget idle: stopping the Jupyter server (idle_local_action='server')")
    loop = asyncio.get_running_loop()
    # After this request's answer and the log line are out.
    loop.call_later(1.0, app.stop)
