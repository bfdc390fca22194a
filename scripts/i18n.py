"""The translation catalogue: extract the messages, merge them into each .po, compile.

    python scripts/i18n.py update    # add new messages to every .po, drop gone ones
    python scripts/i18n.py compile   # each .po -> .mo (Python's gettext) and .json (JupyterLab)
    python scripts/i18n.py check     # every message translated, nothing stale (make lint)

Messages come from the front-end (`trans.__`, `trans._n`, `trans._p` in labextension/src) and
from the package (`Text(...)`, `N_(...)` and `say(said, ...)`). The .json is the Jed format
JupyterLab's language packs use: {"": header, msgid: [translation], singular: [translation, ""]}.
"""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = "jupyter_costwidget"
LOCALE_DIR = ROOT / "jupyter_costwidget" / "locale"
TS_DIR = ROOT / "labextension" / "src"
CONTEXT_DELIMITER = "\x04"

Message = tuple[str, str | None, str | None]  # msgid, plural, context
# JupyterLab's %1 and Python's {name}: a translation keeps every one of them.
PLACEHOLDER = re.compile(r"%\d+|\{\w+\}")


def _js_string(source: str, at: int) -> tuple[str, int]:
    """The JS string literal starting at `at` ('...' or "..."), and the index after it."""
    quote = source[at]
    out = []
    i = at + 1
    escapes = {"n": "\n", "t": "\t", "'": "'", '"': '"', "\\": "\\"}
    while source[i] != quote:
        if source[i] == "\\":
            nxt = source[i + 1]
            if nxt == "u":
                out.append(chr(int(source[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(escapes.get(nxt, nxt))
            i += 2
            continue
        out.append(source[i])
        i += 1
    return "".join(out), i + 1


def _skip_space(source: str, at: int) -> int:
    while at < len(source) and source[at].isspace():
        at += 1
    return at


def _literal_args(source: str, at: int, count: int, where: str) -> list[str]:
    """`count` leading arguments of a call, each a literal or literals joined with `+`."""
    args = []
    for _ in range(count):
        at = _skip_space(source, at)
        parts = []
        while True:
            if source[at] not in "'\"":
                raise SystemExit(f"{where}: a translated message must be a string literal")
            text, at = _js_string(source, at)
            parts.append(text)
            at = _skip_space(source, at)
            if source[at] != "+":
                break
            at = _skip_space(source, at + 1)
        args.append("".join(parts))
        at = _skip_space(source, at)
        if source[at] == ",":
            at += 1
    return args


TS_CALL = re.compile(r"\btrans\.(__|_n|_p)\(")


def typescript_messages() -> dict[Message, list[str]]:
    found: dict[Message, list[str]] = {}
    for path in sorted(TS_DIR.rglob("*.ts*")):
        if "__tests__" in path.parts or path.name == "types.ts":
            continue
        source = path.read_text(encoding="utf-8")
        for match in TS_CALL.finditer(source):
            line = source.count("\n", 0, match.start()) + 1
            where = f"{path.relative_to(ROOT)}:{line}"
            kind = match.group(1)
            args = _literal_args(source, match.end(), 1 if kind == "__" else 2, where)
            if kind == "__":
                key: Message = (args[0], None, None)
            elif kind == "_n":
                key = (args[0], args[1], None)
            else:
                key = (args[1], None, args[0])
            found.setdefault(key, []).append(where)
    return found


def python_messages() -> dict[Message, list[str]]:
    found: dict[Message, list[str]] = {}
    method_map = [("sandbox/**.py", "ignore"), ("**.py", "python")]
    keywords = {"Text": None, "N_": None, "say": (2,)}
    for filename, line, message, _comments, context in extract_from_dir(
        str(ROOT / "jupyter_costwidget"), method_map, keywords=keywords
    ):
        key: Message = (message, None, context)
        found.setdefault(key, []).append(f"jupyter_costwidget/{filename}:{line}")
    return found


def messages() -> dict[Message, list[str]]:
    found = typescript_messages()
    for key, where in python_messages().items():
        found.setdefault(key, []).extend(where)
    return found


def po_paths() -> list[Path]:
    return sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, domain=DOMAIN)


def update() -> None:
    wanted = messages()
    for path in po_paths():
        old = read_catalog(path)
        new = Catalog(
            locale=old.locale,
            domain=DOMAIN,
            project="jupyter-costwidget",
            copyright_holder="jupyter-costwidget contributors",
            creation_date=old.creation_date,
            revision_date=old.revision_date,
            last_translator=old.last_translator,
            fuzzy=False,
        )
        for (msgid, plural, context), where in wanted.items():
            key = (msgid, plural) if plural else msgid
            previous = old.get(msgid, context)
            string = previous.string if previous is not None else ("", "") if plural else ""
            locations = [(w.rsplit(":", 1)[0], int(w.rsplit(":", 1)[1])) for w in where]
            new.add(key, string, locations=locations, context=context)
        out = io.BytesIO()
        write_po(out, new, width=100, omit_header=False, sort_output=False)
        path.write_bytes(out.getvalue())
        print(f"{path.relative_to(ROOT)}: {len(new)} messages")


def jed(catalog: Catalog) -> dict[str, object]:
    language = str(catalog.locale).replace("_", "-")
    data: dict[str, object] = {
        "": {
            "domain": DOMAIN,
            "language": language,
            "plural_forms": catalog.plural_forms,
            "version": "jupyter_costwidget",
        }
    }
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id[0] if message.pluralizable else message.id
        key = f"{message.context}{CONTEXT_DELIMITER}{msgid}" if message.context else msgid
        if message.pluralizable:
            forms = [s for s in message.string if s]
            # JupyterLab takes a plural entry only when it has two or more items.
            data[key] = forms + [""] * max(0, 2 - len(forms))
        else:
            data[key] = [message.string]
    return data


def compiled(path: Path) -> tuple[bytes, str]:
    catalog = read_catalog(path)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    text = json.dumps(jed(catalog), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    return out.getvalue(), text


def compile_all() -> None:
    for path in po_paths():
        mo, text = compiled(path)
        path.with_suffix(".mo").write_bytes(mo)
        path.with_suffix(".json").write_text(text, encoding="utf-8")
        print(f"{path.relative_to(ROOT)}: compiled")


def check() -> int:
    wanted = {(m, c) for m, _p, c in messages()}
    problems = []
    for path in po_paths():
        catalog = read_catalog(path)
        name = path.relative_to(ROOT)
        have = set()
        for message in catalog:
            if not message.id:
                continue
            msgid = message.id[0] if message.pluralizable else message.id
            have.add((msgid, message.context))
            strings = message.string if message.pluralizable else [message.string]
            if not any(strings):
                problems.append(f"{name}: not translated: {msgid!r}")
            for string in filter(None, strings):
                if sorted(PLACEHOLDER.findall(string)) != sorted(PLACEHOLDER.findall(msgid)):
                    problems.append(f"{name}: placeholders differ: {msgid!r} -> {string!r}")
        problems += [f"{name}: missing: {m!r}" for m, _c in sorted(wanted - have, key=str)]
        problems += [f"{name}: no longer used: {m!r}" for m, _c in sorted(have - wanted, key=str)]
        mo, text = compiled(path)
        if (
            path.with_suffix(".mo").read_bytes() != mo
            or path.with_suffix(".json").read_text(encoding="utf-8") != text
        ):
            problems.append(f"{name}: .mo/.json are stale")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("run `python scripts/i18n.py update`, translate, then `... compile`", file=sys.stderr)
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "check":
        return check()
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
