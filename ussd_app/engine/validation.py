"""Checks of a whole definition: graph, translations, templates, and screen budgets.

Budgets are measured by entering each screen through the real node code with sample values
(the samples each action registers), in every language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from ussd_app.engine.actions import ActionResult, ActionSpec
from ussd_app.engine.context import Ctx
from ussd_app.engine.model import Definition, Node, Problem
from ussd_app.engine.nodes.action import ActionNode
from ussd_app.engine.nodes.pick import PickNode
from ussd_app.engine.ports import Limits, MemberView, Services
from ussd_app.engine.render import BUDGET, fits, fits_one_page, paginate
from ussd_app.engine.state import SessionState
from ussd_app.engine.steps import Show
from ussd_app.engine.text import Wait, placeholders
from ussd_app.text.encoding import measure

REQUIRED_MESSAGES = {
    "invalid_choice": set(),
    "more": set(),
    "back": set(),
    "nav_footer": set(),
    "timed_out": set(),
    "resume_question": set(),
    "resume_continue": set(),
    "resume_restart": set(),
    "not_linked": set(),
    "pin_format": set(),
    "pin_wrong": {"tries_left"},
    "pin_locked": {"minutes", "wait"},
    "pin_trivial": set(),
    "pin_mismatch": set(),
    "digits_only": set(),
    "bad_length": set(),
    "invalid_input": set(),
    "bad_date": set(),
    "bad_phone": set(),
}
MESSAGE_SAMPLES = {"tries_left": 2, "minutes": 30, "wait": Wait(24 * 3600)}
BASE_VALUES = {"service_code", "link_lock_hours", "pin_lock_minutes"}
PROMPT_NOTICES = {"input": ["digits_only", "bad_length", "invalid_input", "bad_date", "bad_phone"],
                  "pin": ["pin_format", "pin_wrong", "pin_trivial", "pin_mismatch"]}


def validate(defn: Definition, parsed_ids: set[str] | None = None) -> list[Problem]:
    ids = parsed_ids if parsed_ids is not None else set(defn.nodes)
    problems: list[Problem] = []
    problems += _graph(defn, ids)
    problems += _translations(defn)
    problems += _templates(defn)
    problems += _loops(defn)
    problems += _budgets(defn)
    return problems


def _graph(defn: Definition, ids: set[str]) -> list[Problem]:
    out = []
    if defn.start not in ids:
        out.append(Problem("", f"start node {defn.start!r} does not exist"))
    for node in defn.nodes.values():
        for target in node.targets():
            if target not in ids:
                out.append(Problem(node.id, f"next node {target!r} does not exist"))
    reached, todo = set(), [defn.start]
    while todo:
        node_id = todo.pop()
        if node_id in reached or node_id not in defn.nodes:
            continue
        reached.add(node_id)
        todo.extend(defn.nodes[node_id].targets())
    unreached = [node_id for node_id in defn.nodes if node_id not in reached]
    if defn.start not in ids or not unreached:
        return out
    if out or set(defn.nodes) != ids:
        # A broken link or a node that could not be read cuts paths: the nodes behind it are
        # not mistakes of their own. Said once, so the real mistakes stay in sight.
        out.append(Problem(unreached[0], f"{len(unreached)} node(s) cannot be reached until the errors above are "
                                         f"fixed: {', '.join(unreached)}", level="warning"))
        return out
    return out + [Problem(node_id, "unreachable: no path leads here from the start node") for node_id in unreached]


def _translations(defn: Definition) -> list[Problem]:
    out = []
    for node in defn.nodes.values():
        for field, text in node.texts():
            for lang in defn.languages:
                if not (text or {}).get(lang, "").strip():
                    out.append(Problem(node.id, f"{field}: missing {lang} translation"))
    for key in REQUIRED_MESSAGES:
        if key not in defn.messages:
            out.append(Problem("messages", f"missing message {key!r}"))
    for key, text in defn.messages.items():
        for lang in defn.languages:
            if not text.get(lang, "").strip():
                out.append(Problem("messages", f"{key}: missing {lang} translation"))
    return out


def _templates(defn: Definition) -> list[Problem]:
    out = []
    for node in defn.nodes.values():
        provided = set(BASE_VALUES)
        if isinstance(node, (ActionNode, PickNode)) and node.spec is not None:
            provided |= set(node.spec.samples_for(node.args))
        for field, text in node.texts():
            for lang, template in (text or {}).items():
                try:
                    names = placeholders(template)
                except ValueError as exc:
                    out.append(Problem(node.id, f"{field} ({lang}): malformed template: {exc}"))
                    continue
                for name in sorted(names - provided):
                    out.append(Problem(node.id, f"{field} ({lang}) uses {{{name}}}, which nothing provides here"))
    for key, text in defn.messages.items():
        allowed = REQUIRED_MESSAGES.get(key, set()) | BASE_VALUES
        for lang, template in text.items():
            try:
                unknown = placeholders(template) - allowed
            except ValueError as exc:
                out.append(Problem("messages", f"{key} ({lang}): malformed template: {exc}"))
                continue
            for name in sorted(unknown):
                out.append(Problem("messages", f"{key} ({lang}) uses {{{name}}}, which nothing provides"))
    return out


def _loops(defn: Definition) -> list[Problem]:
    """Nodes without a screen that can lead back to themselves would spin forever."""
    silent = {i: n for i, n in defn.nodes.items() if not n.WAITS}
    out, done = [], set()

    def visit(node_id: str, path: list[str]) -> None:
        if node_id in path:
            loop = path[path.index(node_id):] + [node_id]
            out.append(Problem(node_id, f"loop without any screen: {' -> '.join(loop)}"))
            return
        if node_id in done or node_id not in silent:
            return
        for target in silent[node_id].targets():
            visit(target, [*path, node_id])
        done.add(node_id)

    for node_id in silent:
        visit(node_id, [])
    return out[:1] if out else []


class _SampleClock:
    def now(self) -> datetime:
        return datetime(2026, 1, 15, 3, 0, tzinfo=timezone.utc)

    def today(self) -> date:
        return date(2026, 1, 15)


_SAMPLE_MEMBER = MemberView(
    ssn="1234567890", full_name="ສົມໃຈ ພົມມະວົງ", phone="+8562055512345", date_of_birth=date(1980, 5, 1),
    sex="F", scheme="enterprise", status="active", language="lo", linked=True, pin_locked_until=None,
)


class SampleCtx(Ctx):
    """A context whose actions answer with their registered samples, for measuring screens."""

    def run_action(self, spec: ActionSpec, args: dict[str, Any]) -> ActionResult:
        return ActionResult(values=spec.samples_for(args))

    def member(self) -> MemberView | None:
        return _SAMPLE_MEMBER


def sample_ctx(defn: Definition, lang: str) -> SampleCtx:
    services = Services(members=None, pins=None, guards=None, clock=_SampleClock(),  # type: ignore[arg-type]
                        limits=Limits(), extra={})
    state = SessionState(session_id="sample", phone="+8562055512345", menu_version=defn.version, lang=lang,
                         service_code="*211#")
    return SampleCtx(defn, state, services)


def sample_screen(defn: Definition, node: Node, lang: str, ctx: SampleCtx | None = None) -> Show | None:
    """The screen `node` shows in `lang` with sample values, or None if it shows no screen."""
    step = node.enter(ctx or sample_ctx(defn, lang))
    if not isinstance(step, Show):
        return None
    lines = [part for line in step.lines if line for part in line.split("\n")]
    return Show(lines, end=step.end, footer=step.footer)


def _budgets(defn: Definition) -> list[Problem]:
    out = []
    for node in defn.nodes.values():
        for lang in defn.languages:
            try:
                problem = _budget(defn, node, lang)
            except (KeyError, ValueError, IndexError):
                continue  # a screen that cannot even be built: its own problems are listed already
            if problem is not None:
                out.append(problem)
    return out


@dataclass(frozen=True)
class ScreenSize:
    """How big a screen is with sample values, as the budget checks measure it."""

    text: str  # what was measured (a prompt: with its longest error line)
    length: int
    budget: int
    encoding: str
    pages: int
    paged_by_design: bool  # a list, or an action's result: more pages are expected, not a fault
    prompt: bool  # typed into: it must fit one page, error line included

    @property
    def over(self) -> int:
        return max(0, self.length - self.budget)


def screen_size(defn: Definition, node: Node, lang: str) -> ScreenSize | None:
    """The size of the screen `node` shows in `lang`, or None if it shows none. Raises what
    the node raises when it cannot even be built (its own problems say why)."""
    ctx = sample_ctx(defn, lang)
    screen = sample_screen(defn, node, lang, ctx)
    if screen is None:
        return None
    prompt = node.TYPE in PROMPT_NOTICES
    if prompt:
        notices = [ctx.message(k, **MESSAGE_SAMPLES) for k in PROMPT_NOTICES[node.TYPE]]
        text = "\n".join([max(notices, key=len), *screen.lines])
        pages = 1
    else:
        text = "\n".join([*screen.lines, *([screen.footer] if screen.footer else [])])
        pages = 1 if fits_one_page(screen.lines, screen.footer) else \
            len(paginate(screen.lines, ctx.message("more"), ctx.message("back"), screen.footer))
    encoding, length = measure(text)
    return ScreenSize(text, length, BUDGET[encoding], encoding, pages,
                      paged_by_design=node.TYPE in ("pick", "action"), prompt=prompt)


def _budget(defn: Definition, node: Node, lang: str) -> Problem | None:
    size = screen_size(defn, node, lang)
    if size is None or not size.over:
        return None
    if size.prompt:
        return Problem(node.id, f"screen over budget in {lang} ({size.length} characters, budget {size.budget}, "
                                f"with its longest error line)")
    if node.TYPE == "pick":
        # A list pages by design ("98 More"); what must fit is each choice on a page of its own.
        ctx = sample_ctx(defn, lang)
        screen = sample_screen(defn, node, lang, ctx)
        paging = [ctx.message("more"), ctx.message("back")]
        too_long = [line for line in (screen.lines if screen else []) if not fits("\n".join([line, *paging]))]
        if not too_long:
            return None
        return Problem(node.id, f"choice too long for a screen in {lang}: {too_long[0]!r}")
    # Results of actions vary with the member and paginate by design: a warning. A fixed text over
    # budget is something staff can and must shorten (a menu's last option, the language, would
    # move to page 2).
    level = "warning" if node.TYPE == "action" else "error"
    return Problem(node.id, f"screen over budget in {lang} ({size.length} characters, budget {size.budget}): "
                            f"shown in {size.pages} pages", level=level)
