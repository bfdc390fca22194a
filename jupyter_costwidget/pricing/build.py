"""Generate the bundled price snapshot from the repo's price table and its SOURCES.md.

    python -m jupyter_costwidget.pricing.build [--csv PATH] [--sources PATH] [--out PATH]
    make prices   (the same, with the defaults)

The source table is `data/pricing/sagemaker_prices.csv` in this repo, with the provenance of
every row in `data/pricing/SOURCES.md`. The output (`snapshot.json`) is a pure function of
those two files: rows sorted by key, sources limited to the ids the rows use, no timestamps,
so a regeneration from the same input is byte-identical. Prices stay the CSV's exact strings.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

SNAPSHOT_FORMAT = 1
PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = PACKAGE_DIR / "snapshot.json"
# The source table lives in the repo (a checkout, not an installed wheel, can rebuild).
REPO_ROOT = PACKAGE_DIR.parent.parent
GENERATED_FROM = "data/pricing/sagemaker_prices.csv"
DEFAULT_CSV = REPO_ROOT / GENERATED_FROM

CSV_COLUMNS = (
    "region",
    "component",
    "instance_type",
    "usd_per_hour",
    "unit",
    "usage_type",
    "source_id",
)
UNITS = ("Hrs", "GB-Mo", "second")
_USD_RE = re.compile(r"^\d+(\.\d+)?$")
_ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")

# SOURCES.md states some price dates only in words; these are those words as dates.
# Keys are source ids; values are what the table's "price date" cell says, normalised.
PRICE_DATE_FROM_WORDS = {
    "S4": "2023-12",  # "AWS bill for December 2023"
    "S8": "2026-09-09",  # "Price List API checked September 9 ... effective September 1" (2026)
    "S10": "2026-06",  # (a) undated page copy; (b) blog post of June 2026
}

# Sources described only in SOURCES.md's "Additions after compilation" section, not its
# table. S17 in the table is a comparison-only endpoint-price file (never kept); the CSV's
# only S17 row is the EFS Standard price named in the additions, so the addition wins.
ADDITIONS = {
    "SEED000": {
        "title": "Seed document 000_3b1c7edfa62656c2.txt: a user's AWS bill, January 2024, line "
        "'Canvas:Workspace Instance (Session-Hrs):RunInstance in Asia Pacific (Tokyo)'",
        "price_date": "2024-01",
        "price_date_text": "bill of January 2024",
        "confidence": "High",
    },
    "S17": {
        "title": "AWS EFS pricing page (aws.amazon.com/efs/pricing) as stored in the search corpus",
        "price_date": "undated",
        "price_date_text": "undated",
        "confidence": "not stated (official AWS pricing page)",
    },
}


class BuildError(Exception):
    """The input files do not have the expected shape."""


def _clean(cell: str) -> str:
    """Markdown table cell -> plain text (no backticks/bold, single spaces)."""
    text = cell.replace("`", "").replace("**", "")
    return " ".join(text.split())


def parse_sources_table(text: str) -> dict[str, dict[str, str]]:
    """The `| id | repository / location | path | ... |` table of SOURCES.md, by id."""
    sources: dict[str, dict[str, str]] = {}
    header: list[str] | None = None
    for line in text.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [_clean(c) for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == "id" and "price date" in cells:
            header = cells
            continue
        if header is None or set(cells[0]) <= {"-", ":", " "}:
            continue
        if len(cells) != len(header):
            raise BuildError(f"SOURCES.md table row has {len(cells)} cells: {line[:60]}")
        row = dict(zip(header, cells, strict=True))
        location = row["repository / location"]
        path = row.get("path", "")
        title = location if path in ("", "—", "-") else f"{location} {path}"
        if location.startswith("repository not resolvable"):
            title = f"{title}; {row['commit or index id']}"
        raw_date = row["price date"]
        iso = _ISO_DATE_RE.search(raw_date)
        price_date = iso.group(0) if iso else PRICE_DATE_FROM_WORDS.get(row["id"], "undated")
        sources[row["id"]] = {
            "title": title,
            "price_date": price_date,
            "price_date_text": raw_date,
            "confidence": row["confidence"],
        }
    return sources


def read_csv_rows(csv_path: Path) -> list[dict[str, str]]:
    with open(csv_path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != CSV_COLUMNS:
            raise BuildError(f"{csv_path}: expected columns {CSV_COLUMNS}, got {reader.fieldnames}")
        rows = list(reader)
    seen: set[tuple[str, str, str]] = set()
    for n, row in enumerate(rows, start=2):
        key = (row["region"], row["component"], row["instance_type"])
        if key in seen:
            raise BuildError(f"{csv_path}:{n}: duplicate key {key}")
        seen.add(key)
        if not _USD_RE.match(row["usd_per_hour"]):
            raise BuildError(f"{csv_path}:{n}: price {row['usd_per_hour']!r} is not a number")
        if row["unit"] not in UNITS:
            raise BuildError(f"{csv_path}:{n}: unit {row['unit']!r} not one of {UNITS}")
    return rows


def build_snapshot(csv_path: Path, sources_path: Path) -> dict[str, Any]:
    rows = read_csv_rows(csv_path)
    table = parse_sources_table(sources_path.read_text(encoding="utf-8"))
    table.update(ADDITIONS)
    used = sorted({r["source_id"] for r in rows})
    missing = [sid for sid in used if sid not in table]
    if missing:
        raise BuildError(f"source ids used by the CSV but not described in SOURCES.md: {missing}")
    sources = {sid: table[sid] for sid in used}
    dates = [s["price_date"] for s in sources.values() if _ISO_DATE_RE.fullmatch(s["price_date"])]
    prices = [
        {
            "region": r["region"],
            "component": r["component"],
            "instance_type": r["instance_type"],
            "usd": r["usd_per_hour"],
            "unit": r["unit"],
            "usage_type": r["usage_type"],
            "source_id": r["source_id"],
        }
        for r in sorted(rows, key=lambda r: (r["region"], r["component"], r["instance_type"]))
    ]
    return {
        "format": SNAPSHOT_FORMAT,
        "effective_date": max(dates),
        "generated_from": GENERATED_FROM,
        "sources": sources,
        "prices": prices,
    }


def render(snapshot: dict[str, Any]) -> str:
    """Stable text: header indented, one price row per line (diffable, fast to parse)."""
    head = {k: v for k, v in snapshot.items() if k != "prices"}
    text = json.dumps(head, indent=1, ensure_ascii=False, sort_keys=False)
    rows = ",\n".join("  " + json.dumps(p, ensure_ascii=False) for p in snapshot["prices"])
    return text[:-2] + ',\n "prices": [\n' + rows + "\n ]\n}\n"


def write_snapshot(csv_path: Path, sources_path: Path, out: Path) -> int:
    text = render(build_snapshot(csv_path, sources_path))
    json.loads(text)  # never write something the catalog cannot read
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, out)
    return len(text.encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV, help="the price table CSV")
    parser.add_argument(
        "--sources", type=Path, default=None, help="SOURCES.md (default: next to the CSV)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="snapshot file to write")
    args = parser.parse_args(argv)
    sources = args.sources or args.csv.with_name("SOURCES.md")
    for path in (args.csv, sources):
        if not path.is_file():
            print(f"error: {path} not found", file=sys.stderr)
            return 2
    try:
        size = write_snapshot(args.csv, sources, args.out)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.out} ({size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
