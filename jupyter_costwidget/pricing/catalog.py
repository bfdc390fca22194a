"""Pure price lookups: the bundled snapshot overlaid with the user's refresh cache.

A missing price is `None` (the UI shows "unknown", never $0). A fallback to another region
happens only when the caller asks for it (`allow_estimate=True`) and the `Price` says so.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

log = logging.getLogger("jupyter_costwidget.pricing")

SNAPSHOT_PATH = Path(__file__).resolve().parent / "snapshot.json"
HOURS_PER_MONTH = 730.0
SECONDS_PER_HOUR = 3600.0
# Studio Classic: a KernelGateway app on instance type "system" runs on this type.
SYSTEM_KERNELGATEWAY_INSTANCE = "ml.t3.medium"
# The only region an estimate may borrow from (best covered, AWS's reference region).
ESTIMATE_REGION = "us-east-1"
CACHE_FORMAT = 1

KNOWN_COMPONENTS: tuple[str, ...] = (
    "Studio-JupyterLab",
    "Studio-CodeEditor",
    "Studio-Notebook",
    "Notebook",
    "Hosting",
    "Training",
    "TrainingWarmPool",
    "Processing",
    "BatchTransform",
    "AsyncInf",
    "ServerlessInf",
    "Canvas",
    "Studio-Storage",
    "Notebook-Storage",
    "Hosting-Storage",
    "Training-Storage",
    "TrainingWarmPool-Storage",
    "Processing-Storage",
    "EFS-Standard",
)
# Priced per session or per GB, not per instance type: instance_type is always "".
NO_INSTANCE_COMPONENTS = frozenset(
    c for c in KNOWN_COMPONENTS if c.endswith("-Storage") or c in ("Canvas", "EFS-Standard")
)
UNIT_HOURS = {"Hrs": 1.0, "GB-Mo": 1.0 / HOURS_PER_MONTH, "second": SECONDS_PER_HOUR}

_APP_COMPONENTS = {
    "JupyterLab": "Studio-JupyterLab",
    "CodeEditor": "Studio-CodeEditor",
    "KernelGateway": "Studio-Notebook",
    "Canvas": "Canvas",
}
FREE_APP_TYPES = frozenset({"JupyterServer"})


class UnknownRegion(ValueError):
    """Not an AWS region code. The message lists the valid ones."""

    def __init__(self, region: str, valid: Iterable[str], priced: Iterable[str]) -> None:
        self.region = region
        self.valid = tuple(sorted(valid))
        self.priced = tuple(sorted(priced))
        super().__init__(
            f"unknown region {region!r}; valid AWS region codes: {', '.join(self.valid)} "
            f"(prices known for: {', '.join(self.priced)})"
        )


class UnknownComponent(ValueError):
    """Not a price component name. The message lists the valid ones."""

    def __init__(self, component: str, valid: Iterable[str]) -> None:
        self.component = component
        self.valid = tuple(valid)
        super().__init__(
            f"unknown component {component!r}; valid components: {', '.join(self.valid)}"
        )


# AWS prices compute alike for notebook instances, Studio Classic, Studio JupyterLab and Code
# Editor: "Prices for compute instances are the same for both Studio and on-demand
# instances" (the SageMaker pricing page, quoted in seed 003), and all 99 type/region pairs
# of data/pricing that have both a Studio Classic and a Studio JupyterLab price agree. Where
# one is missing, another of these for the same type and region is used, marked "derived".
SAME_COMPUTE_PRICE = ("Studio-JupyterLab", "Studio-Notebook", "Notebook", "Studio-CodeEditor")
DERIVED_RULE = (
    "Derived: AWS prices compute the same for notebook instances, Studio Classic, Studio "
    "JupyterLab and Code Editor."
)


@dataclass(frozen=True)
class Price:
    usd_per_hour: float  # storage: USD per GB per hour; serverless: per hour of compute
    unit: str  # the original unit: "Hrs", "GB-Mo" or "second"
    usd_per_unit: float
    source: str  # "snapshot" | "refresh" | "derived" (see SAME_COMPUTE_PRICE)
    source_date: str  # snapshot: the source's price date; refresh: when it was fetched
    source_id: str  # snapshot: SOURCES.md id; refresh: the Price List SKU
    estimate: bool = False
    note: str = ""
    usage_type: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def component_for_app(app_type: str) -> str | None:
    """Studio app type -> price component; None for the free JupyterServer 'system' app
    (and for app types this catalog does not price)."""
    return _APP_COMPONENTS.get(app_type)


def usd_per_hour(usd_per_unit: float, unit: str) -> float:
    return usd_per_unit * UNIT_HOURS[unit]


# One indexed row: (usd text, unit, usage_type, source_id, source, source_date).
_Row = tuple[str, str, str, str, str, str]
_Key = tuple[str, str, str]


def _index_rows(
    rows: Iterable[dict[str, str]], source: str, dates: dict[str, str]
) -> dict[_Key, _Row]:
    index: dict[_Key, _Row] = {}
    for r in rows:
        sid = r["source_id"]
        index[(r["region"], r["component"], r["instance_type"])] = (
            r["usd"],
            r["unit"],
            r.get("usage_type", ""),
            sid,
            source,
            dates.get(sid, ""),
        )
    return index


class _Snapshot:
    """The bundled snapshot, parsed once per process."""

    _lock = threading.Lock()
    _data: tuple[dict[str, Any], dict[_Key, _Row]] | None = None

    @classmethod
    def get(cls) -> tuple[dict[str, Any], dict[_Key, _Row]]:
        with cls._lock:
            if cls._data is None:
                with open(SNAPSHOT_PATH, encoding="utf-8") as fh:
                    doc = json.load(fh)
                dates = {sid: s.get("price_date", "") for sid, s in doc["sources"].items()}
                cls._data = (doc, _index_rows(doc["prices"], "snapshot", dates))
            return cls._data


def default_cache_dir() -> str:
    """<jupyter data dir>/costwidget/prices (JUPYTER_DATA_DIR is honoured)."""
    from jupyter_core.paths import jupyter_data_dir

    return os.path.join(jupyter_data_dir(), "costwidget", "prices")


def cache_path(cache_dir: str, region: str) -> str:
    return os.path.join(cache_dir, f"{region}.json")


def _cache_fingerprint(cache_dir: str) -> tuple[tuple[str, int, int], ...]:
    try:
        entries = list(os.scandir(cache_dir))
    except OSError:
        return ()
    out = []
    for entry in entries:
        if entry.name.endswith(".json") and not entry.name.startswith("."):
            try:
                st = entry.stat()
            except OSError:
                continue
            out.append((entry.name, st.st_mtime_ns, st.st_size))
    return tuple(sorted(out))


def _read_cache_file(path: str) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """A refresh cache file, validated; raises ValueError (with why) if it is unusable."""
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"unreadable: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("format") != CACHE_FORMAT:
        raise ValueError(f"not a format-{CACHE_FORMAT} price cache")
    region = doc.get("region")
    fetched_at = doc.get("fetched_at")
    rows = doc.get("prices")
    if not isinstance(region, str) or not isinstance(fetched_at, str) or not isinstance(rows, list):
        raise ValueError("missing region, fetched_at or prices")
    if os.path.basename(path) != f"{region}.json":
        raise ValueError(f"file name does not match its region {region!r}")
    fields = ("region", "component", "instance_type", "usd", "unit", "usage_type", "source_id")
    for row in rows:
        if not isinstance(row, dict) or not all(isinstance(row.get(f), str) for f in fields):
            raise ValueError("a price row lacks a field")
        if row["region"] != region or row["unit"] not in UNIT_HOURS:
            raise ValueError(f"bad price row {row.get('component')}/{row.get('instance_type')}")
        try:
            usd = float(row["usd"])
        except ValueError:
            raise ValueError(f"price {row['usd']!r} is not a number") from None
        if not usd >= 0 or usd == float("inf"):
            raise ValueError(f"price {row['usd']!r} is not a price")
    return doc, rows


class PriceCatalog:
    """Prices by (region, component, instance_type). Build with `PriceCatalog.load()`."""

    _loaded: dict[str, tuple[tuple[tuple[str, int, int], ...], PriceCatalog]] = {}
    _load_lock = threading.Lock()

    def __init__(
        self,
        snapshot: dict[str, Any],
        rows: dict[_Key, _Row],
        refreshed: dict[str, dict[str, Any]] | None = None,
        warnings: list[str] | None = None,
    ) -> None:
        self.effective_date: str = snapshot["effective_date"]
        self.sources: dict[str, dict[str, str]] = snapshot["sources"]
        self.refreshed = refreshed or {}  # region -> {"fetched_at", "product_count", "path"}
        self.warnings = warnings or []
        self._rows = rows
        self._regions = frozenset(k[0] for k in rows)
        in_data = sorted({k[1] for k in rows} - set(KNOWN_COMPONENTS))
        self._components = (*KNOWN_COMPONENTS, *in_data)
        self._component_names = {c.lower(): c for c in self._components}
        self._component_set = frozenset(self._components)
        self._prices: dict[_Key, Price] = {}

    # --- loading ------------------------------------------------------------------------
    @classmethod
    def load(cls, cache_dir: str | None = None) -> PriceCatalog:
        """Snapshot + refresh cache of `cache_dir` (default `default_cache_dir()`).

        Cached per process; a cache file written, changed or removed since the last call is
        picked up (the directory's file names, mtimes and sizes are compared).
        """
        cache_dir = os.path.abspath(cache_dir or default_cache_dir())
        fingerprint = _cache_fingerprint(cache_dir)
        with cls._load_lock:
            hit = cls._loaded.get(cache_dir)
            if hit and hit[0] == fingerprint:
                return hit[1]
            catalog = cls._build(cache_dir, fingerprint)
            cls._loaded[cache_dir] = (fingerprint, catalog)
            return catalog

    @classmethod
    def snapshot_only(cls) -> PriceCatalog:
        doc, rows = _Snapshot.get()
        return cls(doc, rows)

    @classmethod
    def _build(cls, cache_dir: str, fingerprint: tuple[tuple[str, int, int], ...]) -> PriceCatalog:
        doc, snap_rows = _Snapshot.get()
        if not fingerprint:
            return cls(doc, snap_rows)
        rows = dict(snap_rows)
        refreshed: dict[str, dict[str, Any]] = {}
        warnings: list[str] = []
        for name, _mtime, _size in fingerprint:
            path = os.path.join(cache_dir, name)
            try:
                meta, cache_rows = _read_cache_file(path)
            except ValueError as exc:
                msg = (
                    f"ignored price cache {path}: {exc}; using the bundled snapshot for that "
                    "region (run `jupyter costwidget prices update` to rewrite it)"
                )
                log.warning(msg)
                warnings.append(msg)
                continue
            fetched_at = meta["fetched_at"]
            # A refresh overrides the snapshot key by key; keys it lacks keep their snapshot
            # price (e.g. EFS-Standard, which is not an AmazonSageMaker product).
            dates = {r["source_id"]: fetched_at for r in cache_rows}
            rows.update(_index_rows(cache_rows, "refresh", dates))
            refreshed[meta["region"]] = {
                "fetched_at": fetched_at,
                "product_count": len(cache_rows),
                "path": path,
            }
        return cls(doc, rows, refreshed, warnings)

    # --- names --------------------------------------------------------------------------
    def regions(self) -> list[str]:
        """Regions with at least one price."""
        return sorted(self._regions)

    def components(self) -> tuple[str, ...]:
        return self._components

    def check_region(self, region: str) -> str:
        """The normalised region code; `UnknownRegion` if it is not an AWS region."""
        code = region.strip().lower() if isinstance(region, str) else ""
        if code in self._regions or code in known_aws_regions():
            return code
        raise UnknownRegion(str(region), known_aws_regions() | self._regions, self._regions)

    def check_component(self, component: str) -> str:
        """The canonical component name (case-insensitive); `UnknownComponent` otherwise."""
        name = (
            self._component_names.get(component.strip().lower())
            if isinstance(component, str)
            else None
        )
        if name is None:
            raise UnknownComponent(str(component), self._components)
        return name

    # --- lookups ------------------------------------------------------------------------
    def lookup(
        self,
        region: str,
        component: str,
        instance_type: str = "",
        *,
        allow_estimate: bool = False,
    ) -> Price | None:
        """The price, or None if unknown. Raises UnknownRegion / UnknownComponent."""
        if region not in self._regions:
            region = self.check_region(region)
        if component not in self._component_set:
            component = self.check_component(component)
        instance_type = "" if component in NO_INSTANCE_COMPONENTS else instance_type.strip()
        note = ""
        if component == "Studio-Notebook" and instance_type == "system":
            instance_type = SYSTEM_KERNELGATEWAY_INSTANCE
            note = f"KernelGateway 'system' instance = {SYSTEM_KERNELGATEWAY_INSTANCE}"
        price = self._price((region, component, instance_type))
        if price is None and component in SAME_COMPUTE_PRICE and instance_type:
            price = self._derived(region, component, instance_type)
        borrowed = ""
        if price is None and allow_estimate and region != ESTIMATE_REGION:
            price = self._price((ESTIMATE_REGION, component, instance_type))
            borrowed = f"estimate: no {component} price for {region}; {ESTIMATE_REGION} price used"
        if price is None:
            return None
        if note or borrowed:
            note = _join(_join(price.note, note), borrowed)
            price = replace(price, estimate=bool(borrowed), note=note)
        return price

    def _derived(self, region: str, component: str, instance_type: str) -> Price | None:
        """The same instance's price under another component that AWS prices alike."""
        for other in SAME_COMPUTE_PRICE:
            if other == component:
                continue
            price = self._price((region, other, instance_type))
            if price is not None:
                rule = f"{DERIVED_RULE} Taken from the {other} price of {instance_type}."
                # Not this product's usage type: the Cost and Usage line would differ.
                return replace(price, source="derived", note=_join(price.note, rule), usage_type="")
        return None

    def price_for_app(
        self, region: str, app_type: str, instance_type: str = "", *, allow_estimate: bool = False
    ) -> Price | None:
        """The price of a Studio app: JupyterServer is free, KernelGateway 'system' is
        ml.t3.medium, other app types map through `component_for_app`."""
        if app_type in FREE_APP_TYPES:
            self.check_region(region)
            return Price(
                0.0, "Hrs", 0.0, "snapshot", self.effective_date, "", False, "free system instance"
            )
        component = component_for_app(app_type)
        if component is None:
            return None
        return self.lookup(region, component, instance_type, allow_estimate=allow_estimate)

    def prices(
        self, region: str, component: str | None = None, instance_type: str | None = None
    ) -> list[tuple[str, str, Price]]:
        """Every known (component, instance_type, Price) in a region, optionally filtered."""
        region = self.check_region(region)
        if component is not None:
            component = self.check_component(component)
        out = []
        for key in sorted(self._rows):
            r, c, i = key
            if r != region or (component and c != component):
                continue
            if instance_type is not None and i != instance_type:
                continue
            price = self._price(key)
            if price is not None:
                out.append((c, i, price))
        return out

    def _price(self, key: _Key) -> Price | None:
        price = self._prices.get(key)
        if price is None:
            row = self._rows.get(key)
            if row is None:
                return None
            usd_text, unit, usage_type, source_id, source, source_date = row
            usd = float(usd_text)
            note = {
                "GB-Mo": "USD per GB-month; usd_per_hour is per GB at 730 h/month",
                "second": "USD per second of compute; usd_per_hour = x 3600",
            }.get(unit, "")
            price = Price(
                usd_per_hour(usd, unit), unit, usd, source, source_date, source_id,
                False, note, usage_type,
            )  # fmt: skip
            self._prices[key] = price
        return price


def _join(a: str, b: str) -> str:
    return f"{a}; {b}" if a and b else a or b


_aws_regions: frozenset[str] | None = None


def known_aws_regions() -> frozenset[str]:
    """AWS region codes botocore knows (all partitions); loaded on first need only."""
    global _aws_regions
    if _aws_regions is None:
        import botocore.session

        session = botocore.session.get_session()
        codes: set[str] = set()
        for partition in session.get_available_partitions():
            for service in ("sagemaker", "ec2"):
                codes.update(session.get_available_regions(service, partition))
        _aws_regions = frozenset(codes)
    return _aws_regions
