"""Jupyter messages a test sends to a kernel over its websocket (JupyterLab's legacy protocol)."""

from __future__ import annotations

import json
import uuid
from typing import Any


def execute_request(code: str) -> dict[str, Any]:
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "msg_type": "execute_request",
            "session": uuid.uuid4().hex,
            "username": "test",
            "version": "5.3",
            "date": "",
        },
        "parent_header": {},
        "metadata": {},
        "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": False},
        "buffers": [],
    }


async def execute(ws: Any, code: str) -> str:
    """Send an execute_request for `code`; its msg_id."""
    request = execute_request(code)
    ws.write_message(json.dumps(request))
    return request["header"]["msg_id"]
