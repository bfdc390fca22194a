"""Training warm pools, which moto 5.2 lacks: ListTrainingJobs(WarmPoolStatusEquals=...),
DescribeTrainingJob's WarmPoolStatus and UpdateTrainingJob's KeepAlivePeriodInSeconds.

A job keeps its instances for `ResourceConfig.KeepAlivePeriodInSeconds` after it completes
(a warm pool), and they bill until then (botocore's sagemaker model: TrainingJobSummary and
DescribeTrainingJobResponse `WarmPoolStatus` {Status, ResourceRetainedBillableTimeInSeconds,
ReusedByJob}; `UpdateTrainingJob` with ResourceConfig.KeepAlivePeriodInSeconds 0 ends it).
The loader sets `warm_pool` (that dict) and `keep_alive_seconds` on moto's job objects.
Imported for its side effect by the sandbox app.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from moto.core.responses import ActionResult
from moto.sagemaker.exceptions import ResourceNotFound, ValidationError
from moto.sagemaker.responses import SageMakerResponse

WARM_POOL_STATUSES = ("Available", "Terminated", "Reused", "InUse")

_list_training_jobs = SageMakerResponse.list_training_jobs
_describe_training_job = SageMakerResponse.describe_training_job


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)  # moto keeps naive UTC


def _warm_status(job: Any) -> dict[str, Any] | None:
    warm = getattr(job, "warm_pool", None)
    if not warm:
        return None
    status = dict(warm)
    if status["Status"] == "Available":
        ended = job.training_end_time or job.last_modified_time
        status["ResourceRetainedBillableTimeInSeconds"] = max(
            0, int((_now() - ended).total_seconds())
        )
    return status


def list_training_jobs(self: Any) -> ActionResult:
    wanted = self._get_param("WarmPoolStatusEquals")
    if not wanted:
        return _list_training_jobs(self)
    if wanted not in WARM_POOL_STATUSES:
        raise ValidationError(
            f"WarmPoolStatusEquals must be one of {', '.join(WARM_POOL_STATUSES)}"
        )
    summaries = []
    for job in self.sagemaker_backend.training_jobs.values():
        warm = _warm_status(job)
        if not warm or warm["Status"] != wanted:
            continue
        summary = {
            "TrainingJobName": job.training_job_name,
            "TrainingJobArn": job.arn,
            "CreationTime": job.creation_time,
            "LastModifiedTime": job.last_modified_time,
            "TrainingJobStatus": job.training_job_status,
            "SecondaryStatus": job.training_job_status,
            "WarmPoolStatus": warm,
        }
        if job.training_end_time:
            summary["TrainingEndTime"] = job.training_end_time
        summaries.append(summary)
    return ActionResult({"TrainingJobSummaries": summaries})


def describe_training_job(self: Any) -> ActionResult:
    result = _describe_training_job(self)
    job = self.sagemaker_backend.training_jobs.get(self._get_param("TrainingJobName"))
    warm = _warm_status(job) if job is not None else None
    if warm is None:
        return result
    body = dict(result.result)  # type: ignore[arg-type]
    body["WarmPoolStatus"] = warm
    body["ResourceConfig"] = {
        **(body.get("ResourceConfig") or {}),
        "KeepAlivePeriodInSeconds": job.keep_alive_seconds,
    }
    return ActionResult(body)


def update_training_job(self: Any) -> ActionResult:
    name = self._get_param("TrainingJobName")
    job = self.sagemaker_backend.training_jobs.get(name)
    if job is None:
        raise ResourceNotFound(f"Requested resource not found: {name}")
    config = self._get_param("ResourceConfig") or {}
    keep_alive = config.get("KeepAlivePeriodInSeconds")
    if keep_alive is not None:
        if not getattr(job, "warm_pool", None) or job.warm_pool["Status"] != "Available":
            raise ValidationError(f"The training job {name} has no available warm pool.")
        retained = _warm_status(job)["ResourceRetainedBillableTimeInSeconds"]  # type: ignore[index]
        job.keep_alive_seconds = int(keep_alive)
        if int(keep_alive) == 0:
            job.warm_pool = {
                "Status": "Terminated",
                "ResourceRetainedBillableTimeInSeconds": retained,
            }
        job.last_modified_time = _now()
    return ActionResult({"TrainingJobArn": job.arn})


SageMakerResponse.list_training_jobs = list_training_jobs
SageMakerResponse.describe_training_job = describe_training_job
SageMakerResponse.update_training_job = update_training_job
