"""The admin-facing configuration: `c.CostWidget.<trait> = ...` in jupyter_server_config.py.

Every setting of every feature lives here so admins find them in one place. A few have
environment overrides (COSTWIDGET_*) so `make demo` and tests can point at the sandbox.
"""

from __future__ import annotations

import os
from typing import Any

from traitlets import Bool, CFloat, CInt, Enum, List, TraitError, Unicode, Union, default, validate
from traitlets.config import Configurable

from jupyter_costwidget.api.models import SCOPES

DEFAULT_METADATA_FILE = "/opt/ml/metadata/resource-metadata.json"


def env_default(trait: str, variable: str, fallback: str = "") -> Any:
    """A trait's default read from an environment variable when the object is made (the
    sandbox and tests point the server and kernels at it this way)."""
    return default(trait)(lambda _self: os.environ.get(variable, fallback))


class CostWidget(Configurable):
    """Settings of the jupyter-costwidget server extension."""

    # --- where AWS is -------------------------------------------------------------------
    endpoint_url = Unicode(
        "",
        help="Send every AWS call to this URL (the local sandbox). Empty: real AWS endpoints. "
        "Env: COSTWIDGET_ENDPOINT_URL.",
    ).tag(config=True)
    region = Unicode(
        "",
        help="AWS region to report on when the metadata file does not say. Env: COSTWIDGET_REGION.",
    ).tag(config=True)
    metadata_file = Unicode(
        DEFAULT_METADATA_FILE,
        help="SageMaker's resource-metadata.json. Env: COSTWIDGET_METADATA_FILE.",
    ).tag(config=True)
    aws_max_attempts = CInt(5, help="botocore retry attempts (retry mode 'adaptive').").tag(
        config=True
    )
    aws_max_workers = CInt(16, help="Bounded concurrency of AWS calls during one scan.").tag(
        config=True
    )

    _default_endpoint_url = env_default("endpoint_url", "COSTWIDGET_ENDPOINT_URL")
    _default_region = env_default("region", "COSTWIDGET_REGION")
    _default_metadata_file = env_default(
        "metadata_file", "COSTWIDGET_METADATA_FILE", DEFAULT_METADATA_FILE
    )

    # --- spend engine -------------------------------------------------------------------
    refresh_seconds = CFloat(60.0, help="Interval of the background spend scan.").tag(config=True)
    min_refresh_seconds = CFloat(
        10.0,
        help="Forced refreshes (?refresh=1) within this many seconds of a scan's start share it.",
    ).tag(config=True)
    stale_after_seconds = CFloat(
        0.0, help="A snapshot older than this is stale (0: 3 x refresh_seconds)."
    ).tag(config=True)
    idle_endpoint_hours = CFloat(
        24.0, help="An InService endpoint with no Invocations for this long is idle."
    ).tag(config=True)
    regions = Union(
        [Unicode(), List(Unicode())],
        default_value="auto",
        help="Regions to scan besides this one: a list (e.g. ['ap-northeast-1']), or 'auto' "
        "(every region where Cost Explorer shows SageMaker spend this month, from the billed "
        "spend's cache: no extra requests). Their resources count in scope 'account'.",
    ).tag(config=True)
    other_regions_refresh_seconds = CFloat(
        600.0, help="Interval of the scans of other regions (they change the meter less)."
    ).tag(config=True)
    long_running_hours = CFloat(
        12.0, help="Warn about GPU apps and notebook instances running longer than this."
    ).tag(config=True)
    history_hours = CFloat(6.0, help="How much burn-rate history the server keeps.").tag(
        config=True
    )

    # --- the shared collector's snapshot ------------------------------------------------
    snapshot_url = Unicode(
        "",
        help="Read the shared collector's snapshot from s3://<bucket>/<prefix> instead of "
        "scanning the account from this server (examples/collector). Env: "
        "COSTWIDGET_SNAPSHOT_URL.",
    ).tag(config=True)
    snapshot_fallback = Bool(
        False,
        help="While the shared snapshot is stale (older than 3 collector periods) or "
        "unreadable, scan the account from this server.",
    ).tag(config=True)
    _default_snapshot_url = env_default("snapshot_url", "COSTWIDGET_SNAPSHOT_URL")

    # --- stop actions -------------------------------------------------------------------
    allow_stop = Enum(
        # "self" is this app, stopped by its own controls; other regions ("account") are
        # stopped from a server in their region.
        ["none", *(scope for scope in SCOPES if scope not in ("self", "account"))],
        default_value="mine",
        help="Which resources a user may stop from the panel: scope 'mine' by default.",
    ).tag(config=True)

    # --- idle auto-stop -----------------------------------------------------------------
    idle_enabled = Bool(False, help="Stop the billable app after it has been idle.").tag(
        config=True
    )
    idle_timeout_minutes = CFloat(60.0, help="Idle time before stopping.").tag(config=True)
    idle_grace_minutes = CFloat(5.0, help="Warn this long before stopping.").tag(config=True)
    stop_when_done_grace_minutes = CFloat(
        2.0, help="After the work a user armed 'stop when done' for ends, warn this long first."
    ).tag(config=True)
    idle_check_seconds = CFloat(30.0, help="How often the idle monitor checks.").tag(config=True)
    idle_min_minutes = CFloat(5.0, help="Lowest timeout a user may choose.").tag(config=True)
    idle_max_minutes = CFloat(
        24 * 60.0, help="Highest timeout a user may choose; also caps keep-alives."
    ).tag(config=True)
    idle_enforced = Bool(False, help="Users cannot turn auto-stop off.").tag(config=True)
    idle_dry_run = Bool(False, help="Log what would be stopped, stop nothing.").tag(config=True)
    idle_cpu_percent = CFloat(20.0, help="User-process CPU above this counts as activity.").tag(
        config=True
    )
    idle_max_busy_hours = CFloat(
        0.0, help="A busy kernel keeps the server alive at most this long (0: no ceiling)."
    ).tag(config=True)
    idle_ignore_busy_kernels = Bool(
        False, help="Admin override: busy kernels do not block auto-stop."
    ).tag(config=True)
    idle_kernel_probe_seconds = CFloat(
        5.0,
        help="Before a warning or a stop, every kernel the server reads as idle is asked "
        "(kernel_info) and holds the stop while it does not answer within this many seconds "
        "(0: not asked).",
    ).tag(config=True)
    idle_ignore_terminals = Bool(False, help="Admin override: terminals do not block.").tag(
        config=True
    )
    idle_client_ttl_seconds = CFloat(
        150.0,
        help="A tab that has not polled for this long is silent (browsers poll hidden tabs "
        "about once a minute).",
    ).tag(config=True)
    idle_unsaved_max_hours = CFloat(
        12.0,
        help="A tab that went silent with unsaved documents holds the stop this long "
        "(0: never stop while a silent tab may hold unsaved work).",
    ).tag(config=True)
    idle_save_timeout_seconds = CFloat(
        30.0, help="How long connected front-ends get to save before the stop is cancelled."
    ).tag(config=True)
    idle_local_action = Enum(
        ["kernels", "server", "none"],
        default_value="kernels",
        help="What auto-stop does outside SageMaker.",
    ).tag(config=True)
    stop_schedule = Unicode(
        "",
        help="Scheduled stop, e.g. 'Mon-Fri 21:00' (local time of timezone). Empty: none.",
    ).tag(config=True)
    stop_schedule_timezone = Unicode("", help="IANA time zone of stop_schedule.").tag(config=True)

    # --- billing (Cost Explorer, budgets) ------------------------------------------------
    billing_enabled = Bool(True, help="Show billed spend from Cost Explorer.").tag(config=True)
    billing_max_requests_per_day = CInt(
        4,
        help="At most this many Cost Explorer requests ($0.01 each) per UTC day; past it the "
        "last figures are served until midnight UTC.",
    ).tag(config=True)
    billing_cache_hours = CFloat(6.0, help="Cache Cost Explorer results this long.").tag(
        config=True
    )
    required_tags = List(Unicode(), help="Tags every endpoint and job must carry.").tag(config=True)

    # --- misc ---------------------------------------------------------------------------
    state_dir = Unicode(
        "", help="Where the extension persists state (default: <jupyter data dir>/costwidget)."
    ).tag(config=True)

    @validate("snapshot_url")
    def _check_snapshot_url(self, proposal: Any) -> Any:
        from jupyter_costwidget.collector.location import BadSnapshotUrl, SnapshotLocation

        if proposal["value"]:
            try:
                SnapshotLocation.parse(proposal["value"])
            except BadSnapshotUrl as exc:
                raise TraitError(f"c.CostWidget.snapshot_url: {exc}") from exc
        return proposal["value"]

    @validate("regions")
    def _check_regions(self, proposal: Any) -> Any:
        value = proposal["value"]
        if isinstance(value, str) and value != "auto":
            raise TraitError("c.CostWidget.regions is 'auto' or a list of region names.")
        return value

    def other_regions(self, home: str | None, billed: list[str]) -> list[str]:
        """The regions to scan besides `home`: configured, or those billed this month."""
        chosen = billed if self.regions == "auto" else list(self.regions)
        return sorted({region for region in chosen if region and region != home})

    def effective_stale_after(self) -> float:
        return self.stale_after_seconds or 3 * self.refresh_seconds

    def resolved_state_dir(self) -> str:
        if self.state_dir:
            return self.state_dir
        from jupyter_core.paths import jupyter_data_dir

        return os.path.join(jupyter_data_dir(), "costwidget")
