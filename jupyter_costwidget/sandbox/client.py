"""Talking to a running sandbox: its control API and boto3 clients pointed at it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from .metadata import write_metadata as _write_metadata
from .scenario import read_scenario_file

DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
}


class SandboxControlError(RuntimeError):
    def __init__(self, status: int, payload: Any) -> None:
        message = payload.get("error") if isinstance(payload, dict) else str(payload)
        super().__init__(f"sandbox control API answered {status}: {message}")
        self.status = status
        self.payload = payload
        self.field = payload.get("field") if isinstance(payload, dict) else None


class SandboxClient:
    """A sandbox at `url` (e.g. "http://127.0.0.1:5123")."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        status = self._control("GET", "status")
        self.region: str = status["region"]
        self.account: str = status["account"]

    def _control(self, method: str, route: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}/_sandbox/{route}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            payload = exc.read()
            try:
                parsed = json.loads(payload)
            except ValueError:
                parsed = {"error": payload.decode("utf-8", "replace")}
            raise SandboxControlError(exc.code, parsed) from None

    # -- control API -------------------------------------------------------------------

    def load(self, scenario: dict[str, Any] | str | Path) -> dict[str, Any]:
        """Replace the account with a scenario (a dict, or the path of a JSON/YAML file)."""
        if not isinstance(scenario, dict):
            scenario = read_scenario_file(scenario)
        result = self._control("POST", "scenario", scenario)
        self.region, self.account = result["region"], result["account"]
        return result

    def reset(self) -> None:
        """Empty account (default region/account), no faults, zero call counts."""
        self._control("POST", "reset", {})
        status = self._control("GET", "status")
        self.region, self.account = status["region"], status["account"]

    def scenario(self) -> dict[str, Any] | None:
        return self._control("GET", "scenario")["scenario"]

    def calls(self) -> dict[str, int]:
        return self._control("GET", "calls")

    def reset_calls(self) -> None:
        self._control("POST", "calls/reset", {})

    def fault(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._control("POST", "faults", body)

    def clear_faults(self) -> None:
        self._control("DELETE", "faults")

    def shared_bucket(self, bucket: str, topic: str | None = None) -> str | None:
        """Create the collector's bucket (and SNS topic) in the loaded account, as the
        collector's template does on AWS; returns the topic's ARN."""
        s3 = self.client("s3")
        location = {} if self.region == "us-east-1" else {"LocationConstraint": self.region}
        try:
            s3.create_bucket(
                Bucket=bucket, **({"CreateBucketConfiguration": location} if location else {})
            )
        except s3.exceptions.BucketAlreadyOwnedByYou:
            pass
        if topic is None:
            return None
        return str(self.client("sns").create_topic(Name=topic)["TopicArn"])

    def sns_messages(self) -> list[dict[str, Any]]:
        """Every SNS message published in the account so far (topic_arn, subject, message)."""
        return self._control("GET", "sns/messages")["messages"]

    def metadata(self) -> dict[str, Any]:
        return self._control("GET", "metadata")

    def write_metadata(self, path: str | Path) -> Path:
        """Write resource-metadata.json for the loaded scenario's `me`; returns the path."""
        return _write_metadata(self.metadata(), path)

    # -- pointing things at the sandbox ------------------------------------------------

    def env(self, metadata_file: str | Path | None = None) -> dict[str, str]:
        """Environment for a process that should use this sandbox (dummy credentials)."""
        env = dict(DUMMY_CREDENTIALS)
        env.update(
            {
                "AWS_DEFAULT_REGION": self.region,
                "COSTWIDGET_ENDPOINT_URL": self.url,
                "COSTWIDGET_REGION": self.region,
            }
        )
        if metadata_file is not None:
            env["COSTWIDGET_METADATA_FILE"] = str(metadata_file)
        return env

    def server_config(self, metadata_file: str | Path | None = None) -> dict[str, Any]:
        """`c.CostWidget` settings (a traitlets config dict) that point at this sandbox."""
        cfg: dict[str, Any] = {"endpoint_url": self.url, "region": self.region}
        if metadata_file is not None:
            cfg["metadata_file"] = str(metadata_file)
        return {"CostWidget": cfg}

    def client(self, service: str, **config: Any) -> Any:
        """A boto3 client for `service` talking to the sandbox with dummy credentials.

        Clients are cached per (service, region, config): building one parses botocore's
        service model, which costs far more than a call to the sandbox.
        """
        import boto3
        from botocore.config import Config

        region = "us-east-1" if service == "pricing" else self.region
        if service == "s3":
            config = {"s3": {"addressing_style": "path"}, **config}
        key = (service, region, json.dumps(config, sort_keys=True))
        cache = self.__dict__.setdefault("_clients", {})
        if key not in cache:
            session = self.__dict__.get("_session")
            if session is None:
                session = self.__dict__["_session"] = boto3.session.Session(
                    aws_access_key_id="testing", aws_secret_access_key="testing"
                )
            cache[key] = session.client(
                service,
                region_name=region,
                endpoint_url=self.url,
                config=Config(**config) if config else None,
            )
        return cache[key]
