"""Whole `Price` values from the bundled table, and the refresh cache's checks.

Each expected price quotes its row of data/pricing/sagemaker_prices.csv
(region,component,instance_type,usd_per_hour,unit,usage_type,source_id) and the source's date
from data/pricing/SOURCES.md.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from jupyter_costwidget.pricing import Price, PriceCatalog, UnknownComponent, UnknownRegion
from jupyter_costwidget.pricing import catalog as catalog_module
from jupyter_costwidget.pricing.catalog import _read_cache_file, cache_path, usd_per_hour


@pytest.fixture
def cache_dir(tmp_path) -> str:
    return str(tmp_path / "prices")


@pytest.fixture
def catalog(cache_dir) -> PriceCatalog:
    return PriceCatalog.load(cache_dir)


def test_a_jupyterlab_price_whole(catalog):
    # us-east-1,Studio-JupyterLab,ml.g5.xlarge,1.41,Hrs,USE1-Studio:JupyterLab-ml.g5.xlarge,S1
    # S1 price date: 2026-09-24.
    assert catalog.lookup("us-east-1", "Studio-JupyterLab", "ml.g5.xlarge") == Price(
        usd_per_hour=1.41,
        unit="Hrs",
        usd_per_unit=1.41,
        source="snapshot",
        source_date="2026-09-24",
        source_id="S1",
        estimate=False,
        note="",
        usage_type="USE1-Studio:JupyterLab-ml.g5.xlarge",
    )


def test_canvas_in_tokyo_is_the_seed_bills_rate(catalog):
    # ap-northeast-1,Canvas,,1.9,Hrs,APN1-Canvas:Session-Hrs,SEED000 (bill of January 2024).
    price = catalog.lookup("ap-northeast-1", "canvas", "ml.anything")  # any case; no instance
    assert price == Price(1.9, "Hrs", 1.9, "snapshot", "2024-01", "SEED000", False, "",
                          "APN1-Canvas:Session-Hrs")  # fmt: skip
    assert price.as_dict()["usage_type"] == "APN1-Canvas:Session-Hrs"


def test_storage_and_serverless_units(catalog):
    # us-east-1,EFS-Standard,,0.30,GB-Mo,,S23: 0.30 / 730 h per GB.
    efs = catalog.lookup("us-east-1", "EFS-Standard")
    assert efs.usd_per_unit == 0.30 and efs.unit == "GB-Mo"
    assert efs.usd_per_hour == pytest.approx(0.30 / 730)
    assert efs.note == "USD per GB-month; usd_per_hour is per GB at 730 h/month"
    # us-east-1,ServerlessInf,Mem-2GB,0.00004,second,...: x 3600 = 0.144 per compute hour.
    sls = catalog.lookup("us-east-1", "ServerlessInf", "Mem-2GB")
    assert sls.usd_per_hour == pytest.approx(0.144)
    assert sls.note == "USD per second of compute; usd_per_hour = x 3600"
    assert usd_per_hour(2.0, "Hrs") == 2.0


def test_system_kernel_gateway_note(catalog):
    # us-east-1,Studio-Notebook,ml.t3.medium,0.05,Hrs,...,S22
    kg = catalog.price_for_app("us-east-1", "KernelGateway", "system")
    assert (kg.usd_per_hour, kg.source_id) == (0.05, "S22")
    assert kg.note == "KernelGateway 'system' instance = ml.t3.medium"
    assert kg.estimate is False
    assert catalog.price_for_app("us-east-1", "RSessionGateway", "ml.t3.medium") is None
    free = catalog.price_for_app("ap-northeast-1", "JupyterServer", "system")
    assert free == Price(0.0, "Hrs", 0.0, "snapshot", catalog.effective_date, "", False,
                         "free system instance")  # fmt: skip
    with pytest.raises(UnknownRegion):
        catalog.price_for_app("mars-1", "JupyterServer", "system")


def test_an_estimate_borrows_us_east_1_and_says_so(catalog):
    assert catalog.lookup("af-south-1", "Canvas") is None  # no af-south-1,Canvas row
    borrowed = catalog.lookup("af-south-1", "Canvas", allow_estimate=True)
    # us-east-1,Canvas,,1.9,Hrs,USE1-Canvas:Session-Hrs,S10
    assert borrowed.usd_per_hour == 1.9 and borrowed.estimate is True
    assert borrowed.note == "estimate: no Canvas price for af-south-1; us-east-1 price used"
    assert catalog.lookup("us-east-1", "Training", "ml.none.x", allow_estimate=True) is None


def test_region_and_component_names(catalog):
    assert catalog.check_region(" US-EAST-1 ") == "us-east-1"
    assert catalog.check_component(" studio-jupyterlab ") == "Studio-JupyterLab"
    with pytest.raises(UnknownRegion) as err:
        catalog.check_region("us-nowhere-9")
    assert "us-nowhere-9" in str(err.value) and "us-east-1" in str(err.value)
    with pytest.raises(UnknownComponent) as err:
        catalog.check_component("GPU")
    assert "GPU" in str(err.value) and "Studio-JupyterLab" in str(err.value)
    with pytest.raises(UnknownComponent):
        catalog.check_component(None)  # type: ignore[arg-type]
    with pytest.raises(UnknownRegion):
        catalog.check_region(None)  # type: ignore[arg-type]
    assert "us-east-1" in catalog.regions() and catalog.regions() == sorted(catalog.regions())
    assert catalog.components()[0] == "Studio-JupyterLab"


def test_prices_filters(catalog):
    rows = catalog.prices("us-east-1", "studio-jupyterlab", "ml.g5.xlarge")
    assert [(c, i, p.usd_per_hour) for c, i, p in rows] == [
        ("Studio-JupyterLab", "ml.g5.xlarge", 1.41)
    ]
    every = catalog.prices("us-east-1", instance_type="ml.t3.medium")
    components = {c for c, _, _ in every}
    # us-east-1,Notebook,ml.t3.medium,0.05 and us-east-1,Studio-Notebook,ml.t3.medium,0.05
    assert {"Notebook", "Studio-Notebook", "Studio-JupyterLab"} <= components
    assert all(i == "ml.t3.medium" for _, i, _ in every)


# --- the refresh cache --------------------------------------------------------------------------
def _row(usd: str, **changes: str) -> dict[str, str]:
    row = {
        "region": "us-east-1",
        "component": "Hosting",
        "instance_type": "ml.m5.xlarge",
        "usd": usd,
        "unit": "Hrs",
        "usage_type": "USE1-Host:ml.m5.xlarge",
        "source_id": "SKU9",
    }
    return {**row, **changes}


def _write(cache_dir: str, doc: object, name: str = "us-east-1.json") -> str:
    os.makedirs(cache_dir, exist_ok=True)
    path = os.path.join(cache_dir, name)
    Path(path).write_text(json.dumps(doc), encoding="utf-8")
    return path


def _doc(rows: list, region: str = "us-east-1") -> dict:
    return {"format": 1, "region": region, "fetched_at": "2026-11-30T08:00:00Z", "prices": rows}


@pytest.mark.parametrize(
    ("usd", "why"),
    [
        ("NaN", "price 'NaN' is not a price"),
        ("nan", "price 'nan' is not a price"),
        ("inf", "price 'inf' is not a price"),
        ("-0.01", "price '-0.01' is not a price"),
        ("0.2x", "price '0.2x' is not a number"),
    ],
)
def test_a_cache_with_a_price_that_is_not_one_is_refused(cache_dir, usd, why):
    path = _write(cache_dir, _doc([_row("0.25"), _row(usd, instance_type="ml.c5.xlarge")]))
    with pytest.raises(ValueError) as err:
        _read_cache_file(path)
    assert str(err.value) == why
    catalog = PriceCatalog.load(cache_dir)
    # The whole file is ignored: the snapshot's 0.23 stays (us-east-1,Hosting,ml.m5.xlarge,0.23).
    assert catalog.lookup("us-east-1", "Hosting", "ml.m5.xlarge").usd_per_hour == 0.23
    assert catalog.refreshed == {}
    assert catalog.warnings == [
        f"ignored price cache {path}: {why}; using the bundled snapshot for that region "
        "(run `jupyter costwidget prices update` to rewrite it)"
    ]


@pytest.mark.parametrize(
    ("doc", "why"),
    [
        ({"format": 2, "region": "us-east-1"}, "not a format-1 price cache"),
        ([1, 2], "not a format-1 price cache"),
        (
            {"format": 1, "region": "us-east-1", "prices": []},
            "missing region, fetched_at or prices",
        ),
        ({**_doc([]), "prices": {}}, "missing region, fetched_at or prices"),
        (_doc([], region="eu-west-1"), "file name does not match its region 'eu-west-1'"),
        (_doc(["row"]), "a price row lacks a field"),
        (_doc([{**_row("1"), "usage_type": None}]), "a price row lacks a field"),
        (_doc([_row("1", region="eu-west-1")]), "bad price row Hosting/ml.m5.xlarge"),
        (_doc([_row("1", unit="Days")]), "bad price row Hosting/ml.m5.xlarge"),
    ],
)
def test_cache_file_checks(cache_dir, doc, why):
    path = _write(cache_dir, doc)
    with pytest.raises(ValueError) as err:
        _read_cache_file(path)
    assert str(err.value) == why


def test_a_good_cache_overrides_key_by_key(cache_dir):
    _write(cache_dir, _doc([_row("0.2411"), _row("0", instance_type="ml.free.x")]))
    Path(cache_dir, ".partial.json").write_text("{", encoding="utf-8")  # hidden: not read
    Path(cache_dir, "notes.txt").write_text("x", encoding="utf-8")
    catalog = PriceCatalog.load(cache_dir)
    assert catalog.warnings == []
    assert catalog.refreshed == {
        "us-east-1": {
            "fetched_at": "2026-11-30T08:00:00Z",
            "product_count": 2,
            "path": cache_path(cache_dir, "us-east-1"),
        }
    }
    assert catalog.lookup("us-east-1", "Hosting", "ml.m5.xlarge") == Price(
        0.2411, "Hrs", 0.2411, "refresh", "2026-11-30T08:00:00Z", "SKU9", False, "",
        "USE1-Host:ml.m5.xlarge",
    )  # fmt: skip
    # A zero price is a price (free), not an unknown one.
    assert catalog.lookup("us-east-1", "Hosting", "ml.free.x").usd_per_hour == 0.0
    # Untouched keys keep the snapshot: us-east-1,Hosting,ml.m5.2xlarge
    assert catalog.lookup("us-east-1", "Hosting", "ml.m5.2xlarge").source == "snapshot"
    # An unreadable directory is no cache at all.
    assert PriceCatalog.load(str(Path(cache_dir) / "absent")).refreshed == {}


# --- the bundled snapshot and the names botocore knows ------------------------------------------
def test_the_snapshot_is_read_once_from_the_package(monkeypatch):
    monkeypatch.setattr(catalog_module._Snapshot, "_data", None)
    doc, rows = catalog_module._Snapshot.get()
    # data/pricing/SOURCES.md: 5,607 rows; the snapshot's effective date 2026-10-01.
    assert len(rows) == 5607 and doc["effective_date"] == "2026-10-01"
    # us-east-1,Studio-JupyterLab,ml.g5.xlarge,1.41,Hrs,USE1-Studio:JupyterLab-ml.g5.xlarge,S1
    assert rows[("us-east-1", "Studio-JupyterLab", "ml.g5.xlarge")] == (
        "1.41", "Hrs", "USE1-Studio:JupyterLab-ml.g5.xlarge", "S1", "snapshot", "2026-09-24"
    )  # fmt: skip
    assert catalog_module._Snapshot.get()[1] is rows


def test_aws_regions_of_every_partition(monkeypatch):
    monkeypatch.setattr(catalog_module, "_aws_regions", None)
    regions = catalog_module.known_aws_regions()
    assert {"us-east-1", "ap-northeast-1", "cn-north-1", "us-gov-west-1"} <= regions
    assert "mars-1" not in regions
    assert catalog_module.known_aws_regions() is regions


def test_the_cache_lives_in_the_jupyter_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path))
    assert catalog_module.default_cache_dir() == str(tmp_path / "costwidget" / "prices")
    assert cache_path("/x", "eu-west-1") == "/x/eu-west-1.json"


def test_the_catalogs_own_facts(catalog):
    assert catalog.effective_date == "2026-10-01"
    assert catalog.sources["S1"]["price_date"] == "2026-09-24"


def test_notes_are_joined_when_an_estimate_borrows_a_storage_price(catalog):
    # us-east-1,Studio-Storage,,0.112,GB-Mo; af-south-1 has no Studio-Storage row.
    price = catalog.lookup("af-south-1", "Studio-Storage", allow_estimate=True)
    assert price.usd_per_unit == 0.112 and price.estimate is True
    assert price.note == (
        "USD per GB-month; usd_per_hour is per GB at 730 h/month; estimate: no Studio-Storage "
        "price for af-south-1; us-east-1 price used"
    )


def test_price_for_app_passes_the_estimate_choice_on(catalog):
    assert catalog.price_for_app("af-south-1", "Canvas") is None
    assert catalog.price_for_app("af-south-1", "Canvas", allow_estimate=True).usd_per_hour == 1.9


# ap-northeast-1,Studio-Notebook,ml.c5.12xlarge,3.082,Hrs,...,S22; no Studio-JupyterLab row.
DERIVED_TYPE = "ml.c5.12xlarge"
DERIVED_USD = 3.082


def test_a_derived_price_whole(catalog):
    # the first component of SAME_COMPUTE_PRICE borrows from a later one.
    price = catalog.lookup("ap-northeast-1", "Studio-JupyterLab", DERIVED_TYPE)
    assert (price.source, price.usage_type, price.estimate) == ("derived", "", False)
    assert price.usd_per_unit == DERIVED_USD
    assert price.note == (
        "Derived: AWS prices compute the same for notebook instances, Studio Classic, Studio "
        f"JupyterLab and Code Editor. Taken from the Studio-Notebook price of {DERIVED_TYPE}."
    )


def test_a_refreshed_new_component_is_known(cache_dir):
    _write(cache_dir, _doc([_row("0.5", component="Studio-Newthing", instance_type="ml.x")]))
    catalog = PriceCatalog.load(cache_dir)
    assert "Studio-Newthing" in catalog.components()
    assert catalog.check_component("studio-newthing") == "Studio-Newthing"


def test_a_bad_cache_file_does_not_hide_a_good_one(cache_dir):
    _write(cache_dir, {"format": 9}, name="ap-northeast-1.json")
    _write(cache_dir, _doc([_row("0.2411")]))
    catalog = PriceCatalog.load(cache_dir)
    assert list(catalog.refreshed) == ["us-east-1"] and len(catalog.warnings) == 1


def test_an_unreadable_cache_says_why(cache_dir):
    path = _write(cache_dir, "x")
    Path(path).write_text("{", encoding="utf-8")  # cut short
    with pytest.raises(ValueError) as err:
        _read_cache_file(path)
    assert str(err.value).startswith("unreadable: Expecting property name")


def test_errors_carry_what_was_asked(catalog):
    with pytest.raises(UnknownComponent) as err:
        catalog.check_component("GPU")
    assert err.value.component == "GPU"
    assert ", Studio-CodeEditor, " in str(err.value)
    with pytest.raises(UnknownRegion) as err:
        catalog.check_region("xx-nowhere-1")
    assert err.value.region == "xx-nowhere-1"
    # Valid codes are every AWS region botocore knows, priced or not.
    assert "cn-north-1" in err.value.valid and ", cn-north-1, " in str(err.value)
    assert "cn-north-1" not in err.value.priced
    assert catalog.check_region("cn-north-1") == "cn-north-1"  # an AWS region without prices
