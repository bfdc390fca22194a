"""Where moto's answers differ from AWS's on the wire, mend them to AWS's shape.

Each rule names what botocore's model (`botocore/data/<service>/*/service-2.json`) says; the
conformance test (`tests/test_conformance.py`) checks every answer against that model.
"""

from __future__ import annotations

import json
from typing import Any


def amend(service: str, operation: str, body: bytes) -> bytes:
    """The body of a moto answer as AWS would send it (unchanged when nothing applies)."""
    rule = _RULES.get((service, operation))
    if rule is None or not body:
        return body
    try:
        data = json.loads(body)
    except ValueError:
        return body
    if not isinstance(data, dict):
        return body
    rule(data)
    return json.dumps(data).encode()


def _drop_empty_data_capture(data: dict[str, Any]) -> None:
    # DataCaptureConfigSummary / DataCaptureConfig have required members: AWS leaves the
    # whole member out when capture was never configured; moto sends {}.
    capture = data.get("DataCaptureConfig")
    if isinstance(capture, dict) and not capture:
        del data["DataCaptureConfig"]


def _efs_file_systems(data: dict[str, Any]) -> None:
    # FileSystemDescription has no LifecyclePolicies or FileSystemPolicy (those come from
    # DescribeLifecycleConfiguration and DescribeFileSystemPolicy).
    for fs in data.get("FileSystems") or []:
        fs.pop("LifecyclePolicies", None)
        fs.pop("FileSystemPolicy", None)


def _budgets_next_token(data: dict[str, Any]) -> None:
    # DescribeBudgetsResponse spells it NextToken.
    token = data.pop("nextToken", None)
    if token:
        data["NextToken"] = token


_RULES = {
    ("sagemaker", "DescribeEndpoint"): _drop_empty_data_capture,
    ("sagemaker", "DescribeEndpointConfig"): _drop_empty_data_capture,
    ("elasticfilesystem", "DescribeFileSystems"): _efs_file_systems,
    ("budgets", "DescribeBudgets"): _budgets_next_token,
}
