"""Who owns an endpoint or a job: its SageMaker owner tags, read the way AWS writes them.

SageMaker tags what Studio users create with `sagemaker:user-profile-arn`,
`sagemaker:space-arn` (or `sagemaker:shared-space-arn`) and `sagemaker:domain-arn`, and it
writes those ARNs in lower case: the quick-setup profile `default-20240603T130019` is tagged
`.../user-profile/d-bm2diz0f1spr/default-20240603t130019` (AWS's Studio documentation and
tests/fixtures/aws/README.md). So names are matched without regard to case, against the real
names of this region's profiles and spaces. Two names of one domain that differ only in case
make the owner ambiguous: nobody's. A tag counts only when its ARN is of this partition,
account and region, and names a domain that exists here.

Pure: no AWS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from jupyter_costwidget.aws.context import parse_arn

USER_PROFILE_TAG = "sagemaker:user-profile-arn"
SPACE_TAGS = ("sagemaker:space-arn", "sagemaker:shared-space-arn")
DOMAIN_TAG = "sagemaker:domain-arn"
OWNER_TAGS = (USER_PROFILE_TAG, *SPACE_TAGS, DOMAIN_TAG)


def partition_of(region: str) -> str:
    """The ARN partition of a region (the documented partitions' region prefixes)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


@dataclass(frozen=True)
class Home:
    """The account and region whose owner tags count."""

    account: str
    region: str

    @property
    def partition(self) -> str:
        return partition_of(self.region)


class Names:
    """The real names of this region's domains, user profiles and spaces, found by any case."""

    def __init__(
        self,
        domains: Iterable[str] = (),
        profiles: Iterable[tuple[str, str]] = (),
        spaces: Iterable[tuple[str, str]] = (),
    ) -> None:
        domains, profiles, spaces = list(domains), list(profiles), list(spaces)
        self._listed = {
            "domains": sorted({d for d in domains if d}),
            "profiles": sorted({(d, n) for d, n in profiles if d and n}),
            "spaces": sorted({(d, n) for d, n in spaces if d and n}),
        }
        self._domains = {d.lower(): d for d in domains if d}
        self._names: dict[tuple[str, str, str], set[str]] = {}
        for kind, pairs in (("profile", profiles), ("space", spaces)):
            for domain, name in pairs:
                if domain and name:
                    key = (kind, domain.lower(), name.lower())
                    self._names.setdefault(key, set()).add(name)

    def as_json(self) -> dict[str, Any]:
        """What it was made of (the shared collector hands it to readers)."""
        return {
            "domains": list(self._listed["domains"]),
            "profiles": [list(pair) for pair in self._listed["profiles"]],
            "spaces": [list(pair) for pair in self._listed["spaces"]],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Names:
        return cls(
            data.get("domains") or [],
            [(d, n) for d, n in data.get("profiles") or []],
            [(d, n) for d, n in data.get("spaces") or []],
        )

    def domain(self, written: str) -> str | None:
        return self._domains.get(written.lower())

    def resolve(self, kind: str, domain: str, written: str) -> tuple[str | None, list[str]]:
        """(the real name, []) when one name matches; (None, the names) when several do;
        (what was written, []) when none is known (a profile deleted since, say)."""
        found = sorted(self._names.get((kind, domain.lower(), written.lower()), set()))
        if len(found) > 1:
            return None, found
        return (found[0] if found else written), []


def attribute(
    tags: dict[str, str],
    names: Names,
    home: Home | None,
    owner_of_space: Callable[[str, str], str | None],
) -> dict[str, Any]:
    """owner / space / domain_id from the owner tags, and `ownership_note` when a tag does not
    count (another account or region, an unknown domain) or names several users."""
    out: dict[str, Any] = {"owner": None, "space": None, "domain_id": None}
    notes: list[str] = []
    ambiguous = False
    for key in OWNER_TAGS:
        arn = tags.get(key)
        if not arn:
            continue
        parts = parse_arn(arn)
        if not parts or parts["service"].lower() != "sagemaker":
            notes.append(f"{key} is not a SageMaker ARN")
            continue
        if home is not None and (
            parts["partition"].lower() != home.partition
            or parts["account"] != home.account
            or parts["region"].lower() != home.region
        ):
            notes.append(
                f"{key} names account {parts['account']} in {parts['region'] or '?'}, "
                "not this account and region: not counted"
            )
            continue
        kind, _, rest = parts["resource"].partition("/")
        pieces = rest.split("/")
        domain = names.domain(pieces[0]) if pieces and pieces[0] else None
        if domain is None:
            notes.append(f"{key} names a domain that is not in this region: not counted")
            continue
        if kind == "user-profile" and len(pieces) >= 2 and not out["owner"]:
            owner, several = names.resolve("profile", domain, pieces[1])
            out["domain_id"], out["owner"] = domain, owner
            if several:
                ambiguous = True
                notes.append(_ambiguous("user profiles", several, domain))
        elif kind == "space" and len(pieces) >= 2 and not out["space"]:
            space, several = names.resolve("space", domain, pieces[1])
            out["domain_id"] = domain
            out["space"] = space
            if several:
                ambiguous = True
                notes.append(_ambiguous("spaces", several, domain))
            elif space and not out["owner"] and not ambiguous:
                out["owner"] = owner_of_space(domain, space)
        elif kind == "domain" and not out["domain_id"]:
            out["domain_id"] = domain
    if ambiguous:
        out["owner"] = None
    if notes:
        out["ownership_note"] = "; ".join(notes)
    return out


def _ambiguous(what: str, names: list[str], domain: str) -> str:
    return (
        f"the owner tag matches {what} {', '.join(names)} of {domain}, which differ only in "
        "case: counted as nobody's"
    )
