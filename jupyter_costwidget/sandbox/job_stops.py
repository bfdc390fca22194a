"""StopTrainingJob / StopProcessingJob / StopTransformJob, which moto 5.2 lacks.

Methods added to moto's SageMakerResponse are served by moto's server (it dispatches by action
name). Like moto, the sandbox finishes at once: the job goes straight to "Stopped" (AWS passes
through "Stopping" for a minute or so). Imported for its side effect by the sandbox app.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.sagemaker.exceptions import ResourceNotFound, ValidationError
from moto.sagemaker.responses import SageMakerResponse

# operation -> (request key, backend dict attribute, status attribute, end-time attribute)
_JOBS = {
    "stop_training_job": (
        "TrainingJobName",
        "training_jobs",
        "training_job_status",
        "training_end_time",
    ),
    "stop_processing_job": (
        "ProcessingJobName",
        "processing_jobs",
        "processing_job_status",
        "processing_end_time",
    ),
    "stop_transform_job": (
        "TransformJobName",
        "transform_jobs",
        "transform_job_status",
        "transform_end_time",
    ),
}


def _stop_job(response: Any, operation: str) -> ActionResult:
    key, jobs_attr, status_attr, end_attr = _JOBS[operation]
    name = response._get_param(key)
    job = getattr(response.sagemaker_backend, jobs_attr).get(name)
    if job is None:
        raise ResourceNotFound(f"Requested resource not found: {name}")
    status = getattr(job, status_attr)
    if status not in ("InProgress", "Stopping"):
        raise ValidationError(f"The job {name} is in status {status} and cannot be stopped.")
    setattr(job, status_attr, "Stopped")
    if hasattr(job, "secondary_status"):
        job.secondary_status = "Stopped"
    # moto keeps naive UTC datetimes.
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    setattr(job, end_attr, now)
    job.last_modified_time = now
    return EmptyResult()


def _make(operation: str) -> Any:
    def handler(self: Any) -> ActionResult:
        return _stop_job(self, operation)

    handler.__name__ = operation
    return handler


for _operation in _JOBS:
    if not hasattr(SageMakerResponse, _operation):
        setattr(SageMakerResponse, _operation, _make(_operation))
