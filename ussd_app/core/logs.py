"""Logging set-up: one format, and a filter that masks phone numbers in every record."""

from __future__ import annotations

import logging
import re

from flask import Flask

from ussd_app.text.phones import mask

# E.164 or long local digit runs: anything that could be a phone number.
_PHONE = re.compile(r"(?<![\w*])\+?\d{9,15}(?!\w)")


class MaskPhones(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _PHONE.sub(lambda m: mask(m.group(0)), message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


def init_app(app: Flask) -> None:
    root = logging.getLogger()
    if not any(isinstance(f, MaskPhones) for h in root.handlers for f in h.filters):
        stream = logging.StreamHandler()
        stream.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        stream.addFilter(MaskPhones())
        root.addHandler(stream)
    root.setLevel(app.config["LOG_LEVEL"])
    for handler in root.handlers:
        if not any(isinstance(f, MaskPhones) for f in handler.filters):
            handler.addFilter(MaskPhones())
