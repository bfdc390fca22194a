"""Pricing `GetProducts` for AmazonSageMaker, in the real Price List JSON shape.

Rows come from the bundled snapshot (`jupyter_costwidget/pricing/snapshot.json`). A scenario's
`prices` add or override rows, keyed by (region, component, instance_type).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from .studio import StudioError

PACKAGE_DIR = Path(__file__).resolve().parent.parent
SNAPSHOT = PACKAGE_DIR / "pricing" / "snapshot.json"
ON_DEMAND = "JRTCKXETXF"
RATE_CODE = "6YS6EN2CT7"
PUBLICATION_DATE = "2025-01-01T00:00:00Z"

LOCATIONS = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-northeast-2": "Asia Pacific (Seoul)",
    "ap-south-1": "Asia Pacific (Mumbai)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "eu-central-1": "EU (Frankfurt)",
    "eu-west-1": "EU (Ireland)",
    "eu-west-2": "EU (London)",
    "sa-east-1": "South America (Sao Paulo)",
    "ca-central-1": "Canada (Central)",
}


def load_base_rows() -> tuple[list[dict[str, Any]], str]:
    """The project's price rows (the bundled snapshot) and their effective date."""
    data = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    return list(data["prices"]), data["effective_date"]


def _family(row: dict[str, Any]) -> str:
    if row.get("unit") == "GB-Mo" or row["component"].endswith("Storage"):
        return "ML Storage"
    if row["component"] == "ServerlessInf":
        return "ML Serverless"
    return "ML Instance"


def product(row: dict[str, Any], effective_date: str) -> dict[str, Any]:
    """One Price List entry (as a dict; GetProducts sends it JSON-encoded)."""
    ident = "|".join((row["region"], row["component"], row.get("instance_type", "")))
    sku = hashlib.sha256(ident.encode()).hexdigest()[:16].upper()
    term = f"{sku}.{ON_DEMAND}"
    return {
        "serviceCode": "AmazonSageMaker",
        "product": {
            "sku": sku,
            "productFamily": _family(row),
            "attributes": _attributes(row),
        },
        "terms": {
            "OnDemand": {
                term: {
                    "sku": sku,
                    "offerTermCode": ON_DEMAND,
                    "effectiveDate": f"{effective_date}T00:00:00Z",
                    "priceDimensions": {
                        f"{term}.{RATE_CODE}": {
                            "unit": row.get("unit") or "Hrs",
                            "pricePerUnit": {"USD": str(row["usd"])},
                            "description": (
                                f"${row['usd']} per {row.get('unit') or 'Hrs'} for "
                                f"{row['component']} {row.get('instance_type', '')} "
                                f"in {LOCATIONS.get(row['region'], row['region'])}"
                            ).replace("  ", " "),
                            "rateCode": f"{term}.{RATE_CODE}",
                            "beginRange": "0",
                            "endRange": "Inf",
                            "appliesTo": [],
                        }
                    },
                    "termAttributes": {},
                }
            }
        },
        "version": "20250101000000",
        "publicationDate": PUBLICATION_DATE,
    }


# How the AmazonSageMaker offer describes ML storage (no `component` attribute): a
# `volumeType` such as "General Purpose-Hosting" and a `<prefix>-<Segment>:VolumeUsage.gp2`
# usage type (attested: USE1-Studio:VolumeUsage.gp3, USE1-Notebk:VolumeUsage.gp2; see
# data/pricing/SOURCES.md).
_STORAGE = {
    "Studio-Storage": ("Studio", "Studio", "gp3"),
    "Notebook-Storage": ("Notebook", "Notebk", "gp2"),
    "Hosting-Storage": ("Hosting", "Host", "gp2"),
    "Training-Storage": ("Training", "Train", "gp2"),
    "Processing-Storage": ("Processing", "Processing", "gp2"),
}
# Components the offer spells otherwise (vantage-sh/ec2instances.info's map of the offer's
# platoinstancetype values lists "studio-codeeditor" in lower case).
_AWS_SPELLING = {"Studio-CodeEditor": "studio-codeeditor"}
# Not in the AmazonSageMaker offer: EFS is its own service (AmazonEFS).
_OTHER_OFFERS = {"EFS-Standard"}


def _attributes(row: dict[str, Any]) -> dict[str, str]:
    """A product's attributes as the real Price List writes them."""
    component = row["component"]
    attrs = {
        "servicecode": "AmazonSageMaker",
        "regionCode": row["region"],
        "location": LOCATIONS.get(row["region"], row["region"]),
    }
    if component in _STORAGE:
        volume, segment, gp = _STORAGE[component]
        prefix = (row.get("usage_type") or "").partition("-")[0] or row["region"].upper()
        attrs["volumeType"] = f"General Purpose-{volume}"
        attrs["usagetype"] = row.get("usage_type") or f"{prefix}-{segment}:VolumeUsage.{gp}"
        return attrs
    spelled = _AWS_SPELLING.get(component, component)
    attrs["component"] = spelled
    attrs["platoinstancetype"] = spelled
    attrs["instanceName"] = row.get("instance_type", "")
    attrs["usagetype"] = row.get("usage_type") or f"{component}:{row.get('instance_type', '')}"
    return attrs


class PriceList:
    """The products GetProducts serves: base rows plus the scenario's overrides."""

    def __init__(self) -> None:
        self._base: list[dict[str, Any]] | None = None
        self._date = "2025-01-01"
        self._products: list[dict[str, Any]] = []
        self.set_overrides([])

    def set_overrides(self, rows: list[dict[str, Any]]) -> None:
        if self._base is None:
            self._base, self._date = load_base_rows()
        merged: dict[tuple[str, str, str], dict[str, Any]] = {}
        for row in [*self._base, *rows]:
            merged[(row["region"], row["component"], row.get("instance_type", ""))] = row
        ordered = sorted(
            merged.values(), key=lambda r: (r["region"], r["component"], r.get("instance_type", ""))
        )
        self._products = [
            product(r, self._date) for r in ordered if r["component"] not in _OTHER_OFFERS
        ]

    def get_products(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("ServiceCode") != "AmazonSageMaker":
            return {"FormatVersion": "aws_v1", "PriceList": []}
        max_results = body.get("MaxResults", 100)
        if not isinstance(max_results, int) or not 1 <= max_results <= 100:
            raise StudioError("InvalidParameterException", "MaxResults must be between 1 and 100.")
        filters = body.get("Filters") or []
        for f in filters:
            if f.get("Type", "TERM_MATCH") != "TERM_MATCH":
                raise StudioError(
                    "InvalidParameterException", f"Unsupported filter type {f.get('Type')!r}."
                )
        matches = [
            p
            for p in self._products
            if all(_attr(p, f.get("Field", "")) == f.get("Value") for f in filters)
        ]
        start = 0
        if body.get("NextToken"):
            try:
                start = int(body["NextToken"])
            except ValueError:
                raise StudioError("InvalidNextTokenException", "Invalid NextToken.") from None
        page = matches[start : start + max_results]
        out: dict[str, Any] = {
            "FormatVersion": "aws_v1",
            "PriceList": [json.dumps(p) for p in page],
        }
        if start + max_results < len(matches):
            out["NextToken"] = str(start + max_results)
        return out


def _attr(p: dict[str, Any], field: str) -> str | None:
    if field.lower() in ("servicecode", "sku"):
        return p["serviceCode"] if field.lower() == "servicecode" else p["product"]["sku"]
    if field == "productFamily":
        return p["product"]["productFamily"]
    attrs = p["product"]["attributes"]
    if field in attrs:
        return attrs[field]
    # The Price List API matches attribute names case-insensitively.
    lowered = {k.lower(): v for k, v in attrs.items()}
    return lowered.get(field.lower())
