"""The REST contract: one pydantic model per request body and response.

`schema.json` next to this module is generated from these models (`make api`), and the
front-end's types from that (labextension/src/api/types.ts). Every object forbids fields it
does not declare. Timestamps are RFC 3339 in UTC with a `Z`.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field


class Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, json_schema_serialization_defaults_required=True
    )


class Sparse(Model):
    """A model whose fields with defaults appear only when they apply (facts of one kind)."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=False)


Timestamp = str  # RFC 3339, UTC, "Z": 2026-12-01T09:00:00Z
# "account": this region and the other regions scanned (c.CostWidget.regions).
Scope = Literal["self", "mine", "domain", "region", "account"]
# Why the idle monitor stops: the idle timeout, the schedule, or "stop when done".
StopReason = Literal["idle", "schedule", "when-done"]
# The scopes, narrowest first: every other module takes them from here.
SCOPES: tuple[str, ...] = get_args(Scope)
Severity = Literal["info", "warning", "critical"]
Environment = Literal["studio", "studio-classic", "notebook-instance", "local"]
ResourceKind = Literal[
    "app",
    "space-storage",
    "efs",
    "endpoint",
    "training-job",
    "training-warm-pool",
    "processing-job",
    "transform-job",
    "notebook-instance",
    "mlflow-tracking-server",
    "hyperpod-cluster",
    "partner-app",
]


class SourceError(Sparse):
    """A source (an AWS call, the metadata file, the price catalog) that failed."""

    source: str
    code: str
    message: str
    hint: str
    count: int | None = Field(None, description="How many calls of the scan failed so.")
    subjects: list[str] | None = Field(None, description="What the failed calls were about.")


class ApiError(Model):
    """The body of every 4xx and 5xx answer."""

    message: str
    status: int
    id: str | None = Field(None, description="The resource a refused or failed stop was about.")
    error: SourceError | None = Field(None, description="The AWS error of a failed stop.")


# --- GET costwidget/api/spend ----------------------------------------------------------------
class Context(Model):
    """Where this server runs."""

    environment: Environment
    region: str | None
    account: str | None
    domain_id: str | None
    user_profile: str | None
    space: str | None
    app_type: str | None
    app_name: str | None
    instance_type: str | None


class ScopeTotal(Model):
    per_hour: float | None
    accrued: float | None
    unpriced: int = Field(description="Resources without a full price: the sums are lower bounds.")


class Totals(Model):
    self_: ScopeTotal = Field(alias="self")
    mine: ScopeTotal
    domain: ScopeTotal
    region: ScopeTotal
    account: ScopeTotal


class PricePart(Sparse):
    """One billed quantity of a resource and its price."""

    component: str | None
    instance_type: str
    quantity: float
    kind: Literal["compute", "storage", "serverless"]
    usd_per_hour: float | None
    unit_price: float | None = None
    unit: str | None = None
    price_source: str | None = None
    price_date: str | None = None
    rate_per_compute_hour: float | None = None
    priced_as: str | None = None


class ServerlessConfig(Sparse):
    memory_mb: int | None = None
    max_concurrency: int | None = None


class InstancePool(Model):
    instance_type: str
    count: int


class Variant(Sparse):
    """One production variant of an endpoint."""

    name: str | None = None
    instance_type: str | None = None
    count: int | None = None
    volume_gb: float | None = None
    serverless: ServerlessConfig | None = None
    pools: list[InstancePool] | None = Field(None, description="Instance pools of the variant.")
    async_: bool | None = Field(None, alias="async", description="An asynchronous endpoint.")


class InstanceGroup(Model):
    """One instance group of a HyperPod cluster: its current count bills."""

    name: str
    instance_type: str
    count: int


class ResourceRow(Sparse):
    id: str
    kind: ResourceKind
    name: str
    arn: str | None
    app_type: str | None
    owner: str | None
    domain_id: str | None
    space: str | None
    instance_type: str | None
    count: int | None
    status: str
    started_at: Timestamp | None
    per_hour: float | None
    accrued: float | None
    price_known: bool
    price_estimate: bool
    price_source: Literal["list", "derived"]
    price_parts: list[PricePart]
    notes: list[str]
    scopes: list[Scope]
    warnings: list[str]
    stale: bool
    stoppable: bool = Field(description="This user may stop it (c.CostWidget.allow_stop, kind).")
    stop_refused_reason: str | None = Field(description="Why not, when not stoppable.")
    invocations: float | None = None
    orphaned: bool | None = None
    spot: bool | None = None
    variants: list[Variant] | None = None
    tags: dict[str, str] | None = None
    region: str | None = Field(None, description="Where it runs (this region when absent).")
    user_profile: str | None = Field(
        None, description="A Studio Classic app's user profile (apps outside a space)."
    )
    size: str | None = Field(None, description="An MLflow tracking server's size.")
    tier: str | None = Field(None, description="A partner app's tier.")
    instance_groups: list[InstanceGroup] | None = Field(
        None, description="A HyperPod cluster's instance groups."
    )


class SpendWarning(Sparse):
    code: str
    severity: Severity
    message: str
    resource_id: str | None
    missing: list[str] | None = Field(None, description="tag-missing: the required tags absent.")
    region: str | None = Field(None, description="other-region: the region it is about.")


class ScanFigures(Model):
    calls: int
    seconds: float


class HistoryPoint(Model):
    t: Timestamp
    mine_per_hour: float | None


class SharedSource(Model):
    """Where a reader's snapshot comes from: the shared collector's file in S3."""

    url: str = Field(description="c.CostWidget.snapshot_url")
    period_seconds: float = Field(description="How often the collector runs.")
    scanning_itself: bool = Field(
        description="The file is stale or unreadable and c.CostWidget.snapshot_fallback is on."
    )


class SpendSnapshot(Model):
    """What bills now, priced: GET costwidget/api/spend."""

    generated_at: Timestamp | None
    currency: Literal["USD"]
    context: Context
    totals: Totals
    resources: list[ResourceRow]
    warnings: list[SpendWarning]
    errors: list[SourceError]
    stale_sources: list[str]
    scan: ScanFigures | None
    age_seconds: float | None
    stale: bool
    history: list[HistoryPoint]
    shared: SharedSource | None = Field(
        None, description="Set when this server reads the shared collector's snapshot."
    )


# --- the shared collector's file in S3 (s3://<bucket>/<prefix>/<account>/<region>/spend.json)
class SaidText(Model):
    """A message's template and values, to say it again in a reader's language."""

    msgid: str
    values: dict[str, Any]


class SharedNames(Model):
    """The region's domains, user profiles and spaces by their real names: a reader's stop
    reads owner tags (lower-case ARNs) with them, as a server that scans does."""

    domains: list[str]
    profiles: list[tuple[str, str]]
    spaces: list[tuple[str, str]]


class SharedSnapshot(Model):
    """What the collector writes once a run: one region's snapshot, made without a user."""

    format: Literal[1]
    account: str
    region: str
    period_seconds: float = Field(description="The collector's schedule period.")
    collector_version: str
    snapshot: SpendSnapshot
    messages: list[SaidText | None] = Field(description="The warnings' message templates.")
    names: SharedNames


# --- GET costwidget/api/status -------------------------------------------------------------
class LastScan(Model):
    at: Timestamp
    calls: int
    seconds: float
    errors: int


class Status(Model):
    """The spend engine's state, without AWS: GET costwidget/api/status."""

    scanning: bool
    scans: int
    has_snapshot: bool
    generated_at: Timestamp | None
    age_seconds: float | None
    stale: bool
    errors: int
    refresh_seconds: float
    last_scan: LastScan | None
    environment: Environment | None


# --- costwidget/api/idle ---------------------------------------------------------------------
class Bounds(Model):
    min: float
    max: float


class Blocker(Model):
    kind: Literal["kernel", "terminal", "user", "cpu", "gpu", "keepalive", "unsaved"]
    name: str
    detail: str


class Schedule(Model):
    spec: str | None
    timezone: str | None
    next: Timestamp | None
    error: str | None


class StopCallMade(Model):
    action: str
    params: dict[str, Any]


class LastAction(Sparse):
    """What the last auto-stop did (or would have done, in a dry run)."""

    reason: StopReason
    started: Timestamp
    finished: Timestamp
    ok: bool
    cancelled: bool | None = None
    message: str | None = None
    summary: str | None = None
    environment: Environment | None = None
    dry_run: bool | None = None
    calls: list[StopCallMade] | None = None
    kernels: list[str] | None = None
    local_action: str | None = None
    error: SourceError | None = None
    action: str | None = None
    params: dict[str, Any] | None = None
    attempts: int | None = None


class SaveRequest(Model):
    id: str
    deadline: Timestamp
    reason: StopReason


class StopWhenDone(Model):
    """A one-shot stop armed by the user: `waiting` while work runs, `warning` during the
    grace after it ended (until `stops_at`), then `stopping`."""

    armed: bool
    state: Literal["waiting", "warning", "stopping"] | None
    stops_at: Timestamp | None


class UnsavedTab(Model):
    client: str
    documents: list[str]
    last_seen: Timestamp


class IdleStatus(Model):
    """Idle auto-stop: GET, PUT costwidget/api/idle and POST .../keepalive."""

    enabled: bool
    timeout_minutes: float
    grace_minutes: float
    check_seconds: float
    bounds: Bounds
    enforced: bool
    dry_run: bool
    state: Literal["disabled", "idle", "active", "warning", "stopping", "stopped", "failed"]
    idle_seconds: float
    stops_at: Timestamp | None
    seconds_left: float | None
    blockers: list[Blocker]
    keepalive_until: Timestamp | None
    schedule: Schedule
    last_action: LastAction | None
    save_request: SaveRequest | None
    unsaved: list[UnsavedTab]
    stop_when_done: StopWhenDone
    checks: int


class IdleSettings(Model):
    """PUT costwidget/api/idle."""

    enabled: bool | None = None
    timeout_minutes: float | None = None


class StopWhenDoneRequest(Model):
    """POST costwidget/api/idle/stop-when-done: arm (true) or cancel (false)."""

    armed: bool


class KeepAlive(Model):
    """POST costwidget/api/idle/keepalive: `minutes` of keep-alive, or none to restart the
    clock ("Keep running")."""

    minutes: float | None = None


class Saved(Model):
    """POST costwidget/api/idle/saved: a tab's answer to a save request."""

    id: str
    client: str
    ok: bool
    error: str | None = None


class ActivityResult(Model):
    """POST costwidget/api/idle/activity."""

    accepted: bool


class SavedResult(Model):
    """POST costwidget/api/idle/saved."""

    received: bool


# --- GET costwidget/api/billing --------------------------------------------------------------
class BudgetRow(Model):
    name: str | None
    limit: float | None
    actual: float | None
    forecast: float | None
    unit: str
    time_unit: str | None
    services: list[str] | None
    percent_actual: float | None
    percent_forecast: float | None


class MineBilled(Model):
    month_to_date: float | None = None
    filtered_by: list[str] = []
    message: str = ""


class Period(Model):
    month_start: str
    yesterday: str
    today: str


class Billing(Model):
    """Billed spend from Cost Explorer and Budgets: GET costwidget/api/billing."""

    enabled: bool
    currency: Literal["USD"] = "USD"
    month_to_date: float | None = None
    yesterday: float | None = None
    today: float | None = None
    forecast: float | None = None
    by_usage_type: dict[str, float] = {}
    by_region: dict[str, float] = Field({}, description="This month's spend per region.")
    budgets: list[BudgetRow] = []
    tags_active: bool | None = None
    tags: dict[str, str] = {}
    mine: MineBilled | None = None
    errors: list[SourceError] = []
    notes: list[str] = []
    stale_sources: list[str] = []
    fetched_at: Timestamp | None = None
    period: Period | None = None
    age_seconds: float | None = None
    cache_hours: float | None = None
    requests_today: int = 0
    stale: bool = False


# --- POST costwidget/api/resources/stop ------------------------------------------------------
class StopRequest(Model):
    id: str
    confirm: bool


class StopResult(Model):
    id: str
    kind: ResourceKind
    name: str
    per_hour: float | None
    action: str
    params: dict[str, Any]
    message: str


class Version(Model):
    version: str


RESPONSES: tuple[type[Model], ...] = (
    SpendSnapshot,
    SharedSnapshot,
    Status,
    IdleStatus,
    Billing,
    StopResult,
    ApiError,
    ActivityResult,
    SavedResult,
    Version,
)
REQUESTS: tuple[type[Model], ...] = (
    IdleSettings,
    KeepAlive,
    Saved,
    StopRequest,
    StopWhenDoneRequest,
)
