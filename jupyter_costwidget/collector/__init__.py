"""The shared collector: one scan of the account for every user, written to S3.

`handler` is the Lambda function's handler (jupyter_costwidget.collector.handler). It
imports the collector when called, so the server can import this package's small modules
(location, shared) without the collector's.
"""

from __future__ import annotations

from typing import Any


def handler(event: Any = None, context: Any = None) -> dict[str, Any]:
    from jupyter_costwidget.collector.entry import handler as run

    return run(event, context)


__all__ = ["handler"]
