"""The collector's two entry points: the Lambda handler and `jupyter costwidget collect`.

Both read the same settings: the Lambda from its environment (the template sets them), the
command from its options, falling back to the same environment variables. The AWS endpoint
comes from COSTWIDGET_ENDPOINT_URL, as for the server (the sandbox in tests and demos).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from typing import Any

from jupyter_costwidget.aws.clients import AwsClients, AwsError
from jupyter_costwidget.collector.location import BadSnapshotUrl, SnapshotLocation
from jupyter_costwidget.collector.run import Collector, CollectorSettings, collector_config

LOG = logging.getLogger("jupyter_costwidget.collector")
# A warm Lambda keeps its collector (and the inventories' describes) between runs.
_warm: dict[tuple[Any, ...], Collector] = {}


def settings_from_env(environ: Any = os.environ) -> CollectorSettings:
    """COSTWIDGET_BUCKET, COSTWIDGET_PREFIX, COSTWIDGET_REGIONS (comma-separated; default the
    Lambda's own AWS_REGION), COSTWIDGET_TOPIC_ARN, COSTWIDGET_PERIOD_SECONDS,
    COSTWIDGET_DAILY_NOTICE_HOUR."""
    bucket = environ.get("COSTWIDGET_BUCKET", "")
    if not bucket:
        raise BadSnapshotUrl("COSTWIDGET_BUCKET is not set.")
    own = environ.get("COSTWIDGET_REGION") or environ.get("AWS_REGION") or ""
    regions = [r.strip() for r in environ.get("COSTWIDGET_REGIONS", "").split(",") if r.strip()]
    return CollectorSettings(
        location=SnapshotLocation(bucket, environ.get("COSTWIDGET_PREFIX", "").strip("/")),
        regions=_own_first(own, regions),
        topic_arn=environ.get("COSTWIDGET_TOPIC_ARN") or None,
        period_seconds=float(environ.get("COSTWIDGET_PERIOD_SECONDS") or 60),
        daily_hour=int(environ.get("COSTWIDGET_DAILY_NOTICE_HOUR") or 0),
    )


def _own_first(own: str, regions: list[str]) -> list[str]:
    ordered = [own] if own else []
    return ordered + [region for region in regions if region not in ordered]


def make_collector(settings: CollectorSettings) -> Collector:
    config = collector_config()
    clients: dict[str, AwsClients] = {}

    def aws_in(region: str) -> AwsClients:
        if region not in clients:
            clients[region] = AwsClients(
                region=region,
                endpoint_url=config.endpoint_url or None,
                max_attempts=config.aws_max_attempts,
                max_pool_connections=max(10, config.aws_max_workers * 2),
            )
        return clients[region]

    return Collector(settings, config, aws_in)


def handler(event: Any = None, context: Any = None) -> dict[str, Any]:
    """The Lambda function's handler (EventBridge Scheduler invokes it every period)."""
    settings = settings_from_env()
    key = (settings.location, tuple(settings.regions), settings.topic_arn)
    collector = _warm.get(key)
    if collector is None:
        collector = _warm[key] = make_collector(settings)
    report = collector.run()
    summary = {
        "account": report.account,
        "regions": report.regions,
        "written": report.written,
        "published": report.published,
        "billing_fetched": report.billing_fetched,
        "scan_calls": report.scan_calls,
        "other_calls": report.other_calls,
        "errors": [f"{e.get('source')}: {e.get('code')}" for e in report.errors],
    }
    LOG.info("costwidget collector: %s", json.dumps(summary))
    return summary


# --------------------------------------------------------------------------- the command
def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "collect",
        help="scan the account once for every user and write the shared snapshot to S3",
        description="Scan each region once, write s3://BUCKET/PREFIX/<account>/<region>/"
        "spend.json for readers (c.CostWidget.snapshot_url), refresh billed spend when due "
        "and announce new warnings on an SNS topic.",
    )
    parser.add_argument("--bucket", default=os.environ.get("COSTWIDGET_BUCKET", ""))
    parser.add_argument("--prefix", default=os.environ.get("COSTWIDGET_PREFIX", ""))
    parser.add_argument(
        "--region",
        action="append",
        default=[],
        help="a region to scan (repeat; default: this process's region)",
    )
    parser.add_argument("--topic-arn", default=os.environ.get("COSTWIDGET_TOPIC_ARN", ""))
    parser.add_argument(
        "--period",
        type=float,
        default=float(os.environ.get("COSTWIDGET_PERIOD_SECONDS") or 60),
        help="how often the collector runs, in seconds (readers call older than 3 stale)",
    )
    parser.add_argument(
        "--every",
        type=float,
        default=0.0,
        help="run again every this many seconds until interrupted (0: once)",
    )
    parser.set_defaults(func=run_command)
    return parser


def run_command(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if not args.bucket:
        print("collect: --bucket (or COSTWIDGET_BUCKET) is required", file=sys.stderr)
        return 2
    config = collector_config()
    own = config.region or os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION")
    regions = list(args.region) or ([own] if own else [])
    if not regions:
        print("collect: give --region or set AWS_DEFAULT_REGION", file=sys.stderr)
        return 2
    settings = CollectorSettings(
        location=SnapshotLocation(args.bucket, args.prefix.strip("/")),
        regions=regions,
        topic_arn=args.topic_arn or None,
        period_seconds=args.every or args.period,
    )
    collector = make_collector(settings)
    try:
        while True:
            try:
                report = collector.run()
            except AwsError as err:
                print(f"collect: {err} ({err.hint})", file=sys.stderr)
                if not args.every:
                    return 1
            else:
                print(
                    f"{report.account}: wrote {len(report.written)} objects, "
                    f"{report.scan_calls} scan calls, {len(report.published)} notices"
                    + (f", {len(report.errors)} sources failing" if report.errors else ""),
                    flush=True,
                )
            if not args.every:
                return 0
            time.sleep(args.every)
    except KeyboardInterrupt:
        return 0
    finally:
        collector.close()
