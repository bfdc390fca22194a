"""Sum up a `mutmut run` by module into bench/results/mutation.json.

Reads mutmut's per-file results (`mutants/**/*.py.meta`). A mutant counts as killed when a
test failed or timed out on it. Mutants listed in docs/testing.md as equivalent (a line
"- `<mutant name>`: why") are reported apart and left out of the kill rate; every other
mutant that no test killed, run or not, counts against it.

Exit status 1 when a module is below the target (90 %).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 90.0
KILLED_CODES = {1, 3, 36, 24, -24, 152, 255}  # a failing test, or a timeout
EQUIVALENT_LINE = re.compile(r"^- `(?P<name>[\w.\u01c1]+__mutmut_\d+)`")


def equivalent_mutants(doc: Path) -> set[str]:
    if not doc.exists():
        return set()
    names = set()
    for line in doc.read_text(encoding="utf-8").splitlines():
        match = EQUIVALENT_LINE.match(line)
        if match:
            names.add(match.group("name"))
    return names


def module_of(meta: Path, mutants: Path) -> str:
    return str(meta.relative_to(mutants)).removesuffix(".meta")


def report(mutants: Path, doc: Path) -> dict:
    equivalent = equivalent_mutants(doc)
    modules = {}
    for meta in sorted(mutants.rglob("*.py.meta")):
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        killed, survived, untested, equiv = [], [], [], []
        for name, code in sorted(codes.items()):
            if name in equivalent:
                equiv.append(name)
            elif code in KILLED_CODES:
                killed.append(name)
            elif code in (5, 33, None):
                untested.append(name)
            else:
                survived.append(name)
        counted = len(killed) + len(survived) + len(untested)
        modules[module_of(meta, mutants)] = {
            "mutants": len(codes),
            "killed": len(killed),
            "survived": len(survived),
            "not_covered": len(untested),
            "equivalent": len(equiv),
            "kill_rate": round(100.0 * len(killed) / counted, 1) if counted else 100.0,
            "surviving": survived + untested,
        }
    total_killed = sum(m["killed"] for m in modules.values())
    total_counted = sum(m["killed"] + m["survived"] + m["not_covered"] for m in modules.values())
    return {
        "tool": "mutmut",
        "target_percent": TARGET,
        "kill_rate": round(100.0 * total_killed / total_counted, 1) if total_counted else 100.0,
        "mutants": sum(m["mutants"] for m in modules.values()),
        "killed": total_killed,
        "modules": modules,
    }


def main() -> int:
    mutants = ROOT / "mutants"
    result = report(mutants, ROOT / "docs" / "testing.md")
    if not result["modules"]:
        print("no mutmut results under mutants/: run `mutmut run` first (make mutate)")
        return 1
    out = ROOT / "bench" / "results" / "mutation.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    width = max((len(m) for m in result["modules"]), default=10)
    print(f"{'module':<{width}}  mutants  killed  survived  not covered  equivalent  rate")
    below = []
    for name, m in result["modules"].items():
        print(
            f"{name:<{width}}  {m['mutants']:7}  {m['killed']:6}  {m['survived']:8}  "
            f"{m['not_covered']:11}  {m['equivalent']:10}  {m['kill_rate']:5.1f} %"
        )
        if m["kill_rate"] < TARGET:
            below.append(name)
    print(f"all: {result['killed']} of {result['mutants']} killed, {result['kill_rate']} %")
    print(f"written: {out.relative_to(ROOT)}")
    if below:
        print(f"below {TARGET:g} %: {', '.join(below)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
