"""`jupyter costwidget <subcommand>`: the command-line side of the extension.

Each feature module that has a command exposes `add_parser(subparsers)` returning its
parser with `set_defaults(func=...)`; `func(args) -> int` is the exit status.
"""

from __future__ import annotations

import argparse
import sys

from jupyter_costwidget import __version__
from jupyter_costwidget.collector import entry as collector_entry
from jupyter_costwidget.pricing import cli as pricing_cli
from jupyter_costwidget.sandbox import cli as sandbox_cli


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jupyter costwidget",
        description="SageMaker cost meter for JupyterLab: sandbox, prices and diagnostics.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    subparsers = parser.add_subparsers(title="subcommands", metavar="SUBCOMMAND")
    version = subparsers.add_parser("version", help="print the package version")
    version.set_defaults(func=lambda _args: print(__version__) or 0)
    pricing_cli.add_parser(subparsers)
    sandbox_cli.add_parser(subparsers)
    collector_entry.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0
    return int(func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
