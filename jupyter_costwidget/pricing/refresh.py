"""Refresh one region's prices from the AWS Price List API into the user cache.

`GetProducts` (ServiceCode AmazonSageMaker, TERM_MATCH on regionCode, 100 per page) through
`AwsClients.paginate`; on-demand USD prices are parsed into snapshot-shaped rows and written
atomically to `<cache dir>/<region>.json`, which then overrides the snapshot key by key.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from jupyter_costwidget.pricing.catalog import (
    CACHE_FORMAT,
    KNOWN_COMPONENTS,
    NO_INSTANCE_COMPONENTS,
    cache_path,
)

SERVICE_CODE = "AmazonSageMaker"
_COMPONENTS_BY_LOWER = {c.lower(): c for c in KNOWN_COMPONENTS}
_UNITS = {
    "hrs": "Hrs",
    "hr": "Hrs",
    "hour": "Hrs",
    "hours": "Hrs",
    "gb-mo": "GB-Mo",
    "gb-month": "GB-Mo",
    "second": "second",
    "seconds": "second",
}
# ML storage products have no `component`: their `volumeType` ("General Purpose-Hosting")
# or their usage type ("USE1-Notebk:VolumeUsage.gp2", "USE1-Studio:VolumeUsage.gp3") says
# whose volume it is (data/pricing/SOURCES.md names where these were seen).
_STORAGE_BY_VOLUME_TYPE = {
    "studio": "Studio-Storage",
    "notebook": "Notebook-Storage",
    "hosting": "Hosting-Storage",
    "training": "Training-Storage",
    "processing": "Processing-Storage",
}
_STORAGE_BY_USAGE_SEGMENT = {
    "studio": "Studio-Storage",
    "notebk": "Notebook-Storage",
    "host": "Hosting-Storage",
    "train": "Training-Storage",
    "processing": "Processing-Storage",
}


class RefreshError(Exception):
    """The refresh produced nothing usable (the cache is left as it was)."""


@dataclass
class RefreshResult:
    region: str
    path: str
    fetched_at: str
    products_seen: int
    prices_written: int
    skipped: int
    conflicts: list[str] = field(default_factory=list)


def _component(attrs: dict[str, Any]) -> str | None:
    storage = _storage_component(attrs)
    if storage is not None:
        return storage
    for name in ("platoinstancetype", "component"):
        value = attrs.get(name)
        if isinstance(value, str) and value.lower() in _COMPONENTS_BY_LOWER:
            return _COMPONENTS_BY_LOWER[value.lower()]
    return None


def _storage_component(attrs: dict[str, Any]) -> str | None:
    volume = str(attrs.get("volumeType") or "").lower()
    if volume.startswith("general purpose-"):
        found = _STORAGE_BY_VOLUME_TYPE.get(volume.partition("-")[2].strip())
        if found:
            return found
    usage = str(attrs.get("usagetype") or "").lower()
    if ":volumeusage" in usage:
        segment = usage.partition(":")[0].rpartition("-")[2]
        return _STORAGE_BY_USAGE_SEGMENT.get(segment)
    return None


def _instance_type(component: str, attrs: dict[str, Any]) -> str:
    if component in NO_INSTANCE_COMPONENTS:
        return ""
    name = str(attrs.get("instanceName") or attrs.get("instanceType") or "").strip()
    if name:
        return name
    # Serverless products name the memory size only in the usage type (…:Mem-3GB).
    suffix = str(attrs.get("usagetype") or "").rpartition(":")[2]
    return suffix if suffix.startswith(("ml.", "Mem-")) else ""


def _usd_text(value: Any) -> str | None:
    """'0.2300000000' -> '0.23' (exact decimal, no exponent); None if not a price."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    if not number.is_finite() or number < 0:
        return None
    text = format(number.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".") or "0"


def _on_demand(terms: dict[str, Any]) -> tuple[str, str, str] | None:
    """(usd, unit, effective date) of the first-tier on-demand USD dimension, if any."""
    on_demand = terms.get("OnDemand") or {}
    for term_key in sorted(on_demand):
        term = on_demand[term_key] or {}
        dims = term.get("priceDimensions") or {}
        for dim_key in sorted(dims):
            dim = dims[dim_key] or {}
            if str(dim.get("beginRange", "0")) not in ("0", "0.0"):
                continue
            usd = _usd_text((dim.get("pricePerUnit") or {}).get("USD"))
            unit = _UNITS.get(str(dim.get("unit", "")).lower())
            if usd is not None and unit is not None:
                return usd, unit, str(term.get("effectiveDate", ""))[:10]
    return None


def parse_product(entry: str | dict[str, Any], region: str) -> dict[str, str] | None:
    """One PriceList entry -> a snapshot-shaped row (plus sku and effective date), or None
    if it is not an on-demand USD price of a component this catalog knows."""
    doc = json.loads(entry) if isinstance(entry, str) else entry
    product = doc.get("product") or {}
    attrs = product.get("attributes") or {}
    if attrs.get("regionCode") != region:
        return None
    component = _component(attrs)
    if component is None:
        return None
    instance_type = _instance_type(component, attrs)
    if component not in NO_INSTANCE_COMPONENTS and not instance_type:
        return None
    price = _on_demand(doc.get("terms") or {})
    if price is None:
        return None
    usd, unit, effective = price
    sku = str(product.get("sku") or "")
    return {
        "region": region,
        "component": component,
        "instance_type": instance_type,
        "usd": usd,
        "unit": unit,
        "usage_type": str(attrs.get("usagetype") or ""),
        "source_id": sku,
        "effective_date": effective,
    }


def parse_price_list(
    entries: Iterable[str | dict[str, Any]], region: str
) -> tuple[list[dict[str, str]], int, int, list[str]]:
    """(rows sorted by key, products seen, products skipped, conflicts).

    Two SKUs for one key with different prices are a conflict; the non-zero, lower price is
    kept (a deterministic choice; the conflict is reported so nobody trusts it blindly).
    """
    by_key: dict[tuple[str, str, str], dict[str, str]] = {}
    conflicts: list[str] = []
    seen = skipped = 0
    for entry in entries:
        seen += 1
        row = parse_product(entry, region)
        if row is None:
            skipped += 1
            continue
        key = (row["region"], row["component"], row["instance_type"])
        old = by_key.get(key)
        if old is None:
            by_key[key] = row
            continue
        if Decimal(old["usd"]) != Decimal(row["usd"]):
            conflicts.append(f"{key[1]} {key[2] or '-'}: {old['usd']} vs {row['usd']}")
        if _preference(row) < _preference(old):
            by_key[key] = row
    rows = [by_key[k] for k in sorted(by_key)]
    return rows, seen, skipped, sorted(conflicts)


def _preference(row: dict[str, str]) -> tuple[bool, Decimal, str]:
    usd = Decimal(row["usd"])
    return (usd == 0, usd, row["source_id"])


def write_cache(cache_dir: str, region: str, document: dict[str, Any]) -> str:
    """Write `<cache_dir>/<region>.json` atomically (temp file + rename in the same dir)."""
    os.makedirs(cache_dir, exist_ok=True)
    path = cache_path(cache_dir, region)
    fd, tmp = tempfile.mkstemp(prefix=f".{region}.", suffix=".tmp", dir=cache_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(document, fh, indent=1, sort_keys=True)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def refresh_region(
    region: str,
    *,
    cache_dir: str,
    clients: Any = None,
    endpoint_url: str | None = None,
    clock: Callable[[], float] = time.time,
) -> RefreshResult:
    """Fetch, parse and cache one region. Raises `AwsError` (call failed) or `RefreshError`."""
    if clients is None:
        from jupyter_costwidget.aws.clients import AwsClients

        clients = AwsClients(region, endpoint_url=endpoint_url)
    entries = clients.paginate(
        "pricing",
        "GetProducts",
        "PriceList",
        ServiceCode=SERVICE_CODE,
        FormatVersion="aws_v1",
        Filters=[{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}],
    )
    rows, seen, skipped, conflicts = parse_price_list(entries, region)
    if not rows:
        raise RefreshError(
            f"the Price List API returned no on-demand SageMaker prices for {region} "
            f"({seen} products seen); the cache was not changed"
        )
    fetched_at = datetime.fromtimestamp(clock(), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    document = {
        "format": CACHE_FORMAT,
        "region": region,
        "fetched_at": fetched_at,
        "service_code": SERVICE_CODE,
        "products_seen": seen,
        "skipped": skipped,
        "conflicts": conflicts,
        "prices": rows,
    }
    path = write_cache(cache_dir, region, document)
    return RefreshResult(region, path, fetched_at, seen, len(rows), skipped, conflicts)
