"""The SageMaker job kinds the inventory lists while they run, in botocore's names."""

from __future__ import annotations

from dataclasses import dataclass

from jupyter_costwidget.spend import resources as r


@dataclass(frozen=True)
class JobKind:
    source: str  # the inventory's list name (and stale source)
    prefix: str  # botocore's member prefix: f"{prefix}Name", f"{prefix}Arn", f"Describe{prefix}"
    kind: str  # the resource kind
    list_operation: str
    summaries: str  # the list output's member
    start_key: str  # when its instances started billing, in the Describe output


RUNNING_JOBS = (
    JobKind(
        "training",
        "TrainingJob",
        r.TRAINING_JOB,
        "ListTrainingJobs",
        "TrainingJobSummaries",
        "TrainingStartTime",
    ),
    JobKind(
        "processing",
        "ProcessingJob",
        r.PROCESSING_JOB,
        "ListProcessingJobs",
        "ProcessingJobSummaries",
        "ProcessingStartTime",
    ),
    JobKind(
        "transform",
        "TransformJob",
        r.TRANSFORM_JOB,
        "ListTransformJobs",
        "TransformJobSummaries",
        "TransformStartTime",
    ),
)
