"""`jupyter costwidget <subcommand>`: the command-line side of the extension.

Each feature module that has a command exposes `add_parser(subparsers)` returning its
parser with `set_defaults(func=...)`; `func(args) -> int` is the exit status.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__

# Modules with an `add_parser(subparsers)`; each feature adds its module name here.
SUBCOMMAND_MODULES: tuple[str, ...] = ("pricing.cli", "sandbox.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jupyter costwidget",
        description="SageMaker cost meter for JupyterLab: sandbox, prices and diagnostics.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    subparsers = parser.add_subparsers(title="subcommands", metavar="SUBCOMMAND")
    version = subparsers.add_parser("version", help="print the package version")
    version.set_defaults(func=lambda _args: print(__version__) or 0)
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(f"{__package__}.{name}").add_parser(subparsers)
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
