"""`jupyter costwidget prices update|show` against the sandbox's Pricing GetProducts."""

from __future__ import annotations

import json
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


# Rows of data/pricing/sagemaker_prices.csv per region, less the EFS-Standard row (AmazonEFS's
# offer, not AmazonSageMaker's): `grep -c '^us-east-1,'` = 361, so 360; eu-central-1 217 - 1;
# ap-northeast-1 282 - 1. The sandbox's Pricing API serves exactly these rows.
SAGEMAKER_ROWS = {"us-east-1": 360, "eu-central-1": 216, "ap-northeast-1": 281}


def _snapshot_count(region: str) -> int:
    return SAGEMAKER_ROWS[region]


def test_update_paginates_caches_and_show_reports_refresh(sandbox, data_dir, capsys):
    # The table's row: us-east-1,Hosting,ml.m5.xlarge,0.23,Hrs,USE1-Host:ml.m5.xlarge,S2;
    # the sandbox serves 0.2417 for it.
    snapshot_price = PriceCatalog.snapshot_only().lookup("us-east-1", "Hosting", "ml.m5.xlarge")
    assert snapshot_price is not None and snapshot_price.usd_per_hour == 0.23
    sandbox.load({"prices": [OVERRIDE]})
    sandbox.reset_calls()

    assert main(["prices", "update", "--region", "us-east-1", "--endpoint-url", sandbox.url]) == 0
    assert "us-east-1:" in capsys.readouterr().out

    products = _snapshot_count("us-east-1")  # the sandbox serves the snapshot's rows
    calls = sandbox.calls().get("pricing.GetProducts", 0)
    assert calls == 4  # 360 products, 100 a page: 100 + 100 + 100 + 60
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
    # Every row refreshed but EFS's (us-east-1,EFS-Standard,,0.3,GB-Mo), which is not in the
    # AmazonSageMaker offer and stays the snapshot's.
    assert len(shown["prices"]) == products + 1
    efs = [p["source"] for p in shown["prices"] if p["component"] == "EFS-Standard"]
    rest = {p["source"] for p in shown["prices"] if p["component"] != "EFS-Standard"}
    assert (efs, rest) == (["snapshot"], {"refresh"})
    # Another region is untouched by this refresh.
    other = PriceCatalog.load().lookup("us-west-2", "Hosting", "ml.m5.xlarge")
    assert other is not None and other.source == "snapshot"


def test_update_honours_environment(sandbox, data_dir, capsys, monkeypatch):
    monkeypatch.setenv("COSTWIDGET_ENDPOINT_URL", sandbox.url)
    monkeypatch.setenv("COSTWIDGET_REGION", "eu-central-1")
    sandbox.reset_calls()
    assert main(["prices", "update"]) == 0
    capsys.readouterr()
    assert sandbox.calls().get("pricing.GetProducts", 0) == 3  # 216 products: 100 + 100 + 16
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


def test_real_price_list_storage_and_spelling_are_recognised(sandbox, data_dir):
    # The sandbox serves ML storage the way the AmazonSageMaker offer does: no component,
    # a volumeType "General Purpose-<X>" and a "<P>-<Segment>:VolumeUsage.gp2" usage type;
    # Code Editor spelled "studio-codeeditor". None of these is the project's vocabulary.
    sandbox.load(
        {
            "region": "us-east-1",
            "prices": [
                {"region": "us-east-1", "component": "Studio-CodeEditor",
                 "instance_type": "ml.t3.medium", "usd": "0.05"},
                {"region": "us-east-1", "component": "Processing-Storage", "usd": "0.14",
                 "unit": "GB-Mo"},
            ],
        }
    )  # fmt: skip
    pricing = sandbox.client("pricing")
    products = [
        json.loads(p)
        for p in pricing.get_products(
            ServiceCode="AmazonSageMaker",
            Filters=[{"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-east-1"}],
            MaxResults=100,
        )["PriceList"]
    ]
    attrs = [p["product"]["attributes"] for p in products]
    assert not any(a.get("component", "").endswith("-Storage") for a in attrs)
    assert not any(a.get("component") == "EFS-Standard" for a in attrs)  # AmazonEFS's offer

    assert main(["prices", "update", "--region", "us-east-1", "--endpoint-url", sandbox.url]) == 0
    catalog = PriceCatalog.load()
    code_editor = catalog.lookup("us-east-1", "Studio-CodeEditor", "ml.t3.medium")
    assert code_editor is not None and code_editor.source == "refresh"
    assert code_editor.usd_per_unit == 0.05
    # us-east-1,Notebook-Storage,,0.14,GB-Mo and us-east-1,Studio-Storage,,0.112,GB-Mo (table)
    for component, usd in (("Notebook-Storage", 0.14), ("Studio-Storage", 0.112),
                           ("Processing-Storage", 0.14)):  # fmt: skip
        price = catalog.lookup("us-east-1", component)
        assert price is not None and price.source == "refresh", component
        assert price.usd_per_unit == usd


def test_fetched_at_comes_from_the_injected_clock(sandbox, data_dir):
    from jupyter_costwidget.pricing.refresh import refresh_region

    sandbox.load({})
    result = refresh_region(
        "us-east-1",
        cache_dir=str(data_dir / "prices"),
        endpoint_url=sandbox.url,
        clock=lambda: 1_800_000_000.0,  # 2027-01-15 08:00:00 UTC
    )
    assert result.fetched_at == "2027-01-15T08:00:00Z"
