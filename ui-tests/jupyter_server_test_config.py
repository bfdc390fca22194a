"""JupyterLab server for the browser tests: Galata's test setup plus the AWS sandbox."""

import os

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821 - `c` is the config object jupyter provides

c.ServerApp.port = int(os.environ.get("UI_TEST_PORT", "8897"))  # noqa: F821
c.ServerApp.ip = "127.0.0.1"  # noqa: F821
c.ServerApp.allow_root = True  # noqa: F821
# The sandbox's URL, region and metadata file come from start-servers.sh via COSTWIDGET_*;
# refresh often so a stop shows up quickly in the panel.
c.CostWidget.refresh_seconds = float(os.environ.get("COSTWIDGET_REFRESH_SECONDS", "5"))  # noqa: F821
# Another region of the account (hourly-services.spec.ts loads resources there), rescanned
# every 10 s so a test sees them soon.
c.CostWidget.regions = ["us-east-1"]  # noqa: F821
c.CostWidget.other_regions_refresh_seconds = 10.0  # noqa: F821
# Idle auto-stop stays off unless a test turns it on (idle.spec.ts does, through the API);
# these make its timings short enough for a browser test.
_env = os.environ.get
c.CostWidget.idle_min_minutes = float(_env("COSTWIDGET_IDLE_MIN_MINUTES", "0.05"))  # noqa: F821
c.CostWidget.idle_check_seconds = float(_env("COSTWIDGET_IDLE_CHECK_SECONDS", "1"))  # noqa: F821
c.CostWidget.idle_grace_minutes = float(_env("COSTWIDGET_IDLE_GRACE_MINUTES", "0.2"))  # noqa: F821
c.CostWidget.idle_save_timeout_seconds = float(_env("COSTWIDGET_IDLE_SAVE_SECONDS", "15"))  # noqa: F821
c.CostWidget.idle_cpu_percent = float(_env("COSTWIDGET_IDLE_CPU_PERCENT", "0"))  # noqa: F821
# A tab that misses polls for 20 s is silent; its unsaved work holds a stop for 28.8 s.
c.CostWidget.idle_client_ttl_seconds = float(_env("COSTWIDGET_IDLE_CLIENT_TTL", "20"))  # noqa: F821
c.CostWidget.idle_unsaved_max_hours = float(_env("COSTWIDGET_IDLE_UNSAVED_MAX_H", "0.008"))  # noqa: F821
c.CostWidget.stop_when_done_grace_minutes = float(_env("COSTWIDGET_WHEN_DONE_GRACE_MINUTES", "0.1"))  # noqa: F821
# Every error the server logs also goes to this file; the browser run fails on any
# (global-teardown.js): an exception in a background task never reaches a test otherwise.
_errors = os.environ.get("UI_SERVER_ERRORS")
if _errors:
    c.ServerApp.logging_config = {  # noqa: F821
        "handlers": {
            "errors": {
                "class": "logging.FileHandler",
                "level": "ERROR",
                "filename": _errors,
                "formatter": "console",
            }
        },
        "loggers": {"ServerApp": {"handlers": ["console", "errors"]}},
    }
