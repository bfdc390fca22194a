"""`jupyter costwidget prices update|show` against the sandbox's Pricing GetProducts."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from jupyter_costwidget.cli import main
from jupyter_costwidget.pricing import PriceCatalog

OVERRIDE = {
    "region": "us-east-1",
    "component": "Hosting",
    "instance_type": "ml.m5.xlarge",
    "usd": "0.2417",
    "unit": "Hrs",
    "usage_type": "USE1-Host:ml.m5.xlarge",
}


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "jupyter-data"
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(path))
    return path


def _snapshot_count(region: str) -> int:
    return len(PriceCatalog.snapshot_only().prices(region))


def test_update_paginates_caches_and_show_reports_refresh(sandbox, data_dir, capsys):
    snapshot_price = PriceCatalog.snapshot_only().lookup("us-east-1", "Hosting", "ml.m5.xlarge")
    assert snapshot_price is not None and snapshot_price.usd_per_hour != float(OVERRIDE["usd"])
    sandbox.load({"prices": [OVERRIDE]})
    sandbox.reset_calls()

    assert main(["prices", "update", "--region", "us-east-1", "--endpoint-url", sandbox.url]) == 0
    assert "us-east-1:" in capsys.readouterr().out

    products = _snapshot_count("us-east-1")  # the sandbox serves the snapshot's rows
    assert products > 100
    calls = sandbox.calls().get("pricing.GetProducts", 0)
    assert calls > 1 and calls == math.ceil(products / 100)  # every page, 100 at a time
    cache = data_dir / "costwidget" / "prices" / "us-east-1.json"
    doc = json.loads(cache.read_text(encoding="utf-8"))
    assert doc["region"] == "us-east-1" and doc["products_seen"] == products
    assert len(doc["prices"]) == products
    assert not list(cache.parent.glob(".*.tmp"))  # atomic write left no temp file

    assert (
        main(["prices", "show", "--region", "us-east-1", "--component", "Hosting", "ml.m5.xlarge"])
        == 0
    )
    line = capsys.readouterr().out.splitlines()[-1]
    assert "source=refresh" in line and "0.2417 USD/Hrs" in line

    assert main(["prices", "show", "--region", "us-east-1", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["refreshed_at"] == doc["fetched_at"]
    assert len(shown["prices"]) == products
    assert {p["source"] for p in shown["prices"]} == {"refresh"}
    # Another region is untouched by this refresh.
    other = PriceCatalog.load().lookup("us-west-2", "Hosting", "ml.m5.xlarge")
    assert other is not None and other.source == "snapshot"


def test_update_honours_environment(sandbox, data_dir, capsys, monkeypatch):
    monkeypatch.setenv("COSTWIDGET_ENDPOINT_URL", sandbox.url)
    monkeypatch.setenv("COSTWIDGET_REGION", "eu-central-1")
    sandbox.reset_calls()
    assert main(["prices", "update"]) == 0
    capsys.readouterr()
    assert sandbox.calls().get("pricing.GetProducts", 0) == math.ceil(
        _snapshot_count("eu-central-1") / 100
    )
    price = PriceCatalog.load().lookup("eu-central-1", "ServerlessInf", "Mem-2GB")
    assert (
        price is not None
        and price.source == "refresh"
        and price.usd_per_hour == pytest.approx(0.00004 * 3600)
    )


def test_update_denied_keeps_previous_cache_and_says_how_to_fix(sandbox, data_dir, capsys):
    assert main(["prices", "update", "--region", "us-east-1", "--endpoint-url", sandbox.url]) == 0
    cache = data_dir / "costwidget" / "prices" / "us-east-1.json"
    before = cache.read_bytes()
    capsys.readouterr()
    sandbox.fault({"deny": ["pricing.GetProducts"]})
    assert main(["prices", "update", "--region", "us-east-1", "--endpoint-url", sandbox.url]) == 1
    err = capsys.readouterr().err
    assert "pricing.GetProducts" in err and "pricing:GetProducts" in err  # the IAM action
    assert "testing" not in err  # no credentials echoed
    assert cache.read_bytes() == before
    price = PriceCatalog.load().lookup("us-east-1", "Hosting", "ml.m5.xlarge")
    assert price is not None and price.source == "refresh"


def test_update_survives_throttling(sandbox, data_dir, capsys):
    sandbox.fault({"throttle": {"operation": "pricing.GetProducts", "count": 1}})
    assert (
        main(["prices", "update", "--region", "ap-northeast-1", "--endpoint-url", sandbox.url]) == 0
    )
    capsys.readouterr()
    catalog = PriceCatalog.load()
    assert catalog.refreshed["ap-northeast-1"]["product_count"] == _snapshot_count("ap-northeast-1")
