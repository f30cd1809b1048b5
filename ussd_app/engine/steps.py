"""What a node answers when entered or given input: show a screen, go elsewhere, or ask again."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Show:
    """Show this node's screen (and wait for input, unless `end`)."""

    lines: list[str] = field(default_factory=list)
    end: bool = False
    footer: str | None = None  # closes the screen, on its last page (e.g. "0 Back 00 Home")


@dataclass(frozen=True)
class Goto:
    node: str
    notice: str | None = None  # a one-line message shown on top of the next screen


@dataclass(frozen=True)
class Retry:
    """Input rejected: show the same screen again with this one-line message."""

    notice: str


Step = Show | Goto | Retry
