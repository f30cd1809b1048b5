"""Node kinds, one module each, registered by their TYPE."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ussd_app.engine.model import Node

KINDS: dict[str, type[Node]] = {}

N = TypeVar("N", bound=type[Node])


def register(cls: N) -> N:
    KINDS[cls.TYPE] = cls
    return cls


def _load_kinds() -> None:
    # Importing each module registers its kind.
    from ussd_app.engine.nodes import action, input, menu, message, pick, pin, router  # noqa: F401


_load_kinds()

__all__ = ["KINDS", "register", "Callable"]
