"""Price catalog benchmark: cold load time and memory, and the cost of one lookup.

    .venv/bin/python bench/bench_pricing.py

Cold figures come from fresh interpreters (the snapshot parsed once per process, as in the
server). Writes bench/results/pricing.json. Exits non-zero only if something crashes; the
targets are reported, not asserted.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "pricing.json"
LOAD_TARGET_MS = 50.0
COLD_RUNS = 7
LOOKUPS = 200_000

# Runs in a fresh interpreter: import, load (snapshot + empty cache dir), first lookup.
_COLD = r"""
import json, sys, time, tracemalloc
measure_memory = sys.argv[2] == "memory"
t0 = time.perf_counter()
from jupyter_costwidget.pricing import PriceCatalog
t1 = time.perf_counter()
if measure_memory:
    tracemalloc.start()
catalog = PriceCatalog.load(sys.argv[1])
t2 = time.perf_counter()
out = {"import_ms": (t1 - t0) * 1e3, "load_ms": (t2 - t1) * 1e3}
if measure_memory:
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    out.update(peak_kib=peak / 1024, retained_kib=current / 1024)
t3 = time.perf_counter()
catalog.lookup("us-east-1", "Hosting", "ml.m5.xlarge")
out["first_lookup_us"] = (time.perf_counter() - t3) * 1e6
print(json.dumps(out))
"""


def cold_run(cache_dir: str, mode: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _COLD, cache_dir, mode],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def lookup_cost(cache_dir: str) -> dict[str, float]:
    # tracemalloc is not running here; the measurement is the plain lookup path.
    sys.path.insert(0, str(ROOT))
    from jupyter_costwidget.pricing import PriceCatalog

    catalog = PriceCatalog.load(cache_dir)
    hits = [
        (r, c, i)
        for r in ("us-east-1", "ap-northeast-1", "eu-west-1")
        for c, i, _ in catalog.prices(r)
    ]
    keys = [
        *hits[:500],
        ("us-east-1", "Hosting", "ml.nonexistent"),  # miss
        ("eu-west-2", "Hosting", "ml.m5.xlarge"),  # region without data
        ("us-east-1", "Studio-Storage", ""),
        ("us-east-1", "Studio-Notebook", "system"),
    ]
    n = len(keys)
    lookup = catalog.lookup
    for key in keys:  # warm the per-key Price memo like a running server would
        lookup(*key)
    t0 = time.perf_counter()
    for k in range(LOOKUPS):
        lookup(*keys[k % n])
    total = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(2000):
        PriceCatalog.load(cache_dir)  # cached: a stat of the cache directory
    cached_load = time.perf_counter() - t0
    return {
        "lookups": LOOKUPS,
        "distinct_keys": n,
        "lookup_us": total / LOOKUPS * 1e6,
        "cached_load_us": cached_load / 2000 * 1e6,
    }


def refresh_reload_ms(cache_dir: str) -> float:
    """Load after a refresh cache for one region appeared (snapshot already parsed)."""
    from jupyter_costwidget.pricing import PriceCatalog
    from jupyter_costwidget.pricing.refresh import write_cache

    rows = [
        {
            "region": "us-east-1",
            "component": c,
            "instance_type": i,
            "usd": repr(p.usd_per_unit),
            "unit": p.unit,
            "usage_type": p.usage_type,
            "source_id": f"SKU{n}",
        }
        for n, (c, i, p) in enumerate(PriceCatalog.load(cache_dir).prices("us-east-1"))
    ]
    doc = {"format": 1, "region": "us-east-1", "fetched_at": "2026-01-01T00:00:00Z"}
    write_cache(cache_dir, "us-east-1", {**doc, "prices": rows})
    t0 = time.perf_counter()
    catalog = PriceCatalog.load(cache_dir)
    elapsed = (time.perf_counter() - t0) * 1e3
    assert catalog.refreshed, "the refresh cache was not picked up"
    return elapsed


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        cache_dir = os.path.join(tmp, "prices")
        # Time without tracemalloc (it slows allocation); memory in separate fresh runs.
        runs = [cold_run(cache_dir, "time") for _ in range(COLD_RUNS)]
        memory = [cold_run(cache_dir, "memory") for _ in range(2)]
        lookups = lookup_cost(cache_dir)
        reload_ms = refresh_reload_ms(cache_dir)
    load = [r["load_ms"] for r in runs]
    result = {
        "benchmark": "pricing",
        "python": platform.python_version(),
        "cold_runs": COLD_RUNS,
        "load_ms_median": statistics.median(load),
        "load_ms_max": max(load),
        "import_ms_median": statistics.median(r["import_ms"] for r in runs),
        "import_load_ms_median": statistics.median(r["import_ms"] + r["load_ms"] for r in runs),
        "first_lookup_us_median": statistics.median(r["first_lookup_us"] for r in runs),
        "load_peak_kib": max(r["peak_kib"] for r in memory),
        "load_retained_kib": max(r["retained_kib"] for r in memory),
        "refresh_reload_ms": reload_ms,
        **lookups,
        "load_target_ms": LOAD_TARGET_MS,
        "load_ok": statistics.median(load) < LOAD_TARGET_MS,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    verdict = "OK" if result["load_ok"] else "OVER TARGET"
    print(
        f"pricing: load {result['load_ms_median']:.1f} ms median, {result['load_ms_max']:.1f} max "
        f"(target < {LOAD_TARGET_MS:.0f} ms): {verdict}; "
        f"import {result['import_ms_median']:.1f} ms, "
        f"import + load {result['import_load_ms_median']:.1f} ms"
    )
    print(
        f"pricing: memory peak {result['load_peak_kib']:.0f} KiB, "
        f"retained {result['load_retained_kib']:.0f} KiB (tracemalloc, during load)"
    )
    print(
        f"pricing: lookup {result['lookup_us']:.2f} us over {LOOKUPS} lookups "
        f"({lookups['distinct_keys']} keys); cached load() {result['cached_load_us']:.1f} us; "
        f"reload after refresh {reload_ms:.1f} ms"
    )
    print(f"pricing: results in {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
