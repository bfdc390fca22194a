"""The shared collector: one scan of the account for every user, written to S3.

`handler` is the Lambda function's handler (jupyter_costwidget.collector.handler).
"""

from jupyter_costwidget.collector.entry import handler

__all__ = ["handler"]
