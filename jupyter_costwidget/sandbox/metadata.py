"""SageMaker's `resource-metadata.json` for the scenario's `me` (what the app would read
at /opt/ml/metadata/resource-metadata.json on SageMaker)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import arns

# A SageMaker image of Studio Classic, as the metadata file's ResourceName names it.
CLASSIC_IMAGE = "sagemaker-data-science-310-v1"


def resource_metadata(scenario: dict[str, Any] | None) -> dict[str, Any] | None:
    """The metadata file's content, or None when `me` is absent (not on SageMaker)."""
    me = (scenario or {}).get("me")
    if not me:
        return None
    region, account = scenario["region"], scenario["account"]  # type: ignore[index]
    if "notebook_instance" in me:
        name = me["notebook_instance"]
        return {
            "ResourceArn": arns.notebook_instance_arn(region, account, name),
            "ResourceName": name,
        }
    app_type, name, domain = me["app_type"], me.get("app_name", "default"), me["domain"]
    # New Studio: apps belong to a space; no UserProfileName key
    # (tests/fixtures/aws/studio-jupyterlab-space.json). Studio Classic: ResourceName is the
    # image's name, not the app's (AWS's example: "datascience--1-0-ml" for the app
    # "datascience--1-0-ml-t3-medium"; tests/fixtures/aws/studio-classic-kernelgateway.json).
    owner_key, owner, resource_name = (
        ("SpaceName", me["space"], name)
        if "space" in me
        else ("UserProfileName", me["user"], CLASSIC_IMAGE)
    )
    return {
        "AppType": app_type,
        "DomainId": domain,
        owner_key: owner,
        "ResourceArn": arns.app_arn(region, account, domain, owner, app_type, name),
        "ResourceName": resource_name,
        "AppImageVersion": "",
    }


def write_metadata(metadata: dict[str, Any], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(metadata, indent=2) + "\n")
    return path
