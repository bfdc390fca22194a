"""How `%costs` shows a /spend snapshot: a plain-text table, an HTML table, an ipywidgets view.

`CostsReport` picks what to show (one scope, or only warnings) from the snapshot; the three
renderings share it. `CostsView` is what the magic displays: JupyterLab gets the widget
(sortable columns, Refresh), front-ends without widgets the HTML, terminals the text.
"""

from __future__ import annotations

import html
import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from gettext import NullTranslations
from typing import Any

from jupyter_costwidget.api.models import SCOPES
from jupyter_costwidget.i18n import ENGLISH, Text, say, translate

SCOPE_TITLES = {
    "self": Text("This app"),
    "mine": Text("Mine"),
    "domain": Text("This domain"),
    "region": Text("The whole region"),
    "account": Text("The account (every region scanned)"),
}


@dataclass(frozen=True)
class Column:
    key: str
    title: Text
    numeric: bool = False


COLUMNS = (
    Column("name", Text("Resource")),
    Column("kind", Text("Kind")),
    Column("instance", Text("Instance")),
    Column("owner", Text("Owner")),
    Column("status", Text("Status")),
    Column("per_hour", Text("$/hour"), numeric=True),
    Column("accrued", Text("So far"), numeric=True),
    Column("warnings", Text("Warnings")),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
# The widget builds one cell widget per value; big scopes show the top rows only.
MAX_WIDGET_ROWS = 100


# --- formatting -------------------------------------------------------------------------


def usd(value: float | None, said: NullTranslations = ENGLISH) -> str:
    """$1,234 / $1.41 / $0.00078 (two significant digits below a cent) / unknown."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return say(said, "unknown")
    if value == 0:
        return "$0.00"
    if abs(value) >= 1000:
        return f"${value:,.0f}"
    if abs(value) >= 0.01:
        return f"${value:,.2f}"
    digits = 1 - math.floor(math.log10(abs(value)))
    return f"${value:.{digits}f}"


def duration(seconds: float, said: NullTranslations = ENGLISH) -> str:
    """2.01 s / 4 min 12 s / 1 h 03 min."""
    if seconds < 60:
        shown = format(seconds, ".2f" if seconds < 10 else ".1f")
        return say(said, "{n} s", n=shown)
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return say(said, "{m} min {s} s", m=minutes, s=secs)
    hours, minutes = divmod(minutes, 60)
    return say(said, "{h} h {m} min", h=hours, m=format(minutes, "02d"))


def instance_label(resource: dict[str, Any]) -> str:
    instance = resource.get("instance_type") or ""
    count = resource.get("count")
    if instance and isinstance(count, int) and count != 1:
        return f"{count} x {instance}"
    return instance or "—"


def resource_label(resource: dict[str, Any]) -> str:
    name = str(resource.get("name") or resource.get("id") or "?")
    details = [d for d in (resource.get("app_type"), resource.get("space")) if d and d != name]
    return f"{name} ({', '.join(details)})" if details else name


def age_label(snapshot: dict[str, Any], said: NullTranslations = ENGLISH) -> str:
    age = snapshot.get("age_seconds")
    if not isinstance(age, int | float):
        return ""
    if age < 1:
        return say(said, "just now")
    return say(said, "{duration} ago", duration=duration(age, said).replace(".00", ""))


# --- what to show ---------------------------------------------------------------------


class CostsReport:
    """The part of a /spend snapshot one `%costs` call shows. Pure: no I/O."""

    def __init__(
        self,
        snapshot: dict[str, Any],
        scope: str = "mine",
        warnings_only: bool = False,
        said: NullTranslations = ENGLISH,
    ) -> None:
        if scope not in SCOPES:
            raise ValueError(f"unknown scope {scope!r}; use one of {', '.join(SCOPES)}")
        self.snapshot = snapshot
        self.scope = scope
        self.warnings_only = warnings_only
        # The language of this report's own words (the snapshot's warnings come translated).
        self.said = said

    @property
    def resources(self) -> list[dict[str, Any]]:
        return [
            r for r in self.snapshot.get("resources") or [] if self.scope in (r.get("scopes") or [])
        ]

    @property
    def total(self) -> dict[str, Any]:
        totals = self.snapshot.get("totals") or {}
        return totals.get(self.scope) or {"per_hour": None, "accrued": None, "unpriced": 0}

    @property
    def warnings(self) -> list[dict[str, Any]]:
        """Warnings about resources in this scope, and those about no resource at all."""
        ids = {r.get("id") for r in self.resources}
        return [
            w
            for w in self.snapshot.get("warnings") or []
            if not w.get("resource_id") or w.get("resource_id") in ids
        ]

    @property
    def hidden_warnings(self) -> int:
        return len(self.snapshot.get("warnings") or []) - len(self.warnings)

    @property
    def errors(self) -> list[dict[str, Any]]:
        return list(self.snapshot.get("errors") or [])

    def error_groups(self) -> list[dict[str, Any]]:
        """Errors with the same code, message and hint as one entry listing their sources
        (an unreachable endpoint fails every call the same way)."""
        groups: dict[tuple[str, str, str], dict[str, Any]] = {}
        for e in self.errors:
            key = (str(e.get("code") or ""), str(e.get("message") or ""), str(e.get("hint") or ""))
            group = groups.setdefault(
                key, {"code": key[0], "message": key[1], "hint": key[2], "sources": []}
            )
            group["sources"].append(str(e.get("source") or "?"))
        return list(groups.values())

    def rows(self, sort_key: str = "per_hour", descending: bool = True) -> list[dict[str, Any]]:
        """Display rows (strings, plus raw values for sorting), sorted by one column."""
        out = []
        for r in self.resources:
            out.append(
                {
                    "id": r.get("id"),
                    "name": resource_label(r),
                    "kind": r.get("kind") or "",
                    "instance": instance_label(r),
                    "owner": r.get("owner") or "—",
                    "status": r.get("status") or "",
                    "per_hour": r.get("per_hour"),
                    "accrued": r.get("accrued"),
                    "warnings": ", ".join(r.get("warnings") or []),
                    "price_known": r.get("price_known", r.get("per_hour") is not None),
                }
            )
        return sort_rows(out, sort_key, descending)

    def headline(self) -> str:
        said = self.said
        total = self.total
        context = self.snapshot.get("context") or {}
        where = context.get("environment") or say(said, "unknown")
        instance = context.get("instance_type")
        line = say(
            said,
            "{scope}: {rate}/hour, {accrued} so far",
            scope=translate(SCOPE_TITLES[self.scope], said),
            rate=usd(total.get("per_hour"), said),
            accrued=usd(total.get("accrued"), said),
        )
        unpriced = total.get("unpriced") or 0
        if unpriced == 1:
            line += say(said, " (+ 1 resource without a known price)")
        elif unpriced:
            line += say(said, " (+ {n} resources without a known price)", n=unpriced)
        failed = len(self.errors)
        if failed == 1:
            line += say(said, " (incomplete: 1 source failed, see below)")
        elif failed:
            line += say(said, " (incomplete: {n} sources failed, see below)", n=failed)
        line += f" · {where}"
        if instance:
            line += say(said, " on {instance}", instance=instance)
        region = context.get("region")
        if region:
            line += f" · {region}"
        return line

    def source_line(self) -> str:
        said = self.said
        source = self.snapshot.get("source")
        if source == "server":
            url = self.snapshot.get("source_url", "")
            text = say(said, "from the Jupyter server {url}", url=url).rstrip()
        elif source == "kernel":
            text = say(said, "computed in this kernel")
        else:
            text = say(said, "source unknown")
        age = age_label(self.snapshot, said)
        if age:
            text += say(said, ", updated {age}", age=age)
        if self.snapshot.get("stale"):
            text += say(said, " — STALE: the last scan failed or is old")
        return text

    def no_resources(self) -> str:
        return say(self.said, "No billable resources in scope '{scope}'.", scope=self.scope)

    def no_warnings(self) -> str:
        return say(self.said, "No warnings in scope '{scope}'.", scope=self.scope)

    def title(self, column: Column) -> str:
        return translate(column.title, self.said)


def sort_rows(rows: list[dict[str, Any]], key: str, descending: bool) -> list[dict[str, Any]]:
    """Sort by one column; unknown prices sort last either way."""
    if key not in COLUMN_KEYS:
        raise ValueError(f"unknown column {key!r}")
    numeric = key in ("per_hour", "accrued")
    known = [r for r in rows if not numeric or r[key] is not None]
    unknown = [r for r in rows if numeric and r[key] is None]
    known.sort(key=lambda r: (r[key] if numeric else str(r[key]).lower(), str(r["id"])))
    if descending:
        known.reverse()
    return known + unknown


def _cells(row: dict[str, Any], said: NullTranslations = ENGLISH) -> list[str]:
    return [usd(row[c.key], said) if c.numeric else str(row[c.key] or "") for c in COLUMNS]


def display_width(text: str) -> int:
    """Columns a terminal gives `text`: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    space = " " * max(0, width - display_width(text))
    return space + text if right else text + space


# --- text -------------------------------------------------------------------------------


def render_text(report: CostsReport, sort_key: str = "per_hour", descending: bool = True) -> str:
    lines = [report.headline(), f"({report.source_line()})"]
    if not report.warnings_only:
        rows = report.rows(sort_key, descending)
        lines.append("")
        if rows:
            table = [
                [report.title(c) for c in COLUMNS],
                *(_cells(r, report.said) for r in rows),
            ]
            widths = [max(display_width(line[i]) for line in table) for i in range(len(COLUMNS))]
            for n, line in enumerate(table):
                cells = [
                    _pad(cell, w, col.numeric)
                    for cell, w, col in zip(line, widths, COLUMNS, strict=True)
                ]
                lines.append("  ".join(cells).rstrip())
                if n == 0:
                    lines.append("  ".join("-" * w for w in widths))
        else:
            lines.append(report.no_resources())
    lines += _text_warnings(report)
    lines += _text_errors(report)
    return "\n".join(lines)


def _text_warnings(report: CostsReport) -> list[str]:
    out = []
    said = report.said
    if report.warnings:
        out += ["", say(said, "Warnings:")]
        out += [f"  [{w.get('code')}] {w.get('message')}" for w in report.warnings]
    elif report.warnings_only or report.hidden_warnings:
        out += ["", report.no_warnings()]
    if report.hidden_warnings:
        out.append(
            say(
                said,
                "  ({n} more outside this scope: %costs --warnings --scope region)",
                n=report.hidden_warnings,
            )
        )
    return out


def _text_errors(report: CostsReport) -> list[str]:
    if not report.errors:
        return []
    out = ["", say(report.said, "Could not read everything:")]
    for g in report.error_groups():
        out.append(f"  {', '.join(g['sources'])}: {g['code']}: {g['message']}")
        if g["hint"]:
            out.append(f"    → {g['hint']}")
    return out


# --- HTML -------------------------------------------------------------------------------

_CSS = (
    "<style>.costwidget-table td,.costwidget-table th{padding:2px 8px;text-align:left}"
    ".costwidget-table .num{text-align:right}</style>"
)


def render_html(report: CostsReport, sort_key: str = "per_hour", descending: bool = True) -> str:
    esc = html.escape
    parts = [
        _CSS,
        f"<div class='costwidget-costs'><b>{esc(report.headline())}</b>",
        f"<div><small>{esc(report.source_line())}</small></div>",
    ]
    if not report.warnings_only:
        rows = report.rows(sort_key, descending)
        if rows:
            head = "".join(
                f"<th class='{'num' if c.numeric else ''}'>{esc(report.title(c))}</th>"
                for c in COLUMNS
            )
            body = "".join(
                "<tr>"
                + "".join(
                    f"<td class='{'num' if c.numeric else ''}'>{esc(v)}</td>"
                    for c, v in zip(COLUMNS, _cells(r, report.said), strict=True)
                )
                + "</tr>"
                for r in rows
            )
            parts.append(
                f"<table class='costwidget-table'><thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table>"
            )
        else:
            parts.append(f"<p>{esc(report.no_resources())}</p>")
    parts.append(html_notes(report))
    parts.append("</div>")
    return "".join(parts)


def html_notes(report: CostsReport) -> str:
    """Warnings and errors as HTML lists (shared by the HTML and widget views)."""
    esc = html.escape
    said = report.said
    parts = []
    if report.warnings:
        items = "".join(
            f"<li><code>{esc(str(w.get('code')))}</code> {esc(str(w.get('message')))}</li>"
            for w in report.warnings
        )
        parts.append(f"<div><b>{esc(say(said, 'Warnings'))}</b><ul>{items}</ul></div>")
    elif report.warnings_only:
        parts.append(f"<p>{esc(report.no_warnings())}</p>")
    if report.hidden_warnings:
        more = say(said, "{n} more warnings outside this scope", n=report.hidden_warnings)
        parts.append(
            f"<p><small>{esc(more)} (<code>%costs --warnings --scope region</code>).</small></p>"
        )
    if report.errors:
        items = "".join(
            f"<li><code>{esc(', '.join(g['sources']))}</code>: {esc(g['code'])}: "
            f"{esc(g['message'])}" + (f"<br><i>{esc(g['hint'])}</i>" if g["hint"] else "") + "</li>"
            for g in report.error_groups()
        )
        title = esc(say(said, "Could not read everything"))
        parts.append(f"<div><b>{title}</b><ul>{items}</ul></div>")
    return "".join(parts)


# --- the displayed object ----------------------------------------------------------------


class CostsView:
    """What `%costs` displays. `refresh` returns a new snapshot (or raises SourceError)."""

    def __init__(
        self,
        snapshot: dict[str, Any],
        scope: str = "mine",
        warnings_only: bool = False,
        refresh: Callable[[], dict[str, Any]] | None = None,
        use_widget: bool = False,
        said: NullTranslations = ENGLISH,
    ) -> None:
        self.report = CostsReport(snapshot, scope, warnings_only, said)
        self.refresh = refresh
        self.sort_key = "per_hour"
        self.descending = True
        self.widget: Any = CostsWidget(self) if use_widget else None

    def text(self) -> str:
        return render_text(self.report, self.sort_key, self.descending)

    def __repr__(self) -> str:
        return self.text()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.text())

    def _repr_html_(self) -> str:
        return render_html(self.report, self.sort_key, self.descending)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle: dict[str, Any] = {}
        if self.widget is not None:
            bundle.update(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["text/plain"] = self.text()
        bundle["text/html"] = self._repr_html_()
        return bundle

    def sort_by(self, key: str) -> None:
        """Sort by `key`; the same key again flips the direction."""
        if key not in COLUMN_KEYS:
            raise ValueError(f"unknown column {key!r}")
        if key == self.sort_key:
            self.descending = not self.descending
        else:
            self.sort_key = key
            self.descending = key in ("per_hour", "accrued")
        if self.widget is not None:
            self.widget.update()

    def reload(self) -> None:
        """Fetch a fresh snapshot through `refresh` and show it."""
        if self.refresh is None:
            return
        snapshot = self.refresh()
        report = self.report
        self.report = CostsReport(snapshot, report.scope, report.warnings_only, report.said)
        if self.widget is not None:
            self.widget.update()


def _make_widget_class() -> Any:
    import ipywidgets as widgets

    class _CostsWidget(widgets.VBox):
        """Totals, a table with sortable headers, warnings/errors and a Refresh button."""

        def __init__(self, view: CostsView) -> None:
            self.view = view
            said = view.report.said
            self.headline = widgets.HTML()
            self.message = widgets.HTML()
            self.refresh_button = widgets.Button(
                description=say(said, "Refresh"),
                icon="refresh",
                tooltip=say(said, "Scan AWS again"),
            )
            self.refresh_button.on_click(lambda _b: self._on_refresh())
            self.header_buttons = {
                c.key: widgets.Button(
                    description=self._header_title(c),
                    tooltip=say(said, "Sort by {column}", column=view.report.title(c)),
                    layout=widgets.Layout(width="auto"),
                )
                for c in COLUMNS
            }
            for key, button in self.header_buttons.items():
                button.on_click(lambda _b, key=key: self.view.sort_by(key))
            self.grid = widgets.GridBox(
                layout=widgets.Layout(
                    grid_template_columns=f"repeat({len(COLUMNS)}, auto)", grid_gap="2px 8px"
                )
            )
            self.notes = widgets.HTML()
            super().__init__(
                [
                    widgets.HBox([self.headline, self.refresh_button]),
                    self.message,
                    self.grid,
                    self.notes,
                ]
            )
            self.add_class("costwidget-costs")
            self.update()

        def update(self) -> None:
            report = self.view.report
            esc = html.escape
            self.headline.value = (
                f"<b>{esc(report.headline())}</b><br><small>{esc(report.source_line())}</small>"
            )
            for column in COLUMNS:
                self.header_buttons[column.key].description = self._header_title(column)
            if report.warnings_only:
                self.grid.children = ()
                self.message.value = ""
            else:
                rows = report.rows(self.view.sort_key, self.view.descending)
                cells: list[Any] = list(self.header_buttons.values())
                for row in rows[:MAX_WIDGET_ROWS]:
                    for column, value in zip(COLUMNS, _cells(row, report.said), strict=True):
                        style = "text-align:right;display:block" if column.numeric else ""
                        cells.append(widgets.HTML(f"<span style='{style}'>{esc(value)}</span>"))
                self.grid.children = tuple(cells)
                if not rows:
                    self.message.value = esc(report.no_resources())
                elif len(rows) > MAX_WIDGET_ROWS:
                    self.message.value = esc(
                        say(
                            report.said,
                            "Showing the top {top} of {n} rows (%costs --json has them all).",
                            top=MAX_WIDGET_ROWS,
                            n=len(rows),
                        )
                    )
                else:
                    self.message.value = ""
            self.notes.value = html_notes(report)

        def _header_title(self, column: Column) -> str:
            title = self.view.report.title(column)
            if column.key != self.view.sort_key:
                return title
            return title + (" ▼" if self.view.descending else " ▲")

        def _on_refresh(self) -> None:
            from jupyter_costwidget.magics.source import SourceError

            self.refresh_button.disabled = True
            self.message.value = html.escape(say(self.view.report.said, "Refreshing…"))
            try:
                self.view.reload()
            except SourceError as err:
                self.message.value = html.escape(str(err))
            finally:
                self.refresh_button.disabled = False

    return _CostsWidget


_widget_class: Any = None


def CostsWidget(view: CostsView) -> Any:
    """The ipywidgets view (ipywidgets is imported only when a widget is shown)."""
    global _widget_class
    if _widget_class is None:
        _widget_class = _make_widget_class()
    return _widget_class(view)


def parse_time(value: str | None) -> datetime | None:
    """ISO 8601 (with 'Z') -> aware datetime, None if absent or unreadable."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def when_done_text(status: dict[str, Any], said: NullTranslations = ENGLISH) -> str:
    """What `%costs --stop-when-done` says: armed or not, and what happens to outputs."""
    when_done = status.get("stop_when_done") or {}
    if not when_done.get("armed"):
        return say(said, "Stop when done: cancelled.")
    return say(
        said,
        "This app stops once the work running now is done (busy kernels, terminal programs, "
        "CPU/GPU work), after a short warning; open documents are saved first. Outputs of "
        "cells that finish while no JupyterLab tab is open are not written to the notebook: "
        "write results to files. Cancel with %costs --stop-when-done off.",
    )
