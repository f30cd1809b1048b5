"""Logging set-up: one format (text, or JSON lines with LOG_FORMAT=json), the node's name on
every record, and a filter that masks phone numbers in every message.

Records about a hop, an SMS send or a partner call carry their fields as `extra` (`event`,
`session`, `phone` masked, `outcome`, …): a JSON line holds them as keys, for a log pipeline to
count and search without parsing sentences. None carries a PIN or what a member typed.
"""

from __future__ import annotations

import logging
import re
import socket
import sys
from collections.abc import Mapping
from typing import Any, TextIO

from pythonjsonlogger.json import JsonFormatter

from ussd_app.text.phones import mask

# E.164 or long local digit runs: anything that could be a phone number.
_PHONE = re.compile(r"(?<![\w*])\+?\d{9,15}(?!\w)")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class MaskPhones(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _PHONE.sub(lambda m: mask(m.group(0)), message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


class NodeName(logging.Filter):
    """Which machine wrote the record: several web nodes and workers log to one place."""

    def __init__(self, node: str) -> None:
        super().__init__()
        self.node = node

    def filter(self, record: logging.LogRecord) -> bool:
        record.node = self.node
        return True


class _Ours(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler this module installs (found again, never installed twice). It writes to the
    standard error of the moment, as logging's last-resort handler does (a test may swap it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def formatter(fmt: str) -> logging.Formatter:
    if fmt.strip().lower() == "json":
        return JsonFormatter("%(asctime)s %(levelname)s %(name)s %(node)s %(message)s",
                             rename_fields={"asctime": "time", "levelname": "level", "name": "logger"})
    if fmt.strip().lower() not in ("text", ""):
        raise ValueError(f"LOG_FORMAT must be text or json, not {fmt!r}")
    return logging.Formatter(TEXT_FORMAT)


def configure(level: str = "INFO", fmt: str = "text", node: str = "") -> None:
    """Set up the root logger of this process (the web app, an RQ worker, rq cron)."""
    root = logging.getLogger()
    ours = next((h for h in root.handlers if isinstance(h, _Ours)), None)
    if ours is None:
        ours = _Ours()
        root.addHandler(ours)
    ours.setFormatter(formatter(fmt))
    for handler in root.handlers:
        for f in [f for f in handler.filters if isinstance(f, NodeName)]:
            handler.removeFilter(f)
        handler.addFilter(NodeName(node or socket.gethostname()))
        if not any(isinstance(f, MaskPhones) for f in handler.filters):
            handler.addFilter(MaskPhones())
    root.setLevel(level)


def configure_from(config: Mapping[str, Any]) -> None:
    configure(config["LOG_LEVEL"], config["LOG_FORMAT"], config["NODE_NAME"])


def init_app(app: Any) -> None:
    configure_from(app.config)
