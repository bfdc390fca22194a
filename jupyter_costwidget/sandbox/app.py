"""The sandbox's WSGI application: control API, call counts and faults in front of moto,
plus the operations moto lacks (Studio user profiles/spaces/apps, Pricing GetProducts, Cost
Explorer from the scenario's `billing`)."""

from __future__ import annotations

import io
import json
import threading
import time
import uuid
from collections import Counter
from datetime import datetime
from typing import Any

from moto.sagemaker.models import sagemaker_backends
from moto.server import DomainDispatcherApplication, create_backend_app

from . import job_stops as _job_stops  # noqa: F401 - adds Stop*Job to moto
from . import loader
from . import warm_pools as _warm_pools  # noqa: F401 - adds training warm pools to moto
from .aws_shape import amend
from .billing import OPERATIONS as CE_OPERATIONS
from .billing import BillingError, CostExplorer, load_budgets
from .faults import FaultError, Faults
from .managed import OPERATIONS as MANAGED_OPERATIONS
from .managed import ManagedServices
from .metadata import resource_metadata
from .pricing import PriceList
from .scenario import ScenarioError, parse_scenario
from .studio import OPERATIONS as STUDIO_OPERATIONS
from .studio import StudioBackend, StudioError
from .wire import Call, error_response, identify

CONTROL_PREFIX = "/_sandbox/"
DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"
_ERROR_CODES = {
    # (fault kind, protocol) -> AWS error code
    ("throttle", "query"): "Throttling",
    ("throttle", None): "ThrottlingException",
    ("deny", "query"): "AccessDenied",
    ("deny", None): "AccessDeniedException",
    # S3's own words (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
    ("throttle", "rest-xml"): "SlowDown",
    ("deny", "rest-xml"): "AccessDenied",
}


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()  # JSON protocols send timestamps as epoch seconds
    raise TypeError(type(value).__name__)


class SandboxApp:
    """WSGI app: `/_sandbox/*` control routes, then AWS calls (counted, faulted, served)."""

    def __init__(self) -> None:
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.lock = threading.RLock()  # moto's backends are not thread-safe
        self.scenario: dict[str, Any] | None = None
        self.region = DEFAULT_REGION
        self.account = DEFAULT_ACCOUNT
        self.studio = StudioBackend(self._domain_exists)
        # Studio of the scenario's other regions (`other_regions`), by region.
        self.other_studios: dict[str, StudioBackend] = {}
        self.managed = ManagedServices()
        self.prices = PriceList()
        self.cost_explorer = CostExplorer()
        self.faults = Faults()
        self._calls: Counter[str] = Counter()
        self._calls_lock = threading.Lock()

    # -- state -------------------------------------------------------------------------

    def _domain_exists(self, domain_id: str) -> bool:
        return domain_id in sagemaker_backends[self.account][self.region].domains

    def _domain_check(self, region: str) -> Any:
        return lambda domain_id: domain_id in sagemaker_backends[self.account][region].domains

    def reset(self) -> None:
        """Empty account, no faults, zero counts."""
        with self.lock:
            loader.reset_moto()
            self.studio.reset()
            self.other_studios = {}
            self.managed.reset()
            self.prices.set_overrides([])
            self.cost_explorer.set(None)
            self.scenario = None
            self.region, self.account = DEFAULT_REGION, DEFAULT_ACCOUNT
        self.faults.clear()
        self.reset_calls()

    def load(self, data: Any) -> dict[str, Any]:
        """Validate, then replace the whole account with the scenario (all or nothing)."""
        scenario = parse_scenario(data)  # raises ScenarioError; nothing touched yet
        with self.lock, self.studio.lock:
            loader.reset_moto()
            self.studio.reset()
            self.managed.reset()
            self.region, self.account = scenario["region"], scenario["account"]
            self.other_studios = {
                region: StudioBackend(self._domain_check(region))
                for region in scenario["other_regions"]
            }
            try:
                loader.apply(scenario, self.studio, self.managed)
                for region, part in scenario["other_regions"].items():
                    part["app_delete_seconds"] = scenario["app_delete_seconds"]
                    loader.apply(part, self.other_studios[region], self.managed)
                self.prices.set_overrides(scenario["prices"])
                load_budgets(scenario.get("billing"), self.account)
                self.cost_explorer.set(scenario.get("billing"), scenario["region"])
            except Exception:
                loader.reset_moto()
                self.studio.reset()
                self.other_studios = {}
                self.managed.reset()
                self.cost_explorer.set(None)
                self.scenario = None
                raise
            self.scenario = scenario
        return {"loaded": True, "region": self.region, "account": self.account}

    def calls(self) -> dict[str, int]:
        with self._calls_lock:
            return dict(self._calls)

    def sns_messages(self) -> list[dict[str, Any]]:
        """What was published to the account's SNS topics (moto keeps it), oldest first."""
        from moto.sns.models import sns_backends

        out = []
        with self.lock:
            for region, backend in sns_backends[self.account].items():
                for arn, topic in sorted(backend.topics.items()):
                    for message_id, message, subject, *_ in topic.sent_notifications:
                        out.append(
                            {
                                "topic_arn": arn,
                                "region": region,
                                "message_id": message_id,
                                "subject": subject,
                                "message": message,
                            }
                        )
        return out

    def reset_calls(self) -> None:
        with self._calls_lock:
            self._calls.clear()

    # -- WSGI --------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        body = _read_body(environ)
        if path.startswith(CONTROL_PREFIX) or path == CONTROL_PREFIX.rstrip("/"):
            return self._control(environ, body, start_response)
        call = identify(environ, body)
        if call is not None:
            with self._calls_lock:
                self._calls[call.key] += 1
            decision = self.faults.decide(call.key)
            if decision.latency_ms:
                time.sleep(decision.latency_ms / 1000.0)
            if decision.error is not None:
                status, kind, message = decision.error
                if kind == "deny" and call.protocol in ("query", "rest-xml"):
                    status = 403  # query-protocol services and S3 answer AccessDenied with 403
                if kind == "throttle" and call.protocol == "rest-xml":
                    status = 503  # S3's SlowDown
                code = _ERROR_CODES.get((kind, call.protocol)) or _ERROR_CODES.get((kind, None))
                if code is None:
                    code = "ServiceUnavailable" if status == 503 else "InternalFailure"
                    if status < 500:
                        code = "ValidationException"
                return self._send(start_response, *error_response(call, status, code, message))
        # moto picks the account from this header (the scenario's account).
        environ["HTTP_X_MOTO_ACCOUNT_ID"] = self.account
        if call is not None and call.protocol == "json":
            handled = self._own_operation(call, body)
            if handled is not None:
                return self._send(start_response, *handled)
        answered: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            answered[:] = [status, headers]
            return lambda _data: None  # moto returns its body; nothing is written early

        with self.lock:
            # moto builds whole responses; read them while holding the lock.
            body = b"".join(self.moto(environ, capture))
        status, headers = answered
        if call is not None:
            body = amend(call.service, call.operation, body)
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def _own_operation(
        self, call: Call, body: bytes
    ) -> tuple[str, list[tuple[str, str]], bytes] | None:
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            return error_response(call, 400, "SerializationException", "Malformed JSON body.")
        try:
            if call.service == "sagemaker" and call.operation in STUDIO_OPERATIONS:
                studio = self.other_studios.get(call.region or "", self.studio)
                result = studio.handle(call.operation, params, call.region)
            elif call.service == "sagemaker" and call.operation in MANAGED_OPERATIONS:
                region = call.region or self.region
                result = self.managed.handle(call.operation, params, region)
            elif call.service == "sagemaker" and call.operation == "ListTags":
                arn = str(params.get("ResourceArn", ""))
                found = [
                    studio.list_tags(arn) for studio in (self.studio, *self.other_studios.values())
                ]
                tags = next((t for t in found if t is not None), self.managed.list_tags(arn))
                if tags is None:
                    return None  # moto's resources (endpoints, jobs, ...)
                result = tags
            elif call.service == "ce" and call.operation in CE_OPERATIONS:
                result = self.cost_explorer.handle(call.operation, params)
            elif call.service == "pricing" and call.operation == "GetProducts":
                result = self.prices.get_products(params)
            elif call.service == "pricing" and call.operation == "DescribeServices":
                result = {
                    "Services": [
                        {
                            "ServiceCode": "AmazonSageMaker",
                            "AttributeNames": [
                                "regionCode",
                                "instanceName",
                                "component",
                                "platoinstancetype",
                                "usagetype",
                                "location",
                            ],
                        }
                    ],
                    "FormatVersion": "aws_v1",
                }
            elif call.service == "pricing":
                return error_response(
                    call,
                    400,
                    "UnknownOperationException",
                    f"{call.operation} is not supported by the sandbox.",
                )
            else:
                return None
        except (StudioError, BillingError) as exc:
            return error_response(call, exc.status, exc.code, exc.message)
        payload = json.dumps(result, default=_json_default).encode()
        headers = [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-RequestId", str(uuid.uuid4())),
            ("Content-Length", str(len(payload))),
        ]
        return "200 OK", headers, payload

    # -- control API -------------------------------------------------------------------

    def _control(self, environ: dict[str, Any], body: bytes, start_response: Any) -> Any:
        method = environ.get("REQUEST_METHOD", "GET")
        route = environ.get("PATH_INFO", "")[len(CONTROL_PREFIX) :].strip("/")
        try:
            data = json.loads(body) if body.strip() else None
        except ValueError:
            return self._reply(start_response, 400, {"error": "body is not valid JSON"})
        try:
            if (method, route) == ("POST", "scenario"):
                return self._reply(start_response, 200, self.load(data))
            if (method, route) == ("GET", "scenario"):
                return self._reply(start_response, 200, {"scenario": self.scenario})
            if (method, route) == ("GET", "metadata"):
                meta = resource_metadata(self.scenario)
                if meta is None:
                    return self._reply(start_response, 404, {"error": "the scenario has no 'me'"})
                return self._reply(start_response, 200, meta)
            if (method, route) == ("POST", "reset"):
                self.reset()
                return self._reply(start_response, 200, {"reset": True})
            if (method, route) == ("GET", "calls"):
                return self._reply(start_response, 200, self.calls())
            if (method, route) == ("POST", "calls/reset"):
                self.reset_calls()
                return self._reply(start_response, 200, {})
            if (method, route) == ("POST", "faults"):
                self.faults.add(data)
                return self._reply(start_response, 200, self.faults.as_dict())
            if (method, route) == ("DELETE", "faults"):
                self.faults.clear()
                return self._reply(start_response, 200, self.faults.as_dict())
            if (method, route) == ("GET", "sns/messages"):
                return self._reply(start_response, 200, {"messages": self.sns_messages()})
            if (method, route) == ("GET", "faults"):
                return self._reply(start_response, 200, self.faults.as_dict())
            if (method, route) in (("GET", ""), ("GET", "status")):
                return self._reply(
                    start_response,
                    200,
                    {
                        "region": self.region,
                        "account": self.account,
                        "loaded": self.scenario is not None,
                    },
                )
        except ScenarioError as exc:
            return self._reply(start_response, 400, {"error": str(exc), "field": exc.field})
        except FaultError as exc:
            return self._reply(start_response, 400, {"error": str(exc)})
        except Exception as exc:  # noqa: BLE001 - the control API reports, never crashes
            return self._reply(start_response, 500, {"error": f"{type(exc).__name__}: {exc}"})
        return self._reply(
            start_response, 404, {"error": f"no control route {method} /_sandbox/{route}"}
        )

    @staticmethod
    def _send(
        start_response: Any, status: str, headers: list[tuple[str, str]], body: bytes
    ) -> list[bytes]:
        start_response(status, headers)
        return [body]

    def _reply(self, start_response: Any, status: int, payload: Any) -> list[bytes]:
        body = json.dumps(payload, default=_json_default).encode()
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}.get(status, "Error")
        return self._send(
            start_response,
            f"{status} {reason}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            body,
        )


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    body = stream.read(length) if (stream is not None and length > 0) else b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body
