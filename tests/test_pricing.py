"""Price catalog: pure lookups over the bundled snapshot and the refresh cache (no AWS)."""

from __future__ import annotations

import csv
import json
import logging
import os
from pathlib import Path

import pytest

from jupyter_costwidget.cli import main
from jupyter_costwidget.pricing import (
    SYSTEM_KERNELGATEWAY_INSTANCE,
    PriceCatalog,
    UnknownComponent,
    UnknownRegion,
    build,
    component_for_app,
)
from jupyter_costwidget.pricing.catalog import SNAPSHOT_PATH
from jupyter_costwidget.pricing.refresh import parse_price_list, write_cache

REPO_ROOT = Path(__file__).resolve().parent.parent


def _csv_path() -> Path:
    path = REPO_ROOT / "data" / "pricing" / "sagemaker_prices.csv"
    assert path.is_file(), f"the repo's price table is missing at {path}"
    return path


@pytest.fixture(scope="module")
def csv_rows() -> list[dict[str, str]]:
    with open(_csv_path(), newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    # data/pricing/SOURCES.md: "Data file: sagemaker_prices.csv (5,607 rows ...)".
    assert len(rows) == 5607
    return rows


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> str:
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter-data"))
    return str(tmp_path / "jupyter-data" / "costwidget" / "prices")


@pytest.fixture
def catalog(cache_dir) -> PriceCatalog:
    return PriceCatalog.load(cache_dir)


def _cache_doc(region: str, rows: list[dict[str, str]], fetched_at: str) -> dict:
    return {"format": 1, "region": region, "fetched_at": fetched_at, "prices": rows}


def _row(region, component, instance_type, usd, unit="Hrs", sku="SKU1") -> dict[str, str]:
    return {
        "region": region,
        "component": component,
        "instance_type": instance_type,
        "usd": usd,
        "unit": unit,
        "usage_type": "",
        "source_id": sku,
    }


# --- every CSV row, with the same number --------------------------------------------------
def test_every_csv_row_is_found_with_the_same_number(catalog, csv_rows):
    per_hour = {"Hrs": 1.0, "GB-Mo": 1 / 730, "second": 3600.0}
    for row in csv_rows:
        price = catalog.lookup(row["region"], row["component"], row["instance_type"])
        where = f"{row['region']} {row['component']} {row['instance_type']}"
        assert price is not None, where
        assert price.usd_per_unit == float(row["usd_per_hour"]), where
        assert price.unit == row["unit"], where
        assert price.usd_per_hour == pytest.approx(
            float(row["usd_per_hour"]) * per_hour[row["unit"]], rel=1e-12
        ), where
        assert (price.source, price.source_id, price.estimate) == (
            "snapshot",
            row["source_id"],
            False,
        ), where


def test_snapshot_rows_and_sources_match_the_csv(csv_rows):
    snapshot = json.loads(SNAPSHOT_PATH.read_text(encoding="utf-8"))
    assert snapshot["format"] == 1
    assert len(snapshot["prices"]) == len(csv_rows)
    keys = [(p["region"], p["component"], p["instance_type"]) for p in snapshot["prices"]]
    assert keys == sorted(keys)
    by_key = {k: p for k, p in zip(keys, snapshot["prices"], strict=True)}
    for row in csv_rows:
        p = by_key[(row["region"], row["component"], row["instance_type"])]
        assert p["usd"] == row["usd_per_hour"]  # the exact string, not a re-rounded float
    used = {r["source_id"] for r in csv_rows}
    assert set(snapshot["sources"]) == used
    for source in snapshot["sources"].values():
        assert source["title"] and source["price_date"] and source["confidence"]
    iso = [s["price_date"] for s in snapshot["sources"].values() if len(s["price_date"]) == 10]
    assert snapshot["effective_date"] == max(iso)


def test_regeneration_from_the_repo_table_is_byte_identical(tmp_path):
    out = tmp_path / "snapshot.json"
    assert build.DEFAULT_CSV == _csv_path()  # `make prices` reads the repo's own copy
    assert build.main(["--out", str(out)]) == 0
    assert out.read_bytes() == SNAPSHOT_PATH.read_bytes()
    assert json.loads(out.read_text())["generated_from"] == "data/pricing/sagemaker_prices.csv"


# --- units --------------------------------------------------------------------------------
def test_storage_converts_at_730_hours_per_month(catalog):
    price = catalog.lookup("us-east-1", "Studio-Storage")
    assert price is not None
    assert (price.unit, price.usd_per_unit) == ("GB-Mo", 0.112)
    assert price.usd_per_hour == pytest.approx(0.112 / 730)
    # Storage has no instance type: one passed by a caller does not hide the price.
    assert catalog.lookup("us-east-1", "Studio-Storage", "ml.t3.medium") == price
    efs = catalog.lookup("us-east-1", "EFS-Standard")
    assert efs is not None and efs.usd_per_hour == pytest.approx(0.30 / 730)


def test_serverless_per_second_converts_to_per_hour_of_compute(catalog):
    price = catalog.lookup("us-east-1", "ServerlessInf", "Mem-3GB")
    assert price is not None
    assert (price.unit, price.usd_per_unit) == ("second", 0.00006)
    assert price.usd_per_hour == pytest.approx(0.216)


# --- unknowns and gaps --------------------------------------------------------------------
def test_unknown_instance_is_none_not_zero(catalog):
    assert catalog.lookup("us-east-1", "Hosting", "ml.nonexistent.xlarge") is None
    # A real region without data, and a component with no price anywhere: gaps stay gaps.
    # (data/pricing has eu-west-2 Hosting ml.m5.xlarge at 0.266, but no eu-west-2 Training row.)
    assert catalog.lookup("eu-west-2", "Training", "ml.m5.xlarge") is None
    # No component has an ml.nonexistent price, so none can be derived either.
    assert catalog.lookup("us-east-1", "Studio-CodeEditor", "ml.nonexistent.xlarge") is None


def test_same_compute_price_is_derived_and_marked(catalog):
    # No Studio-CodeEditor rows at all; data/pricing has
    # us-east-1,Studio-JupyterLab,ml.t3.medium,0.05,Hrs (S1): Code Editor is priced alike.
    price = catalog.lookup("us-east-1", "Studio-CodeEditor", "ml.t3.medium")
    assert price is not None
    assert (price.usd_per_hour, price.source, price.estimate) == (0.05, "derived", False)
    assert "same for notebook instances, Studio Classic" in price.note
    # ap-northeast-1 has no Notebook row for ml.t3.medium; it has
    # ap-northeast-1,Studio-JupyterLab,ml.t3.medium,0.065,Hrs (S1).
    nb = catalog.lookup("ap-northeast-1", "Notebook", "ml.t3.medium")
    assert nb is not None and (nb.usd_per_hour, nb.source) == (0.065, "derived")
    # A list price stays a list price.
    listed = catalog.lookup("us-east-1", "Notebook", "ml.t3.medium")  # 0.05, S3
    assert listed is not None and (listed.usd_per_hour, listed.source) == (0.05, "snapshot")
    # Storage and other products are never derived.
    assert catalog.lookup("ap-northeast-1", "Notebook-Storage") is None
    assert catalog.lookup("eu-west-2", "Training", "ml.m5.xlarge") is None


def test_unknown_region_lists_valid_regions(catalog):
    with pytest.raises(UnknownRegion) as info:
        catalog.lookup("us-middle-7", "Hosting", "ml.m5.xlarge")
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert "us-middle-7" in message and "us-east-1" in message and "eu-west-2" in message
    # The first region, alphabetically, with a row in data/pricing/sagemaker_prices.csv.
    assert "prices known for: af-south-1, ap-east-1" in message


def test_unknown_component_lists_valid_components(catalog):
    with pytest.raises(UnknownComponent) as info:
        catalog.lookup("us-east-1", "Hostingg", "ml.m5.xlarge")
    assert isinstance(info.value, ValueError)
    for name in ("Hosting", "Studio-JupyterLab", "Studio-CodeEditor", "EFS-Standard", "Canvas"):
        assert name in info.value.valid and name in str(info.value)


def test_no_silent_fallback_estimate_is_opt_in_and_labelled(catalog):
    assert catalog.lookup("eu-central-1", "Canvas") is None
    estimate = catalog.lookup("eu-central-1", "Canvas", allow_estimate=True)
    assert estimate is not None and estimate.estimate is True
    assert "us-east-1" in estimate.note and "eu-central-1" in estimate.note
    assert estimate.usd_per_hour == 1.9
    # A region that has its own price is never marked as an estimate.
    tokyo = catalog.lookup("ap-northeast-1", "Canvas", allow_estimate=True)
    assert tokyo is not None and not tokyo.estimate and tokyo.source_id == "SEED000"
    # Nothing to borrow from either: still unknown.
    assert (
        catalog.lookup("eu-west-2", "Training", "ml.nonexistent.xlarge", allow_estimate=True)
        is None
    )


def test_system_instances(catalog):
    assert component_for_app("JupyterLab") == "Studio-JupyterLab"
    assert component_for_app("CodeEditor") == "Studio-CodeEditor"
    assert component_for_app("KernelGateway") == "Studio-Notebook"
    assert component_for_app("Canvas") == "Canvas"
    assert component_for_app("JupyterServer") is None
    free = catalog.price_for_app("us-east-1", "JupyterServer", "system")
    assert free is not None and free.usd_per_hour == 0.0 and free.note == "free system instance"
    assert SYSTEM_KERNELGATEWAY_INSTANCE == "ml.t3.medium"
    kg = catalog.price_for_app("us-east-1", "KernelGateway", "system")
    direct = catalog.lookup("us-east-1", "Studio-Notebook", "ml.t3.medium")
    assert kg is not None and direct is not None
    assert kg.usd_per_hour == direct.usd_per_hour == 0.05
    assert "ml.t3.medium" in kg.note


# --- refresh cache ------------------------------------------------------------------------
def test_refreshed_price_overrides_snapshot_and_reports_its_source(cache_dir):
    before = PriceCatalog.load(cache_dir)
    snap = before.lookup("us-east-1", "Hosting", "ml.m5.xlarge")
    assert snap is not None and snap.source == "snapshot" and snap.usd_per_hour == 0.23
    rows = [_row("us-east-1", "Hosting", "ml.m5.xlarge", "0.2411", sku="ABCSKU")]
    write_cache(cache_dir, "us-east-1", _cache_doc("us-east-1", rows, "2026-11-23T20:00:00Z"))
    after = PriceCatalog.load(cache_dir)  # picks up the new file without a restart
    price = after.lookup("us-east-1", "Hosting", "ml.m5.xlarge")
    assert price is not None
    assert (price.usd_per_hour, price.source, price.source_date, price.source_id) == (
        0.2411,
        "refresh",
        "2026-11-23T20:00:00Z",
        "ABCSKU",
    )
    assert after.refreshed["us-east-1"]["fetched_at"] == "2026-11-23T20:00:00Z"
    # Keys the refresh did not return keep their snapshot price (refresh merges key by key).
    other = after.lookup("us-east-1", "Hosting", "ml.m5.2xlarge")
    assert other is not None and other.source == "snapshot"
    assert PriceCatalog.load(cache_dir) is after  # unchanged directory: cached catalog


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "",
        '["a list"]',
        json.dumps(
            _cache_doc("us-east-1", [_row("us-east-1", "Hosting", "ml.m5.xlarge", "abc")], "t")
        ),
        json.dumps(_cache_doc("us-west-2", [], "2026-11-23T20:00:00Z")),  # wrong file for region
    ],
    ids=["truncated", "empty", "not-an-object", "bad-price", "region-mismatch"],
)
def test_corrupt_cache_is_ignored_with_a_warning(cache_dir, caplog, content):
    os.makedirs(cache_dir, exist_ok=True)
    Path(cache_dir, "us-east-1.json").write_text(content, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="jupyter_costwidget.pricing"):
        catalog = PriceCatalog.load(cache_dir)
    assert any("us-east-1.json" in r.getMessage() for r in caplog.records)
    assert catalog.warnings and "us-east-1.json" in catalog.warnings[0]
    price = catalog.lookup("us-east-1", "Hosting", "ml.m5.xlarge")
    assert price is not None and price.source == "snapshot" and price.usd_per_hour == 0.23


def test_parse_price_list_on_demand_usd():
    def product(sku, component, instance, usd, unit="Hrs", region="us-east-1", **attrs):
        return json.dumps(
            {
                "serviceCode": "AmazonSageMaker",
                "product": {
                    "sku": sku,
                    "productFamily": "ML Instance",
                    "attributes": {
                        "regionCode": region,
                        "instanceName": instance,
                        "component": component,
                        "platoinstancetype": component,
                        "usagetype": attrs.get("usagetype", ""),
                    },
                },
                "terms": {
                    "OnDemand": {
                        f"{sku}.JRTCKXETXF": {
                            "effectiveDate": "2026-11-01T00:00:00Z",
                            "priceDimensions": {
                                f"{sku}.JRTCKXETXF.6YS6EN2CT7": {
                                    "unit": unit,
                                    "pricePerUnit": {"USD": usd},
                                }
                            },
                        }
                    }
                },
            }
        )

    entries = [
        product("A", "Hosting", "ml.m5.xlarge", "0.2300000000"),
        product("B", "studio-codeeditor", "ml.t3.medium", "0.0500000000"),
        product(
            "C",
            "ServerlessInf",
            "",
            "0.0000600000",
            "Second",
            usagetype="USE1-ServerlessInf:Mem-3GB",
        ),
        product("D", "Studio-Storage", "", "0.1120000000", "GB-Mo"),
        product("E", "Hosting", "ml.m5.xlarge", "0.4600000000"),  # a second SKU: conflict
        product("F", "Hosting", "ml.c5.xlarge", "0.2", region="eu-west-1"),  # other region
        product("G", "SomethingNew", "ml.c5.xlarge", "0.2"),  # not a component we price
    ]
    rows, seen, skipped, conflicts = parse_price_list(entries, "us-east-1")
    got = {
        (r["component"], r["instance_type"]): (r["usd"], r["unit"], r["source_id"]) for r in rows
    }
    assert got == {
        ("Hosting", "ml.m5.xlarge"): ("0.23", "Hrs", "A"),
        ("Studio-CodeEditor", "ml.t3.medium"): ("0.05", "Hrs", "B"),
        ("ServerlessInf", "Mem-3GB"): ("0.00006", "second", "C"),
        ("Studio-Storage", ""): ("0.112", "GB-Mo", "D"),
    }
    assert (seen, skipped) == (7, 2)
    assert conflicts == ["Hosting ml.m5.xlarge: 0.23 vs 0.46"]


# --- CLI (in-process) ---------------------------------------------------------------------
def test_cli_show_lists_components_for_an_instance(cache_dir, capsys):
    assert main(["prices", "show", "--region", "ap-northeast-1", "ml.g6.xlarge"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if not line.startswith("#")]
    components = [line.split()[0] for line in lines]
    assert components == ["AsyncInf", "Hosting", "Studio-JupyterLab", "Training"]
    assert all("source=snapshot" in line for line in lines)
    assert "1.634 USD/Hrs" in lines[-1]


def test_cli_show_bad_input_exits_2_with_valid_names(cache_dir, capsys):
    assert main(["prices", "show", "--region", "moon-1", "ml.m5.xlarge"]) == 2
    assert "valid AWS region codes" in capsys.readouterr().err
    assert main(["prices", "show", "--region", "us-east-1", "--component", "GPU", "x"]) == 2
    err = capsys.readouterr().err
    assert "unknown component 'GPU'" in err and "Studio-JupyterLab" in err


def test_cli_show_unknown_price_says_unknown(cache_dir, capsys):
    code = main(
        [
            "prices",
            "show",
            "--region",
            "us-east-1",
            "--component",
            "Training",
            "ml.nonexistent.xlarge",
        ]
    )
    assert code == 1
    assert "unknown, not $0" in capsys.readouterr().err


def test_cli_update_rejects_unknown_region_without_calling_aws(cache_dir, capsys, monkeypatch):
    monkeypatch.setenv("COSTWIDGET_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens
    assert main(["prices", "update", "--region", "moon-1"]) == 2
    assert "unknown region 'moon-1'" in capsys.readouterr().err
    assert not os.path.exists(cache_dir)
