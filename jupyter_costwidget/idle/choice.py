"""The user's auto-stop choice (on or off, timeout), kept across server restarts."""

from __future__ import annotations

import json
import logging
import os
from typing import Any


class ChoiceStore:
    """One JSON file under the state dir; written atomically."""

    def __init__(self, path: str, log: logging.Logger) -> None:
        self.path = path
        self.log = log

    def load(self) -> dict[str, Any]:
        """What was saved, or {} (absent, unreadable or not an object: logged)."""
        try:
            with open(self.path, encoding="utf-8") as fh:
                data = json.load(fh)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            self.log.warning("costwidget idle: ignoring unreadable %s (%s)", self.path, exc)
            return {}
        return data if isinstance(data, dict) else {}

    def save(self, data: dict[str, Any]) -> None:
        tmp = f"{self.path}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(data, fh)
            os.replace(tmp, self.path)  # atomic: a crash leaves the old or the new file, never half
        except OSError as exc:
            self.log.warning("costwidget idle: could not save %s (%s)", self.path, exc)
