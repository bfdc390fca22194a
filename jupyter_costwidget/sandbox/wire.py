"""What an AWS request on the wire is ("<service>.<Operation>", protocol) and how AWS
writes errors for each protocol, so injected faults parse in botocore exactly like real ones.
"""

from __future__ import annotations

import json
import re
import struct
import uuid
from dataclasses import dataclass
from functools import cache
from urllib.parse import parse_qs

import botocore.session

# X-Amz-Target prefixes (JSON and CBOR protocols) -> the service names used in call counts.
TARGET_PREFIXES = {
    "SageMaker": "sagemaker",
    "AWSPriceListService": "pricing",
    "AWSInsightsIndexService": "ce",
    "AWSBudgetServiceGateway": "budgets",
    "GraniteServiceVersion20100801": "cloudwatch",
}
# SigV4 signing names -> call-count service names.
SIGNING_NAMES = {"monitoring": "cloudwatch", "api.pricing": "pricing"}
# Signing names of REST services, mapped to botocore's model name.
REST_MODELS = {"elasticfilesystem": "efs"}
_CREDENTIAL = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
_CBOR_PATH = re.compile(r"^/service/([^/]+)/operation/([^/?]+)")


@dataclass(frozen=True)
class Call:
    service: str
    operation: str
    protocol: str  # json | cbor | query | rest-json | rest-xml
    region: str | None = None

    @property
    def key(self) -> str:
        return f"{self.service}.{self.operation}"


def identify(environ: dict, body: bytes) -> Call | None:
    """The AWS call a WSGI request makes, or None if it is not one we recognise."""
    region = signing = None
    match = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    if match:
        region, signing = match.group(1), match.group(2)
    path = environ.get("PATH_INFO", "")
    cbor = _CBOR_PATH.match(path)
    if cbor:
        service = TARGET_PREFIXES.get(cbor.group(1), cbor.group(1).lower())
        return Call(service, cbor.group(2), "cbor", region)
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if "." in target:
        prefix, _, operation = target.partition(".")
        service = (
            TARGET_PREFIXES.get(prefix)
            or SIGNING_NAMES.get(signing or "", signing)
            or prefix.lower()
        )
        return Call(service, operation, "json", region)
    service = SIGNING_NAMES.get(signing or "", signing or "")
    if signing == "s3":
        operation = s3_operation(environ.get("REQUEST_METHOD", "GET"), path, environ)
        return Call("s3", operation, "rest-xml", region) if operation else None
    if signing in REST_MODELS:
        operation = rest_operation(REST_MODELS[signing], environ.get("REQUEST_METHOD", "GET"), path)
        if operation:
            return Call(signing, operation, "rest-json", region)
    action = parse_qs(environ.get("QUERY_STRING", "")).get("Action")
    ctype = environ.get("CONTENT_TYPE", "")
    if not action and "x-www-form-urlencoded" in ctype:
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
    if action and service:
        return Call(service, action[0], "query", region)
    return None


@cache
def _rest_routes(model_name: str) -> list[tuple[str, re.Pattern[str], int, str]]:
    model = botocore.session.get_session().get_service_model(model_name)
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http["requestUri"].split("?")[0]
        literal = len(re.sub(r"\{[^}]+\}", "", uri))
        pattern = re.sub(r"\{[^}]+\+\}", ".+", uri)
        pattern = re.sub(r"\{[^}]+\}", "[^/]+", pattern)
        routes.append((http["method"], re.compile(f"^{pattern.rstrip('/')}/?$"), literal, name))
    routes.sort(key=lambda r: -r[2])
    return routes


def rest_operation(model_name: str, method: str, path: str) -> str | None:
    for route_method, pattern, _, name in _rest_routes(model_name):
        if route_method == method and pattern.match(path):
            return name
    return None


def s3_operation(method: str, path: str, environ: dict) -> str | None:
    """The S3 operations the collector and readers use, by path-style request (S3's REST
    routes differ by headers and query words, which botocore's URI templates do not show)."""
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    bucket, _, key = path.lstrip("/").partition("/")
    if not bucket:
        return "ListBuckets" if method == "GET" else None
    if not key:
        if method == "GET":
            return "ListObjectsV2" if query.get("list-type") == ["2"] else "ListObjects"
        return {"PUT": "CreateBucket", "HEAD": "HeadBucket", "DELETE": "DeleteBucket"}.get(method)
    if method == "PUT" and environ.get("HTTP_X_AMZ_COPY_SOURCE"):
        return "CopyObject"
    return {
        "GET": "GetObject",
        "PUT": "PutObject",
        "HEAD": "HeadObject",
        "DELETE": "DeleteObject",
    }.get(method)


def _cbor_text(value: str) -> bytes:
    data = value.encode()
    n = len(data)
    if n < 24:
        head = bytes([0x60 | n])
    elif n < 256:
        head = bytes([0x78, n])
    else:
        head = bytes([0x79]) + struct.pack(">H", n)
    return head + data


def cbor_map(values: dict[str, str]) -> bytes:
    """A CBOR map of strings (enough for error bodies)."""
    out = bytes([0xA0 | len(values)])
    for key, value in values.items():
        out += _cbor_text(key) + _cbor_text(value)
    return out


def error_response(
    call: Call | None, status: int, code: str, message: str
) -> tuple[str, list[tuple[str, str]], bytes]:
    """(status line, headers, body) of an AWS error for the call's protocol."""
    request_id = str(uuid.uuid4())
    status_line = f"{status} {_REASONS.get(status, 'Error')}"
    headers = [("x-amzn-RequestId", request_id)]
    protocol = call.protocol if call else "json"
    if protocol == "cbor":
        headers += [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor")]
        body = cbor_map({"__type": code, "message": message})
    elif protocol == "query":
        headers.append(("Content-Type", "text/xml"))
        body = (
            '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error>'
            f"<Type>{'Receiver' if status >= 500 else 'Sender'}</Type><Code>{code}</Code>"
            f"<Message>{_xml_escape(message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
    elif protocol == "rest-xml":  # S3
        headers.append(("Content-Type", "application/xml"))
        body = (
            f"<Error><Code>{code}</Code><Message>{_xml_escape(message)}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>"
        ).encode()
    elif protocol == "rest-json":
        headers += [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)]
        body = json.dumps({"ErrorCode": code, "Message": message, "message": message}).encode()
    else:
        headers += [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code)]
        body = json.dumps({"__type": code, "message": message}).encode()
    headers.append(("Content-Length", str(len(body))))
    return status_line, headers, body


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_REASONS = {
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
