"""`jupyter costwidget prices update|show`: refresh the price cache, show what is used.

Exit status: 0 ok, 1 nothing found / AWS failed, 2 bad input (unknown region or component).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from decimal import Decimal
from typing import Any

from jupyter_costwidget.pricing.catalog import (
    PriceCatalog,
    UnknownComponent,
    UnknownRegion,
    default_cache_dir,
)

EXIT_BAD_INPUT = 2


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("prices", help="SageMaker price catalog: refresh and show")
    parser.set_defaults(func=lambda _args: parser.print_help() or 0)
    sub = parser.add_subparsers(title="prices subcommands", metavar="ACTION")

    update = sub.add_parser(
        "update", help="fetch a region's on-demand prices from the AWS Price List API"
    )
    update.add_argument(
        "--region", help="region to refresh (default: COSTWIDGET_REGION, AWS_REGION, ...)"
    )
    update.add_argument(
        "--endpoint-url", help="AWS endpoint (sandbox); default: COSTWIDGET_ENDPOINT_URL"
    )
    update.add_argument("--cache-dir", help="default: <jupyter data dir>/costwidget/prices")
    update.set_defaults(func=run_update)

    show = sub.add_parser("show", help="print the price the catalog would use and its source")
    show.add_argument("instance_type", nargs="?", metavar="INSTANCE", help="e.g. ml.m5.xlarge")
    show.add_argument("--region", help="default: COSTWIDGET_REGION, AWS_REGION, ... or us-east-1")
    show.add_argument("--component", help="e.g. Hosting, Studio-JupyterLab (default: all)")
    show.add_argument("--cache-dir", help="default: <jupyter data dir>/costwidget/prices")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(func=run_show)
    return parser


def _env_region() -> str:
    for name in ("COSTWIDGET_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"):
        if os.environ.get(name):
            return os.environ[name]
    return ""


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def run_update(args: argparse.Namespace) -> int:
    from jupyter_costwidget.aws.clients import AwsError
    from jupyter_costwidget.pricing.refresh import RefreshError, refresh_region

    region = (args.region or _env_region()).strip().lower()
    if not region:
        _error("no region: pass --region or set COSTWIDGET_REGION")
        return EXIT_BAD_INPUT
    try:
        region = PriceCatalog.snapshot_only().check_region(region)
    except UnknownRegion as exc:
        _error(str(exc))
        return EXIT_BAD_INPUT
    endpoint_url = args.endpoint_url or os.environ.get("COSTWIDGET_ENDPOINT_URL") or None
    cache_dir = args.cache_dir or default_cache_dir()
    try:
        result = refresh_region(region, cache_dir=cache_dir, endpoint_url=endpoint_url)
    except AwsError as exc:
        _error(f"{exc}\nhint: {exc.hint}")
        return 1
    except RefreshError as exc:
        _error(str(exc))
        return 1
    except OSError as exc:
        _error(f"could not write the price cache in {cache_dir}: {exc.strerror or exc}")
        return 1
    print(
        f"{region}: {result.prices_written} prices from {result.products_seen} products "
        f"({result.skipped} skipped) fetched at {result.fetched_at}; cached in {result.path}"
    )
    for conflict in result.conflicts:
        print(f"warning: two SKUs disagree, lower price kept: {conflict}", file=sys.stderr)
    return 0


def run_show(args: argparse.Namespace) -> int:
    catalog = PriceCatalog.load(args.cache_dir or None)
    for warning in catalog.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    region = args.region or _env_region() or "us-east-1"
    instance = args.instance_type.strip() if args.instance_type else None
    try:
        region = catalog.check_region(region)
        component = catalog.check_component(args.component) if args.component else None
        if component and instance is not None:
            price = catalog.lookup(region, component, instance)
            shown = [(component, instance, price)] if price else []
        else:
            shown = catalog.prices(region, component, instance)
    except (UnknownRegion, UnknownComponent) as exc:
        _error(str(exc))
        return EXIT_BAD_INPUT
    if args.json:
        print(json.dumps(_as_json(catalog, region, shown), indent=1))
    else:
        _print_table(catalog, region, shown)
    if not shown:
        what = " ".join(x for x in (args.component, instance) if x) or "anything"
        print(f"no price known for {what} in {region} (unknown, not $0)", file=sys.stderr)
        return 1
    return 0


def _as_json(catalog: PriceCatalog, region: str, shown: list) -> dict[str, Any]:
    return {
        "region": region,
        "snapshot_effective_date": catalog.effective_date,
        "refreshed_at": catalog.refreshed.get(region, {}).get("fetched_at"),
        "prices": [
            {"component": c, "instance_type": i, **price.as_dict()} for c, i, price in shown
        ],
    }


def _print_table(catalog: PriceCatalog, region: str, shown: list) -> None:
    refreshed = catalog.refreshed.get(region)
    origin = f"refreshed {refreshed['fetched_at']}" if refreshed else "no refresh cache"
    print(f"# {region}: snapshot of {catalog.effective_date}, {origin}")
    for component, instance, price in shown:
        per_hour = _plain(round(price.usd_per_hour, 8))
        detail = f"{price.source} {price.source_date} {price.source_id}".strip()
        extra = f"  ({price.note})" if price.note else ""
        print(
            f"{component:<20} {instance or '-':<18} "
            f"{_plain(price.usd_per_unit)} USD/{price.unit:<6} "
            f"= {per_hour} USD/h  source={price.source} [{detail}]{extra}"
        )


def _plain(number: float) -> str:
    """6e-05 -> '0.00006' (no exponent, no trailing zeros)."""
    text = format(Decimal(repr(number)).normalize(), "f")
    return text
