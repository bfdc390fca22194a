"""The repo stands alone: the path lint finds nothing in the tree, and does find a bad path."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "check_repo_paths.py"


def _lint():
    spec = importlib.util.spec_from_file_location("check_repo_paths", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_tree_names_no_path_outside_the_repo():
    lint = _lint()
    assert lint.report(lint.tracked_files()) == []


def test_paths_outside_the_repo_are_found():
    lint = _lint()
    up, work, home, shared = (
        "..",
        "work",
        "root",
        "shared",
    )  # split so this file does not match itself
    text = "\n".join(
        [
            'CSV = ROOT.parent / "shared" / "pricing"',  # 1: fine on its own (no literal path)
            f'CSV = "{up}/{shared}/pricing/sagemaker_prices.csv"',  # 2
            f'Path("/{work}/{shared}/pricing/x.csv")',  # 3
            f"data = open('/{home}/prices.csv')",  # 4
            'path = REPO / "data" / "pricing" / "sagemaker_prices.csv"',  # 5: inside the repo
        ]
    )
    assert lint.offending_lines(text) == [2, 3, 4]
