"""POST {base_url}costwidget/api/resources/stop {"id": ..., "confirm": true}: stop one resource."""

from __future__ import annotations

from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized

from jupyter_costwidget.api import models
from jupyter_costwidget.api.handlers import BadRequest, CostWidgetHandler
from jupyter_costwidget.aws.clients import AwsError, describe_error
from jupyter_costwidget.aws.context import Context
from jupyter_costwidget.aws.ownership import Home
from jupyter_costwidget.spend.arithmetic import scopes_of
from jupyter_costwidget.spend.resources import APP, Resource
from jupyter_costwidget.stop.rules import (
    STATUS_AFTER_STOP,
    StopRefused,
    check_allowed,
    stop_call,
    stop_resource,
)
from jupyter_costwidget.stop.verify import Current, changes, describe_current, describe_operation


class StopResourceHandler(CostWidgetHandler):
    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_body()
        resource_id = body.get("id")
        if not isinstance(resource_id, str) or not resource_id:
            raise BadRequest(
                'Body must name the resource: {"id": "<resource id>", "confirm": true}.'
            )
        if body.get("confirm") is not True:
            raise BadRequest('Stopping needs explicit confirmation: send "confirm": true.')

        state = self.costwidget
        spend = state.spend
        if spend is None:
            self.write_api_error(503, "The spend engine is not running.")
            return
        shown_id = echo(resource_id)
        resource = await self._find(spend, resource_id)
        who = self._who(spend)
        if resource is None:
            self.write_api_error(404, f"No resource with id {shown_id!r}.")
            return
        try:
            check_allowed(resource, state.config.allow_stop)
            call = stop_call(resource)
            # The snapshot may be old: act only on what AWS says about it now.
            ctx = spend.context
            home = Home(ctx.account, ctx.region) if ctx and ctx.account and ctx.region else None
            current = await state.run_blocking(
                describe_current, state.aws, resource["kind"], call, spend.names(), home
            )
            changed = changes(resource, current)
            if changed:
                spend.invalidate()
                raise StopRefused(
                    409,
                    f"{resource.get('name')} changed since the last scan ({'; '.join(changed)}); "
                    "nothing was stopped. Check it in the refreshed list and try again.",
                )
            check_allowed(
                {**resource, "scopes": fresh_scopes(resource, current, spend.context)},
                state.config.allow_stop,
            )
        except StopRefused as refused:
            state.log.warning(
                "costwidget stop refused: %s id=%s status=%s reason=%s",
                who,
                shown_id,
                refused.status,
                refused.message,
            )
            self.write_api_error(refused.status, refused.message, id=resource_id)
            return
        except AwsError as error:
            self._failed(who, resource_id, f"sagemaker.{describe_operation(resource)}", error)
            return

        try:
            result = await state.run_blocking(stop_resource, state.aws, call)
        except Exception as exc:  # noqa: BLE001 - every AWS failure is reported with its hint
            error = exc if isinstance(exc, AwsError) else describe_error(call.source, exc)
            self._failed(who, resource_id, call.source, error)
            return

        state.log.info(
            "costwidget stop: %s id=%s arn=%s action=%s per_hour=%s result=ok",
            who,
            resource_id,
            current.arn,
            call.source,
            resource.get("per_hour"),
        )
        # The next snapshot must not show the stopped resource as running.
        spend.stop_sent(resource_id, STATUS_AFTER_STOP[call.operation])
        self.write_model(
            models.StopResult(
                id=resource_id,
                kind=resource["kind"],
                name=resource["name"],
                per_hour=resource.get("per_hour"),
                action=result["action"],
                params=result["params"],
                message=f"{call.source} sent for {resource.get('name') or resource_id}.",
            )
        )

    def _failed(self, who: str, resource_id: str, action: str, error: AwsError) -> None:
        self.costwidget.log.warning(
            "costwidget stop failed: %s id=%s action=%s code=%s",
            who,
            resource_id,
            action,
            error.code,
        )
        self.write_api_error(
            502,
            f"{action} failed: {error.message}",
            id=resource_id,
            error=models.SourceError(**error.as_dict()),
        )

    async def _find(self, spend: Any, resource_id: str) -> dict[str, Any] | None:
        resource = spend.find_resource(resource_id)
        if resource is None and not (spend.snapshot() or {}).get("generated_at"):
            # No scan has finished yet (fresh server): wait for the first one, once.
            await spend.refresh()
            resource = spend.find_resource(resource_id)
        return resource

    def _who(self, spend: Any) -> str:
        """Who asked, for the audit log: the Jupyter user and this server's SageMaker identity."""
        user = self.current_user
        name = getattr(user, "username", None) or getattr(user, "name", None) or user
        ctx = spend.context
        identity = (
            f" domain={ctx.domain_id} user_profile={ctx.user_profile} space={ctx.space}"
            if ctx is not None and ctx.domain_id
            else ""
        )
        return f"user={name}{identity}"


def echo(value: str, limit: int = 80) -> str:
    """User input as it may appear in a message: short, so a huge id is not sent back."""
    return value if len(value) <= limit else f"{value[:limit]}… ({len(value)} characters)"


def fresh_scopes(row: dict[str, Any], current: Current, ctx: Context | None) -> list[str]:
    """The scopes of `row` decided again on what AWS says now."""
    res = Resource(
        id=row["id"],
        kind=row["kind"],
        name=row["name"],
        status=current.status,
        started_at=None,
        usages=[],
        domain_id=current.domain_id,
        owner=current.owner,
        space=current.space,
        user_profile=row.get("owner") if row["kind"] == APP and not current.space else None,
        app_type=row.get("app_type"),
    )
    return scopes_of(res, ctx or Context())


ROUTES: list[tuple[str, type[CostWidgetHandler]]] = [("resources/stop", StopResourceHandler)]
