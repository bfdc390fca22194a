"""Tag hygiene: running endpoints and jobs without the tags cost allocation needs.

Cost Explorer can only split the bill by tags a resource carries, so untagged spend is
flagged in /spend (`tag-missing`) before it shows up unattributed on the bill. Pure: the
input is the resources with their tags (`tags: None` means unknown, never a warning).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from jupyter_costwidget.aws.descriptions import BILLING_ENDPOINT_STATUSES
from jupyter_costwidget.aws.ownership import DOMAIN_TAG, SPACE_TAGS, USER_PROFILE_TAG
from jupyter_costwidget.i18n import N_, Text

OWNER_TAGS = (USER_PROFILE_TAG, *SPACE_TAGS)
CODE = "tag-missing"
# What counts as running (billing) for each kind checked.
RUNNING = {
    "endpoint": BILLING_ENDPOINT_STATUSES,
    "training-job": {"InProgress"},
    "processing-job": {"InProgress"},
    "transform-job": {"InProgress"},
}
# (one tag, several tags): what a resource lacks.
_REQUIRED_TAGS = (
    N_("the tag {tags} required by your administrator (add with AddTags)"),
    N_("the tags {tags} required by your administrator (add with AddTags)"),
)
_STUDIO_TAGS = (
    N_("the SageMaker Studio tag {tags} (added when launched from Studio)"),
    N_("the SageMaker Studio tags {tags} (added when launched from Studio)"),
)
_NOUN = {
    "endpoint": Text("Endpoint"),
    "training-job": Text("Training job"),
    "processing-job": Text("Processing job"),
    "transform-job": Text("Transform job"),
}


def missing_tags(
    tags: Mapping[str, str], required_tags: Sequence[str], studio_tags: bool = True
) -> tuple[list[str], list[str]]:
    """(missing admin-required tags, missing Studio tags) of one resource's tags."""
    required = [key for key in required_tags if not str(tags.get(key, "")).strip()]
    studio: list[str] = []
    if studio_tags:
        if not any(tags.get(key) for key in OWNER_TAGS):
            studio.append(" or ".join(OWNER_TAGS))
        if not tags.get(DOMAIN_TAG):
            studio.append(DOMAIN_TAG)
    return required, studio


def tag_missing_warnings(
    resources: Iterable[Mapping[str, Any]],
    required_tags: Sequence[str] = (),
    studio_tags: bool = True,
) -> list[dict[str, Any]]:
    """`tag-missing` warnings for running endpoints and jobs (dicts with id, kind, name,
    status and tags) that lack any of `required_tags` or the Studio sagemaker:* tags."""
    out = []
    for res in resources:
        kind = res.get("kind")
        tags = res.get("tags")
        if kind not in RUNNING or res.get("status") not in RUNNING[kind] or tags is None:
            continue
        required, studio = missing_tags(tags, required_tags, studio_tags)
        if not required and not studio:
            continue
        parts = [
            Text(one if len(found) == 1 else many, tags=separator.join(found))
            for found, (one, many), separator in (
                (required, _REQUIRED_TAGS, ", "),
                (studio, _STUDIO_TAGS, "; "),
            )
            if found
        ]
        what = parts[0] if len(parts) == 1 else Text("{a} and {b}", a=parts[0], b=parts[1])
        out.append(
            {
                "code": CODE,
                "severity": "warning",
                "message": Text(
                    "{noun} {name} is missing {what}, so its cost cannot be attributed on the "
                    "bill.",
                    noun=_NOUN[kind],
                    name=res.get("name") or res.get("id"),
                    what=what,
                ),
                "resource_id": res.get("id"),
                "missing": required + studio,
            }
        )
    return out


def apply_tag_hygiene(
    spend: dict[str, Any], resources: Iterable[Any], required_tags: Sequence[str]
) -> None:
    """Add `tag-missing` warnings to a compute_spend() result (the engine's hook).

    `resources` are the inventory's Resource objects; their tags are in `facts["tags"]`
    (None or absent: not known). Rows of checked kinds get a `tags` field when known.
    """
    tagged = [
        {
            "id": res.id,
            "kind": res.kind,
            "name": res.name,
            "status": res.status,
            "tags": (res.facts or {}).get("tags"),
        }
        for res in resources
    ]
    warnings = tag_missing_warnings(tagged, list(required_tags))
    rows = {row["id"]: row for row in spend.get("resources", [])}
    for item in tagged:
        row = rows.get(item["id"])
        if row is not None and item["kind"] in RUNNING and item["tags"] is not None:
            row["tags"] = dict(item["tags"])
    for warning in warnings:
        row = rows.get(warning["resource_id"])
        if row is not None and CODE not in row.setdefault("warnings", []):
            row["warnings"].append(CODE)
    spend.setdefault("warnings", []).extend(warnings)
