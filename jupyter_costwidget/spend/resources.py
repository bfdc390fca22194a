"""What the inventory found, in the terms the spend arithmetic needs (no AWS, no prices)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

APP = "app"
SPACE_STORAGE = "space-storage"
EFS = "efs"
ENDPOINT = "endpoint"
TRAINING_JOB = "training-job"
TRAINING_WARM_POOL = "training-warm-pool"
PROCESSING_JOB = "processing-job"
TRANSFORM_JOB = "transform-job"
NOTEBOOK_INSTANCE = "notebook-instance"
MLFLOW_TRACKING_SERVER = "mlflow-tracking-server"
HYPERPOD_CLUSTER = "hyperpod-cluster"
PARTNER_APP = "partner-app"

COMPUTE = "compute"
STORAGE = "storage"
SERVERLESS = "serverless"


@dataclass(frozen=True)
class Usage:
    """One billed quantity of a resource: `quantity` instances (or GB) of a price component."""

    component: str | None  # None: free (e.g. the Classic JupyterServer 'system' app)
    instance_type: str = ""
    quantity: float = 1.0
    kind: str = COMPUTE  # compute | storage | serverless
    note: str = ""
    # Priced with this component, as an estimate, when `component` has no price here.
    fallback: str | None = None


@dataclass
class Resource:
    """Something that bills. `owner` is a user profile name; `space` the space it lives in."""

    id: str
    kind: str
    name: str
    status: str
    started_at: datetime | None
    usages: list[Usage]
    domain_id: str | None = None
    owner: str | None = None
    space: str | None = None
    user_profile: str | None = None  # Classic apps: the profile the app belongs to
    app_type: str | None = None
    instance_type: str | None = None
    count: int | None = None
    arn: str | None = None  # what pins it (ListApps gives apps none)
    stale: bool = False
    # Facts for warnings: "orphaned" (EFS), "invocations" (endpoints, None = unknown),
    # "spot" (training), "serverless" (endpoints), "notes" (list of str).
    facts: dict[str, Any] = field(default_factory=dict)
