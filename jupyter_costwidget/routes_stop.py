"""POST {base_url}costwidget/api/resources/stop {"id": ..., "confirm": true}: stop one resource."""

from __future__ import annotations

from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized

from .aws import AwsError, describe_error
from .routes import BadRequest, CostWidgetHandler
from .stop import StopRefused, check_allowed, stop_call, stop_resource


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
        spend = getattr(state, "spend", None)
        if spend is None:
            self.write_json({"message": "The spend engine is not running.", "status": 503}, 503)
            return
        resource = await self._find(spend, resource_id)
        who = self._who()
        if resource is None:
            self.write_json(
                {"message": f"No resource with id {resource_id!r}.", "status": 404}, 404
            )
            return
        try:
            check_allowed(resource, state.config.allow_stop)
            call = stop_call(resource)
        except StopRefused as refused:
            state.log.warning(
                "costwidget stop refused: user=%s id=%s status=%s reason=%s",
                who,
                resource_id,
                refused.status,
                refused.message,
            )
            self.write_json(
                {"message": refused.message, "status": refused.status, "id": resource_id},
                refused.status,
            )
            return

        try:
            result = await state.run_blocking(stop_resource, state.aws, call)
        except Exception as exc:  # noqa: BLE001 - every AWS failure is reported with its hint
            error = exc if isinstance(exc, AwsError) else describe_error(call.source, exc)
            state.log.warning(
                "costwidget stop failed: user=%s id=%s action=%s code=%s",
                who,
                resource_id,
                call.source,
                error.code,
            )
            self.write_json(
                {
                    "message": f"{call.source} failed: {error.message}",
                    "status": 502,
                    "id": resource_id,
                    "error": error.as_dict(),
                },
                502,
            )
            return

        state.log.info(
            "costwidget stop: user=%s id=%s action=%s per_hour=%s result=ok",
            who,
            resource_id,
            call.source,
            resource.get("per_hour"),
        )
        # The next snapshot must not show the stopped resource as running.
        _request_refresh(spend)
        self.write_json(
            {
                "id": resource_id,
                "kind": resource.get("kind"),
                "name": resource.get("name"),
                "per_hour": resource.get("per_hour"),
                **result,
                "message": f"{call.source} sent for {resource.get('name') or resource_id}.",
            }
        )

    async def _find(self, spend: Any, resource_id: str) -> dict[str, Any] | None:
        resource = spend.find_resource(resource_id)
        if resource is None and not (spend.snapshot() or {}).get("generated_at"):
            # No scan has finished yet (fresh server): wait for the first one, once.
            await spend.refresh()
            resource = spend.find_resource(resource_id)
        return resource

    def _who(self) -> str:
        user = self.current_user
        return str(getattr(user, "username", None) or getattr(user, "name", None) or user)


def _request_refresh(spend: Any) -> None:
    invalidate = getattr(spend, "invalidate", None)
    if callable(invalidate):
        invalidate()


ROUTES: list[tuple[str, type[CostWidgetHandler]]] = [("resources/stop", StopResourceHandler)]
