"""The API contract: the committed schema is what the models generate, and it rejects what
it should (the live answers of every test are checked by tests/conftest.py's jp_fetch)."""

from __future__ import annotations

import json

import pytest

from jupyter_costwidget.api import models, schema

from .api_contract import check


def test_the_committed_schema_is_what_the_models_generate():
    assert schema.SCHEMA_PATH.read_text(encoding="utf-8") == schema.text()


def test_every_object_forbids_undeclared_fields_and_the_answers_are_named():
    doc = json.loads(schema.SCHEMA_PATH.read_text(encoding="utf-8"))
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    defs = doc["$defs"]
    for name in ("SpendSnapshot", "Status", "IdleStatus", "Billing", "StopResult", "ApiError"):
        assert name in defs
    for name, definition in defs.items():
        if definition.get("type") == "object" and "properties" in definition:
            assert definition.get("additionalProperties") is False, name


def test_the_schema_rejects_a_wrong_answer():
    good = models.ApiError(message="No resource with id 'x'.", status=404).model_dump()
    check("ApiError", good)
    for bad in ({**good, "extra": 1}, {"message": "m"}, {**good, "status": "404"}):
        with pytest.raises(AssertionError, match="breaks the schema"):
            check("ApiError", bad)


def test_a_disabled_billing_answer_is_whole():
    body = models.Billing(enabled=False).model_dump()
    check("Billing", body)
    assert body["budgets"] == [] and body["month_to_date"] is None


async def test_the_live_answers_of_each_route_are_checked(jp_fetch):
    from . import api_contract

    before = dict(api_contract.checked)
    await jp_fetch("costwidget", "api", "version")
    await jp_fetch("costwidget", "api", "status")
    assert api_contract.checked.get("Version", 0) == before.get("Version", 0) + 1
    assert api_contract.checked.get("Status", 0) == before.get("Status", 0) + 1
