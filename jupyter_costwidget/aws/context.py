"""Where this server runs: Studio, Studio Classic, a notebook instance, or not on SageMaker.

SageMaker writes `resource-metadata.json` into every app and notebook instance. It names the
app (or notebook instance) and its ARN, which gives region and account. The instance type
and the owner need one AWS call each; they cannot change while this app lives, so the
answers are kept.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from jupyter_costwidget.aws.clients import AwsClients, AwsError

STUDIO = "studio"
STUDIO_CLASSIC = "studio-classic"
NOTEBOOK_INSTANCE = "notebook-instance"
LOCAL = "local"

STUDIO_APP_TYPES = {"JupyterLab", "CodeEditor"}
CLASSIC_APP_TYPES = {"KernelGateway", "JupyterServer", "RSessionGateway", "RStudioServerPro"}

_APP_TYPE_CASE = {t.lower(): t for t in (*STUDIO_APP_TYPES, *CLASSIC_APP_TYPES, "Canvas")}


class ContextProvider(Protocol):
    """Where this server runs and which spaces are its user's, as the spend engine found
    them: all that billing and the idle stop need of it."""

    @property
    def context(self) -> Context | None: ...

    async def first_scan(self, timeout: float) -> None:
        """Until the first scan found the context, at most `timeout` seconds."""

    def my_spaces(self) -> list[str]:
        """Spaces the last scan counted as "mine"."""


@dataclass
class Context:
    """This server's place in AWS. `errors` are AwsError-shaped dicts."""

    environment: str = LOCAL
    region: str | None = None
    account: str | None = None
    domain_id: str | None = None
    user_profile: str | None = None  # the owner: Classic user profile or the space's owner
    space: str | None = None
    app_type: str | None = None
    app_name: str | None = None
    instance_type: str | None = None
    resource_arn: str | None = None
    errors: list[dict[str, str]] = field(default_factory=list)

    def public(self) -> dict[str, Any]:
        """The fields /spend shows (api/models.py `Context`)."""
        data = asdict(self)
        data.pop("errors")
        data.pop("resource_arn")
        return data

    @property
    def complete(self) -> bool:
        """True when nothing is left to ask AWS about."""
        if self.environment == LOCAL:
            return True
        if not self.instance_type:
            return False
        return not (self.environment == STUDIO and self.space and not self.user_profile)


def parse_arn(arn: str) -> dict[str, str]:
    """'arn:aws:sagemaker:<region>:<account>:<resource>' -> parts ({} if not an ARN)."""
    parts = arn.split(":", 5) if isinstance(arn, str) else []
    if len(parts) < 6 or parts[0] != "arn":
        return {}
    return {
        "partition": parts[1],
        "service": parts[2],
        "region": parts[3],
        "account": parts[4],
        "resource": parts[5],
    }


def read_metadata(path: str) -> tuple[dict[str, Any] | None, dict[str, str] | None]:
    """The file's JSON object; (None, error) if malformed; (None, None) if absent."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, _file_error(path, f"cannot be read ({exc.strerror or type(exc).__name__})")
    try:
        data = json.loads(text)
    except ValueError as exc:
        return None, _file_error(path, f"is not valid JSON ({exc})")
    if not isinstance(data, dict):
        return None, _file_error(path, "is not a JSON object")
    return data, None


def _file_error(path: str, problem: str) -> dict[str, str]:
    return {
        "source": "metadata",
        "code": "MalformedMetadata",
        "message": f"The SageMaker metadata file {path} {problem}; treating this server as local.",
        "hint": "Fix or remove the file, or set c.CostWidget.metadata_file to the right path.",
    }


def classify(metadata: dict[str, Any] | None, path: str = "") -> Context:
    """Pure: the context that the metadata file alone describes (no AWS)."""
    if metadata is None:
        return Context()
    arn = metadata.get("ResourceArn")
    arn_parts = parse_arn(arn) if isinstance(arn, str) else {}
    if not arn_parts:
        return Context(errors=[_file_error(path, "has no valid ResourceArn")])
    resource = arn_parts["resource"]
    ctx = Context(
        region=arn_parts["region"] or None, account=arn_parts["account"] or None, resource_arn=arn
    )
    if resource.startswith("notebook-instance/"):
        ctx.environment = NOTEBOOK_INSTANCE
        ctx.app_name = metadata.get("ResourceName") or resource.split("/", 1)[1]
        return ctx
    if not resource.startswith("app/"):
        ctx.errors.append(
            _file_error(path, f"names an unknown kind of resource ({resource.split('/')[0]})")
        )
        return ctx
    # app/<domain>/<user-profile or space>/<AppType>/<AppName>
    pieces = resource.split("/")
    ctx.domain_id = metadata.get("DomainId") or (pieces[1] if len(pieces) > 1 else None)
    # ARNs spell the app type in lower case ("jupyterlab"); the API wants "JupyterLab".
    arn_type = pieces[3] if len(pieces) > 3 else ""
    ctx.app_type = metadata.get("AppType") or _APP_TYPE_CASE.get(arn_type.lower(), arn_type or None)
    arn_name = pieces[4] if len(pieces) > 4 else None
    owner_or_space = pieces[2] if len(pieces) > 2 else None
    space = metadata.get("SpaceName") or None
    user = metadata.get("UserProfileName") or None
    if ctx.app_type in STUDIO_APP_TYPES or (space and not user):
        ctx.environment = STUDIO
        ctx.space = space or owner_or_space
        ctx.app_name = metadata.get("ResourceName") or arn_name
    else:
        ctx.environment = STUDIO_CLASSIC
        ctx.user_profile = user or owner_or_space
        # Studio Classic writes the image name in ResourceName (AWS's example:
        # "datascience--1-0-ml" for the app "datascience--1-0-ml-t3-medium"): the app is the
        # ARN's last part (tests/fixtures/aws/studio-classic-kernelgateway.json).
        ctx.app_name = arn_name or metadata.get("ResourceName")
    if not ctx.domain_id or not ctx.app_type or not ctx.app_name:
        ctx.errors.append(_file_error(path, "lacks DomainId, AppType or the app name"))
        return Context(errors=ctx.errors)
    return ctx


def fill_defaults(ctx: Context, config: Any) -> Context:
    """Region from config, then the boto3 session, when the file did not say."""
    if not ctx.region:
        ctx.region = config.region or _session_region()
    return ctx


def _session_region() -> str | None:
    try:
        import boto3

        return boto3.session.Session().region_name
    except Exception:  # noqa: BLE001 - no region is a normal answer
        return None


def enrich(ctx: Context, aws: AwsClients) -> Context:
    """Ask AWS for what the file does not say: instance type and owner. Blocking (boto3)."""
    ctx.errors = [e for e in ctx.errors if e.get("source") == "metadata"]
    try:
        if ctx.environment == NOTEBOOK_INSTANCE and not ctx.instance_type:
            nb = aws.call(
                "sagemaker", "DescribeNotebookInstance", NotebookInstanceName=ctx.app_name
            )
            ctx.instance_type = nb.get("InstanceType")
        elif ctx.environment in (STUDIO, STUDIO_CLASSIC):
            if ctx.environment == STUDIO and ctx.space and not ctx.user_profile:
                space = aws.call(
                    "sagemaker", "DescribeSpace", DomainId=ctx.domain_id, SpaceName=ctx.space
                )
                owner = (space.get("OwnershipSettings") or {}).get("OwnerUserProfileName")
                ctx.user_profile = owner or None
            if not ctx.instance_type:
                who = (
                    {"SpaceName": ctx.space}
                    if ctx.environment == STUDIO
                    else {"UserProfileName": ctx.user_profile}
                )
                app = aws.call(
                    "sagemaker",
                    "DescribeApp",
                    DomainId=ctx.domain_id,
                    AppType=ctx.app_type,
                    AppName=ctx.app_name,
                    **who,
                )
                ctx.instance_type = (app.get("ResourceSpec") or {}).get("InstanceType")
        elif ctx.environment == LOCAL and not ctx.account and ctx.region:
            ctx.account = aws.call("sts", "GetCallerIdentity").get("Account")
    except AwsError as err:
        # Local servers without credentials are normal: no error entry for the account.
        if ctx.environment != LOCAL:
            ctx.errors.append(err.as_dict())
    return ctx


def detect_context(config: Any, aws_factory: Callable[[str | None], AwsClients]) -> Context:
    """Read the metadata file, classify, and fill in region/account/instance type/owner."""
    path = os.path.expanduser(config.metadata_file or "")
    metadata, error = read_metadata(path) if path else (None, None)
    ctx = classify(metadata, path)
    if error:
        ctx.errors.append(error)
    fill_defaults(ctx, config)
    return enrich(ctx, aws_factory(ctx.region))
