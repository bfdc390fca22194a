"""`jupyter costwidget sandbox --scenario FILE --port N [--metadata-out PATH]`."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "sandbox",
        help="run the local AWS sandbox (moto, extended) in the foreground",
        description="Serve a scenario as a local AWS account on 127.0.0.1 until interrupted.",
    )
    parser.add_argument(
        "--scenario",
        default=None,
        help="scenario JSON file (default: the bundled demo scenario; 'none' for an empty account)",
    )
    parser.add_argument("--port", type=int, default=5555, help="port to listen on (0: a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--metadata-out",
        default=None,
        help="write the resource-metadata.json that the scenario's 'me' describes to this path",
    )
    parser.add_argument(
        "--shared-bucket",
        default=None,
        help="create this S3 bucket and the SNS topic 'costwidget-notices' for the shared "
        "collector (jupyter costwidget collect), as its template does on AWS",
    )
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from . import DEMO_SCENARIO, SandboxControlError, ScenarioError, start_sandbox
    from .scenario import read_scenario_file

    scenario: Any = None
    if args.scenario != "none":
        path = Path(args.scenario) if args.scenario else DEMO_SCENARIO
        try:
            scenario = read_scenario_file(path)
        except (OSError, ValueError) as exc:
            print(f"sandbox: cannot read scenario {path}: {exc}", file=sys.stderr)
            return 2
    try:
        server = start_sandbox(port=args.port, scenario=scenario, host=args.host)
    except (ScenarioError, SandboxControlError) as exc:
        print(f"sandbox: invalid scenario: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"sandbox: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    if args.metadata_out:
        if server.scenario() and server.scenario().get("me"):
            server.write_metadata(args.metadata_out)
            print(f"sandbox: wrote {args.metadata_out}", flush=True)
        else:
            print("sandbox: the scenario has no 'me'; no metadata file written", file=sys.stderr)
    if args.shared_bucket:
        topic = server.shared_bucket(args.shared_bucket, "costwidget-notices")
        print(f"sandbox: bucket s3://{args.shared_bucket}, topic {topic}", flush=True)
    print(
        f"sandbox: listening on {server.url} (region {server.region}, account {server.account})",
        flush=True,
    )
    print(
        f"sandbox: export COSTWIDGET_ENDPOINT_URL={server.url} COSTWIDGET_REGION={server.region}",
        flush=True,
    )
    signal.signal(signal.SIGTERM, lambda *_: server._server.shutdown())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
