"""How `%costs` shows a /spend snapshot: a plain-text table, an HTML table, an ipywidgets view.

`CostsReport` picks what to show (one scope, or only warnings) from the snapshot; the three
renderings share it. `CostsView` is what the magic displays: JupyterLab gets the widget
(sortable columns, Refresh), front-ends without widgets the HTML, terminals the text.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jupyter_costwidget.api.models import SCOPES

SCOPE_TITLES = {
    "self": "this app",
    "mine": "mine",
    "domain": "this domain",
    "region": "the whole region",
}


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    numeric: bool = False


COLUMNS = (
    Column("name", "Resource"),
    Column("kind", "Kind"),
    Column("instance", "Instance"),
    Column("owner", "Owner"),
    Column("status", "Status"),
    Column("per_hour", "$/hour", numeric=True),
    Column("accrued", "So far", numeric=True),
    Column("warnings", "Warnings"),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
# The widget builds one cell widget per value; big scopes show the top rows only.
MAX_WIDGET_ROWS = 100


# --- formatting -------------------------------------------------------------------------


def usd(value: float | None) -> str:
    """$1,234 / $1.41 / $0.00078 (two significant digits below a cent) / unknown."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "unknown"
    if value == 0:
        return "$0.00"
    if abs(value) >= 1000:
        return f"${value:,.0f}"
    if abs(value) >= 0.01:
        return f"${value:,.2f}"
    digits = 1 - math.floor(math.log10(abs(value)))
    return f"${value:.{digits}f}"


def duration(seconds: float) -> str:
    """2.01 s / 4 min 12 s / 1 h 03 min."""
    if seconds < 60:
        return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


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


def age_label(snapshot: dict[str, Any]) -> str:
    age = snapshot.get("age_seconds")
    if not isinstance(age, int | float):
        return ""
    return "just now" if age < 1 else f"{duration(age).replace('.00', '')} ago"


# --- what to show ---------------------------------------------------------------------


class CostsReport:
    """The part of a /spend snapshot one `%costs` call shows. Pure: no I/O."""

    def __init__(
        self, snapshot: dict[str, Any], scope: str = "mine", warnings_only: bool = False
    ) -> None:
        if scope not in SCOPES:
            raise ValueError(f"unknown scope {scope!r}; use one of {', '.join(SCOPES)}")
        self.snapshot = snapshot
        self.scope = scope
        self.warnings_only = warnings_only

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
        total = self.total
        context = self.snapshot.get("context") or {}
        where = context.get("environment") or "unknown"
        instance = context.get("instance_type")
        line = (
            f"{SCOPE_TITLES[self.scope].capitalize()}: {usd(total.get('per_hour'))}/hour, "
            f"{usd(total.get('accrued'))} so far"
        )
        unpriced = total.get("unpriced") or 0
        if unpriced:
            line += f" (+ {unpriced} resource{'s' if unpriced != 1 else ''} without a known price)"
        failed = len(self.errors)
        if failed:
            line += f" (incomplete: {failed} source{'s' if failed != 1 else ''} failed, see below)"
        line += f" · {where}"
        if instance:
            line += f" on {instance}"
        region = context.get("region")
        if region:
            line += f" · {region}"
        return line

    def source_line(self) -> str:
        source = self.snapshot.get("source")
        if source == "server":
            text = f"from the Jupyter server {self.snapshot.get('source_url', '')}".rstrip()
        elif source == "kernel":
            text = "computed in this kernel"
        else:
            text = "source unknown"
        age = age_label(self.snapshot)
        if age:
            text += f", updated {age}"
        if self.snapshot.get("stale"):
            text += " — STALE: the last scan failed or is old"
        return text


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


def _cells(row: dict[str, Any]) -> list[str]:
    return [usd(row[c.key]) if c.numeric else str(row[c.key] or "") for c in COLUMNS]


# --- text -------------------------------------------------------------------------------


def render_text(report: CostsReport, sort_key: str = "per_hour", descending: bool = True) -> str:
    lines = [report.headline(), f"({report.source_line()})"]
    if not report.warnings_only:
        rows = report.rows(sort_key, descending)
        lines.append("")
        if rows:
            table = [[c.title for c in COLUMNS], *(_cells(r) for r in rows)]
            widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
            for n, line in enumerate(table):
                cells = [
                    cell.rjust(w) if col.numeric else cell.ljust(w)
                    for cell, w, col in zip(line, widths, COLUMNS, strict=True)
                ]
                lines.append("  ".join(cells).rstrip())
                if n == 0:
                    lines.append("  ".join("-" * w for w in widths))
        else:
            lines.append(f"No billable resources in scope '{report.scope}'.")
    lines += _text_warnings(report)
    lines += _text_errors(report)
    return "\n".join(lines)


def _text_warnings(report: CostsReport) -> list[str]:
    out = []
    if report.warnings:
        out += ["", "Warnings:"]
        out += [f"  [{w.get('code')}] {w.get('message')}" for w in report.warnings]
    elif report.warnings_only or report.hidden_warnings:
        out += ["", f"No warnings in scope '{report.scope}'."]
    if report.hidden_warnings:
        out.append(
            f"  ({report.hidden_warnings} more outside this scope: "
            "%costs --warnings --scope region)"
        )
    return out


def _text_errors(report: CostsReport) -> list[str]:
    if not report.errors:
        return []
    out = ["", "Could not read everything:"]
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
                f"<th class='{'num' if c.numeric else ''}'>{esc(c.title)}</th>" for c in COLUMNS
            )
            body = "".join(
                "<tr>"
                + "".join(
                    f"<td class='{'num' if c.numeric else ''}'>{esc(v)}</td>"
                    for c, v in zip(COLUMNS, _cells(r), strict=True)
                )
                + "</tr>"
                for r in rows
            )
            parts.append(
                f"<table class='costwidget-table'><thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table>"
            )
        else:
            parts.append(f"<p>No billable resources in scope '{esc(report.scope)}'.</p>")
    parts.append(html_notes(report))
    parts.append("</div>")
    return "".join(parts)


def html_notes(report: CostsReport) -> str:
    """Warnings and errors as HTML lists (shared by the HTML and widget views)."""
    esc = html.escape
    parts = []
    if report.warnings:
        items = "".join(
            f"<li><code>{esc(str(w.get('code')))}</code> {esc(str(w.get('message')))}</li>"
            for w in report.warnings
        )
        parts.append(f"<div><b>Warnings</b><ul>{items}</ul></div>")
    elif report.warnings_only:
        parts.append(f"<p>No warnings in scope '{esc(report.scope)}'.</p>")
    if report.hidden_warnings:
        parts.append(
            f"<p><small>{report.hidden_warnings} more warnings outside this scope "
            "(<code>%costs --warnings --scope region</code>).</small></p>"
        )
    if report.errors:
        items = "".join(
            f"<li><code>{esc(', '.join(g['sources']))}</code>: {esc(g['code'])}: "
            f"{esc(g['message'])}" + (f"<br><i>{esc(g['hint'])}</i>" if g["hint"] else "") + "</li>"
            for g in report.error_groups()
        )
        parts.append(f"<div><b>Could not read everything</b><ul>{items}</ul></div>")
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
    ) -> None:
        self.report = CostsReport(snapshot, scope, warnings_only)
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
        self.report = CostsReport(snapshot, self.report.scope, self.report.warnings_only)
        if self.widget is not None:
            self.widget.update()


def _make_widget_class() -> Any:
    import ipywidgets as widgets

    class _CostsWidget(widgets.VBox):
        """Totals, a table with sortable headers, warnings/errors and a Refresh button."""

        def __init__(self, view: CostsView) -> None:
            self.view = view
            self.headline = widgets.HTML()
            self.message = widgets.HTML()
            self.refresh_button = widgets.Button(
                description="Refresh", icon="refresh", tooltip="Scan AWS again"
            )
            self.refresh_button.on_click(lambda _b: self._on_refresh())
            self.header_buttons = {
                c.key: widgets.Button(
                    description=self._header_title(c),
                    tooltip=f"Sort by {c.title}",
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
                    for column, value in zip(COLUMNS, _cells(row), strict=True):
                        style = "text-align:right;display:block" if column.numeric else ""
                        cells.append(widgets.HTML(f"<span style='{style}'>{esc(value)}</span>"))
                self.grid.children = tuple(cells)
                if not rows:
                    self.message.value = f"No billable resources in scope '{esc(report.scope)}'."
                elif len(rows) > MAX_WIDGET_ROWS:
                    self.message.value = (
                        f"Showing the top {MAX_WIDGET_ROWS} of {len(rows)} rows "
                        "(%costs --json has them all)."
                    )
                else:
                    self.message.value = ""
            self.notes.value = html_notes(report)

        def _header_title(self, column: Column) -> str:
            if column.key != self.view.sort_key:
                return column.title
            return column.title + (" ▼" if self.view.descending else " ▲")

        def _on_refresh(self) -> None:
            from jupyter_costwidget.magics.source import SourceError

            self.refresh_button.disabled = True
            self.message.value = "Refreshing…"
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


def when_done_text(status: dict[str, Any]) -> str:
    """What `%costs --stop-when-done` says: armed or not, and what happens to outputs."""
    when_done = status.get("stop_when_done") or {}
    if not when_done.get("armed"):
        return "Stop when done: cancelled."
    return (
        "This app stops once the work running now is done (busy kernels, terminal programs, "
        "CPU/GPU work), after a short warning; open documents are saved first. Outputs of "
        "cells that finish while no JupyterLab tab is open are not written to the notebook: "
        "write results to files. Cancel with %costs --stop-when-done off."
    )
