"""SageMaker Studio operations moto 5.2 lacks: user profiles, spaces and apps.

Request and response shapes follow botocore's SageMaker service model (JSON protocol).
Domains themselves live in moto's backend; `domain_exists` is how this module asks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

from . import arns
from .scenario import APP_TYPES, IN_SPACE_APP_TYPES

# Instance type AWS picks when CreateApp gives none.
DEFAULT_INSTANCE = {"JupyterServer": "system", "Canvas": None}
DEFAULT_APP_INSTANCE = "ml.t3.medium"


class StudioError(Exception):
    """An AWS error response: `code` goes to `__type`."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _page(
    items: list[dict[str, Any]], body: dict[str, Any], default_max: int = 10
) -> tuple[list[dict[str, Any]], str | None]:
    max_results = body.get("MaxResults", default_max)
    if not isinstance(max_results, int) or not 1 <= max_results <= 100:
        raise StudioError("ValidationException", "MaxResults must be between 1 and 100.")
    token = body.get("NextToken")
    start = 0
    if token:
        try:
            start = int(token)
        except ValueError:
            raise StudioError("ValidationException", "Invalid pagination token.") from None
    end = start + max_results
    return items[start:end], (str(end) if end < len(items) else None)


def _sort(
    items: list[dict[str, Any]], body: dict[str, Any], allowed: tuple[str, ...]
) -> list[dict[str, Any]]:
    key = body.get("SortBy") or "CreationTime"
    if key not in allowed:
        raise StudioError("ValidationException", f"SortBy must be one of {', '.join(allowed)}.")
    descending = (body.get("SortOrder") or "Descending") == "Descending"
    return sorted(items, key=lambda item: (item[key], item.get("_seq", 0)), reverse=descending)


def _listing(
    items: list[dict[str, Any]],
    body: dict[str, Any],
    sort_keys: tuple[str, ...],
    member: str,
    summary: Callable[[dict[str, Any]], dict[str, Any]],
) -> dict[str, Any]:
    """One page of a List* answer: sorted, paged, each item summarized, with NextToken."""
    page, token = _page(_sort(items, body, sort_keys), body)
    out: dict[str, Any] = {member: [summary(item) for item in page]}
    if token:
        out["NextToken"] = token
    return out


def _named_in_domain(
    items: Iterable[dict[str, Any]], body: dict[str, Any], name_key: str
) -> list[dict[str, Any]]:
    """The items of `DomainIdEquals` (if given) whose name contains `<name_key>Contains`."""
    domain_id = body.get("DomainIdEquals")
    contains = body.get(f"{name_key}Contains")
    return [
        item
        for item in items
        if (not domain_id or item["DomainId"] == domain_id)
        and (not contains or contains in item[name_key])
    ]


class StudioBackend:
    """User profiles, spaces and apps of one sandbox account/region."""

    def __init__(self, domain_exists: Callable[[str], bool]) -> None:
        self.domain_exists = domain_exists
        self.lock = threading.RLock()
        self.region = "us-east-1"
        self.account = "123456789012"
        self.app_delete_seconds = 2.0
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.user_profiles: dict[tuple[str, str], dict[str, Any]] = {}
            self.spaces: dict[tuple[str, str], dict[str, Any]] = {}
            # (domain, owner kind, owner, type, name) -> app; Deleted apps stay until replaced.
            self.apps: dict[tuple[str, str, str, str, str], dict[str, Any]] = {}
            self._seq = 0

    # -- building (scenario loader and Create* operations) -------------------------------

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _record(
        self, domain_id: str, kind: str, name: str, created: datetime | None
    ) -> dict[str, Any]:
        """What every user profile and space has: `<kind>Name`, status, times, order."""
        created = created or _now()
        return {
            "DomainId": domain_id,
            f"{kind}Name": name,
            "Status": "InService",
            "CreationTime": created,
            "LastModifiedTime": created,
            "_seq": self._next_seq(),
        }

    def add_user_profile(
        self, domain_id: str, name: str, created: datetime | None = None
    ) -> dict[str, Any]:
        profile = {
            **self._record(domain_id, "UserProfile", name, created),
            "UserProfileArn": arns.user_profile_arn(self.region, self.account, domain_id, name),
            "HomeEfsFileSystemUid": str(200000 + len(self.user_profiles)),
            "UserSettings": {},
        }
        self.user_profiles[(domain_id, name)] = profile
        return profile

    def add_space(
        self,
        domain_id: str,
        name: str,
        owner: str | None,
        ebs_gb: int,
        app_type: str = "JupyterLab",
        created: datetime | None = None,
    ) -> dict[str, Any]:
        space = {
            **self._record(domain_id, "Space", name, created),
            "SpaceArn": arns.space_arn(self.region, self.account, domain_id, name),
            "HomeEfsFileSystemUid": str(300000 + len(self.spaces)),
            "SpaceSettings": {
                "AppType": app_type,
                "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": ebs_gb}},
            },
            "SpaceSharingSettings": {"SharingType": "Private" if owner else "Shared"},
            "SpaceDisplayName": name,
            "Url": f"https://{domain_id}.studio.{self.region}.sagemaker.aws/jupyterlab/default",
        }
        if owner:
            space["OwnershipSettings"] = {"OwnerUserProfileName": owner}
        self.spaces[(domain_id, name)] = space
        return space

    def add_app(
        self,
        domain_id: str,
        app_type: str,
        name: str,
        *,
        space: str | None = None,
        user: str | None = None,
        instance: str | None = None,
        status: str = "InService",
        created: datetime | None = None,
    ) -> dict[str, Any]:
        created = created or _now()
        owner_kind, owner = ("space", space) if space else ("user", user)
        assert owner is not None
        app: dict[str, Any] = {
            "AppArn": arns.app_arn(self.region, self.account, domain_id, owner, app_type, name),
            "AppType": app_type,
            "AppName": name,
            "DomainId": domain_id,
            "Status": status,
            "CreationTime": created,
            "LastHealthCheckTimestamp": created,
            "LastUserActivityTimestamp": created,
            "ResourceSpec": {},
            "_seq": self._next_seq(),
        }
        if space:
            app["SpaceName"] = space
        else:
            app["UserProfileName"] = user
        if instance:
            app["ResourceSpec"]["InstanceType"] = instance
        if status == "Deleting":
            app["_deleting_since"] = time.monotonic()
        self.apps[(domain_id, owner_kind, owner, app_type, name)] = app
        return app

    # -- helpers ------------------------------------------------------------------------

    def _domain(self, body: dict[str, Any]) -> str:
        domain_id = body.get("DomainId") or body.get("DomainIdEquals")
        if not domain_id or not self.domain_exists(domain_id):
            raise StudioError("ResourceNotFound", f"Domain {domain_id!r} not found.")
        return domain_id

    def _refresh(self, app: dict[str, Any]) -> dict[str, Any]:
        """Deleting apps become Deleted after `app_delete_seconds`, as AWS does."""
        since = app.get("_deleting_since")
        if app["Status"] == "Deleting" and since is not None:
            if time.monotonic() - since >= self.app_delete_seconds:
                app["Status"] = "Deleted"
        return app

    def _app_key(self, body: dict[str, Any]) -> tuple[str, str, str, str, str]:
        domain_id = self._domain(body)
        space, user = body.get("SpaceName"), body.get("UserProfileName")
        if bool(space) == bool(user):
            raise StudioError(
                "ValidationException", "Specify exactly one of SpaceName or UserProfileName."
            )
        app_type, name = body.get("AppType"), body.get("AppName")
        if app_type not in APP_TYPES:
            raise StudioError(
                "ValidationException",
                f"Value {app_type!r} at 'appType' failed to satisfy constraint.",
            )
        if not name:
            raise StudioError("ValidationException", "AppName is required.")
        if space:
            return (domain_id, "space", space, app_type, name)
        return (domain_id, "user", user, app_type, name)

    @staticmethod
    def _public(item: dict[str, Any], keys: tuple[str, ...] | None = None) -> dict[str, Any]:
        out = {k: v for k, v in item.items() if not k.startswith("_")}
        if keys is not None:
            out = {k: v for k, v in out.items() if k in keys}
        return out

    # -- operations ---------------------------------------------------------------------

    def handle(
        self, operation: str, body: dict[str, Any], region: str | None = None
    ) -> dict[str, Any]:
        """Serve one operation; a call signed for another region sees an empty region."""
        method = getattr(self, f"op_{operation}", None)
        if method is None:
            raise KeyError(operation)
        if region and region != self.region:
            if operation.startswith("List"):
                key = {
                    "ListApps": "Apps",
                    "ListSpaces": "Spaces",
                    "ListUserProfiles": "UserProfiles",
                }
                return {key[operation]: []}
            raise StudioError("ResourceNotFound", f"Domain {body.get('DomainId')!r} not found.")
        with self.lock:
            return method(body)

    def list_tags(self, arn: str) -> dict[str, Any] | None:
        """ListTags for a Studio ARN (user profile, space, app); None if not one of ours."""
        with self.lock:
            for item in [*self.user_profiles.values(), *self.spaces.values(), *self.apps.values()]:
                own = (item.get("UserProfileArn"), item.get("SpaceArn"), item.get("AppArn"))
                if arn.lower() in own:
                    return {"Tags": list(item.get("_tags", []))}
        return None

    def op_CreateUserProfile(self, body: dict[str, Any]) -> dict[str, Any]:
        domain_id = self._domain(body)
        name = body.get("UserProfileName")
        if not name:
            raise StudioError("ValidationException", "UserProfileName is required.")
        if (domain_id, name) in self.user_profiles:
            raise StudioError("ResourceInUse", f"User profile {name!r} already exists.")
        profile = self.add_user_profile(domain_id, name)
        profile["UserSettings"] = body.get("UserSettings") or {}
        profile["_tags"] = body.get("Tags") or []
        return {"UserProfileArn": profile["UserProfileArn"]}

    def op_DescribeUserProfile(self, body: dict[str, Any]) -> dict[str, Any]:
        domain_id = self._domain(body)
        profile = self.user_profiles.get((domain_id, body.get("UserProfileName", "")))
        if profile is None:
            raise StudioError(
                "ResourceNotFound", f"User profile {body.get('UserProfileName')!r} not found."
            )
        return self._public(profile)

    def op_ListUserProfiles(self, body: dict[str, Any]) -> dict[str, Any]:
        keys = ("DomainId", "UserProfileName", "Status", "CreationTime", "LastModifiedTime")
        return _listing(
            _named_in_domain(self.user_profiles.values(), body, "UserProfileName"),
            body,
            ("CreationTime", "LastModifiedTime"),
            "UserProfiles",
            lambda p: self._public(p, keys),
        )

    def op_CreateSpace(self, body: dict[str, Any]) -> dict[str, Any]:
        domain_id = self._domain(body)
        name = body.get("SpaceName")
        if not name:
            raise StudioError("ValidationException", "SpaceName is required.")
        if (domain_id, name) in self.spaces:
            raise StudioError("ResourceInUse", f"Space {name!r} already exists.")
        owner = (body.get("OwnershipSettings") or {}).get("OwnerUserProfileName")
        if owner and (domain_id, owner) not in self.user_profiles:
            raise StudioError("ResourceNotFound", f"User profile {owner!r} not found.")
        settings = body.get("SpaceSettings") or {}
        ebs = (
            settings.get("SpaceStorageSettings", {})
            .get("EbsStorageSettings", {})
            .get("EbsVolumeSizeInGb", 5)
        )
        space = self.add_space(domain_id, name, owner, ebs, settings.get("AppType", "JupyterLab"))
        if body.get("SpaceSharingSettings"):
            space["SpaceSharingSettings"] = body["SpaceSharingSettings"]
        if body.get("SpaceDisplayName"):
            space["SpaceDisplayName"] = body["SpaceDisplayName"]
        space["_tags"] = body.get("Tags") or []
        return {"SpaceArn": space["SpaceArn"]}

    def op_DescribeSpace(self, body: dict[str, Any]) -> dict[str, Any]:
        domain_id = self._domain(body)
        space = self.spaces.get((domain_id, body.get("SpaceName", "")))
        if space is None:
            raise StudioError("ResourceNotFound", f"Space {body.get('SpaceName')!r} not found.")
        return self._public(space)

    def op_ListSpaces(self, body: dict[str, Any]) -> dict[str, Any]:
        keys = (
            "DomainId",
            "SpaceName",
            "Status",
            "CreationTime",
            "LastModifiedTime",
            "SpaceDisplayName",
        )

        def summary(s: dict[str, Any]) -> dict[str, Any]:
            out = self._public(s, keys)
            out["SpaceSettingsSummary"] = {
                "AppType": s["SpaceSettings"]["AppType"],
                "SpaceStorageSettings": s["SpaceSettings"]["SpaceStorageSettings"],
            }
            out["SpaceSharingSettingsSummary"] = s["SpaceSharingSettings"]
            if "OwnershipSettings" in s:
                out["OwnershipSettingsSummary"] = s["OwnershipSettings"]
            return out

        return _listing(
            _named_in_domain(self.spaces.values(), body, "SpaceName"),
            body,
            ("CreationTime", "LastModifiedTime"),
            "Spaces",
            summary,
        )

    def op_CreateApp(self, body: dict[str, Any]) -> dict[str, Any]:
        key = self._app_key(body)
        domain_id, owner_kind, owner, app_type, name = key
        if owner_kind == "space":
            if (domain_id, owner) not in self.spaces:
                raise StudioError("ResourceNotFound", f"Space {owner!r} not found.")
            if app_type not in IN_SPACE_APP_TYPES:
                raise StudioError("ValidationException", f"{app_type} apps cannot run in a space.")
        elif (domain_id, owner) not in self.user_profiles:
            raise StudioError("ResourceNotFound", f"User profile {owner!r} not found.")
        existing = self.apps.get(key)
        if existing is not None and self._refresh(existing)["Status"] not in ("Deleted", "Failed"):
            raise StudioError("ResourceInUse", f"App {name!r} of type {app_type} already exists.")
        spec = dict(body.get("ResourceSpec") or {})
        instance = spec.get("InstanceType") or DEFAULT_INSTANCE.get(app_type, DEFAULT_APP_INSTANCE)
        app = self.add_app(
            domain_id,
            app_type,
            name,
            space=owner if owner_kind == "space" else None,
            user=owner if owner_kind == "user" else None,
            instance=instance,
        )
        app["ResourceSpec"].update({k: v for k, v in spec.items() if k != "InstanceType"})
        app["_tags"] = body.get("Tags") or []
        return {"AppArn": app["AppArn"]}

    def op_DescribeApp(self, body: dict[str, Any]) -> dict[str, Any]:
        app = self.apps.get(self._app_key(body))
        if app is None:
            raise StudioError("ResourceNotFound", f"App {body.get('AppName')!r} does not exist.")
        return self._public(self._refresh(app))

    def op_DeleteApp(self, body: dict[str, Any]) -> dict[str, Any]:
        app = self.apps.get(self._app_key(body))
        if app is None or self._refresh(app)["Status"] in ("Deleted", "Deleting"):
            raise StudioError("ResourceNotFound", f"App {body.get('AppName')!r} does not exist.")
        app["Status"] = "Deleting"
        app["_deleting_since"] = time.monotonic()
        return {}

    def op_ListApps(self, body: dict[str, Any]) -> dict[str, Any]:
        domain_id = body.get("DomainIdEquals")
        user = body.get("UserProfileNameEquals")
        space = body.get("SpaceNameEquals")
        if user and space:
            raise StudioError(
                "ValidationException",
                "Specify at most one of UserProfileNameEquals and SpaceNameEquals.",
            )
        items = [
            self._refresh(a)
            for a in self.apps.values()
            if (not domain_id or a["DomainId"] == domain_id)
            and (not user or a.get("UserProfileName") == user)
            and (not space or a.get("SpaceName") == space)
        ]
        keys = (
            "DomainId",
            "UserProfileName",
            "SpaceName",
            "AppType",
            "AppName",
            "Status",
            "CreationTime",
            "ResourceSpec",
        )
        return _listing(items, body, ("CreationTime",), "Apps", lambda a: self._public(a, keys))


OPERATIONS = frozenset(name[3:] for name in dir(StudioBackend) if name.startswith("op_"))
