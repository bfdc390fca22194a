"""Fail when code, tests or build files name a path outside the repo or of one machine.

A user's clone has nothing beside it: everything the project reads at run or test time is
inside the repo. Run by `make lint`; exits 1 and lists the offending lines.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# What runs or builds here: the package, tests, benchmarks, scripts, the front-end and CI.
# (examples/ is deployed on SageMaker hosts and names their paths on purpose.)
CHECKED = (
    "jupyter_costwidget",
    "tests",
    "bench",
    "scripts",
    "labextension/src",
    "ui-tests",
    ".ci",
    "Makefile",
    "pyproject.toml",
    "package.json",
)
SUFFIXES = {".py", ".sh", ".ts", ".tsx", ".js", ".json", ".toml", ".cfg", ".yaml", ".yml", ""}
FORBIDDEN = (
    # a sibling of the checkout, such as the workspace's shared data folder
    re.compile(r"\.\./+shared\b"),
    re.compile(r"""["'/]shared/pricing\b"""),
    # absolute paths of one machine (the workspace, a home folder)
    re.compile(r"""["'=\s](/work/|/root/|/home/[A-Za-z])"""),
)
ALLOWED_FILES = {"scripts/check_repo_paths.py"}


def tracked_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", *CHECKED],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [
        line
        for line in out.splitlines()
        if "node_modules" not in line
        and line not in ALLOWED_FILES
        and Path(line).suffix in SUFFIXES
        and not line.endswith(("yarn.lock", "snapshot.json"))
    ]


def offending_lines(text: str) -> list[int]:
    """Numbers of the lines of `text` that name a forbidden path."""
    return [
        number
        for number, line in enumerate(text.splitlines(), start=1)
        if any(pattern.search(line) for pattern in FORBIDDEN)
    ]


def report(files: list[str]) -> list[str]:
    found = []
    for name in files:
        path = REPO / name
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        lines = text.splitlines()
        found += [f"{name}:{n}: {lines[n - 1].strip()[:120]}" for n in offending_lines(text)]
    return found


def main() -> int:
    found = report(tracked_files())
    if found:
        print("Paths outside the repo or of one machine (a user's clone has none of them):")
        print("\n".join(found))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
