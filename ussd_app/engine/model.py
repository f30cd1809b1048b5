"""The menu definition model: a definition is a set of nodes keyed by id, plus shared messages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from ussd_app.engine.actions import Actions
    from ussd_app.engine.context import Ctx
    from ussd_app.engine.steps import Step

Text = dict[str, str]  # language code -> text

LANGUAGES = ("lo", "en")
SPEC_VERSION = 2


@dataclass(frozen=True)
class Problem:
    node: str  # node id, or "messages" / "" for definition-wide problems
    message: str
    level: str = "error"  # "error" blocks serving or publishing; "warning" does not

    def __str__(self) -> str:
        where = f"{self.node}: " if self.node else ""
        return f"{where}{self.message}" + (" (warning)" if self.level == "warning" else "")


class DefinitionError(ValueError):
    """A definition that must not be served. Lists every problem, each naming its node."""

    def __init__(self, problems: list[Problem], source: str = "") -> None:
        self.problems = problems  # errors and warnings alike, for editors to list
        errors = [p for p in problems if p.level == "error"]
        where = f" in {source}" if source else ""
        lines = "\n".join(f"  - {p}" for p in errors)
        super().__init__(f"invalid menu definition{where}:\n{lines}")


@dataclass(frozen=True)
class Option:
    label: Text
    to: str


@dataclass(frozen=True)
class Node:
    """Base of every node kind. Each kind adds its own fields and behaviour (see nodes/)."""

    TYPE: ClassVar[str] = ""
    WAITS: ClassVar[bool] = True  # does this node show a screen and wait for input?

    id: str
    text: Text | None = None

    @classmethod
    def parse(cls, node_id: str, raw: dict[str, Any]) -> Node:
        """Build the node from its YAML mapping; raise ValueError saying what is wrong."""
        raise NotImplementedError

    def resolve(self, actions: Actions) -> Node:
        """The node with the actions it calls looked up; raise ValueError for unknown ones."""
        return self

    def enter(self, ctx: Ctx) -> Step:
        """The conversation arrives here: show a screen, or move on."""
        raise NotImplementedError

    def handle(self, ctx: Ctx, value: str) -> Step:
        """Input typed while this node's screen was shown (global keys already handled)."""
        raise NotImplementedError

    def backable(self) -> bool:
        """May "0" (back) return to this screen? Forms and PIN prompts are not returned to."""
        return False

    def targets(self) -> list[str]:
        """Node ids this node can move to (for validation)."""
        return []

    def texts(self) -> list[tuple[str, Text]]:
        """(field name, text) pairs that must exist in every language."""
        return [("text", self.text)] if self.text is not None else []


@dataclass(frozen=True)
class Definition:
    id: str
    start: str
    nodes: dict[str, Node]
    messages: dict[str, Text]
    languages: tuple[str, ...] = LANGUAGES
    default_language: str = "lo"
    version: str = "1"
    spec_version: int = SPEC_VERSION
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # the action registry it was loaded with
    actions: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]

    def message(self, key: str, lang: str) -> str:
        return self.messages[key][lang]
