"""Menu definitions as versioned documents: draft -> validate -> publish -> roll back.

Published versions never change; the current one is named by a one-row pointer (the database
keeps the truth) mirrored in Redis so a dial reads it in the same round trip as its session.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from sqlalchemy import ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from sms.templates import Templates
from ussd_app.core.database import Base, utcnow
from ussd_app.engine.actions import Actions
from ussd_app.engine.loader import load_text
from ussd_app.engine.model import DefinitionError, Problem
from ussd_app.publishing.merge import CannotMerge, Merge, merge

log = logging.getLogger(__name__)


class VersionState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class MenuVersion(Base):
    __tablename__ = "menu_versions"

    id: Mapped[int] = mapped_column(primary_key=True)  # the version number members' sessions keep
    yaml: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=VersionState.DRAFT.value, index=True)
    based_on: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(200), default="")
    problems: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of the last check's problems
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_by: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime | None]
    # The review flow: an editor sends a draft with a note saying what changed and why; a
    # publisher publishes it, or sends it back with a comment.
    change_note: Mapped[str] = mapped_column(Text, default="")
    review: Mapped[str | None] = mapped_column(String(16))  # a Review value, or None: not sent
    review_by: Mapped[str | None] = mapped_column(String(200))  # who sent it, or sent it back
    review_at: Mapped[datetime | None]
    review_comment: Mapped[str] = mapped_column(Text, default="")  # the publisher's, when sent back

    @property
    def problem_list(self) -> list[dict]:
        return json.loads(self.problems or "[]")

    @property
    def checked(self) -> list[Problem]:
        """The problems of the last check (on saving), as the checks gave them."""
        return [Problem(p["node"], p["message"], p["level"]) for p in self.problem_list]

    @property
    def has_errors(self) -> bool:
        return any(p["level"] == "error" for p in self.problem_list)


class Review(StrEnum):
    READY = "ready"  # waiting for a publisher
    SENT_BACK = "sent_back"  # a publisher asked for changes


MAX_NOTE = 2000


class MenuPointer(Base):
    """One row: the version new USSD sessions start on."""

    __tablename__ = "menu_pointer"

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    version_id: Mapped[int] = mapped_column(ForeignKey("menu_versions.id"))
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class NotAllowed(ValueError):
    """The change is refused; the message says why (shown to staff)."""


def check(yaml_text: str, actions: Actions, sms: Templates | None = None) -> list[Problem]:
    """Every problem of a definition: errors (publishing is refused) and warnings; with `sms`
    (the shipped templates), the problems of the definition's own SMS texts too."""
    try:
        definition, warnings = load_text(yaml_text, actions)
    except DefinitionError as exc:
        return exc.problems
    except Exception:  # noqa: BLE001 - a checker bug must be a listed problem, never a 500 for staff
        log.exception("the menu checker failed on a definition")
        return [Problem("", "this definition could not be checked (the checker failed; it is logged): "
                            "look for a value of the wrong type")]
    return sms_problems(definition.raw, sms) + warnings


def sms_problems(raw: dict, sms: Templates | None) -> list[Problem]:
    """The definition's own SMS texts (`sms:`), checked as the shipped templates are."""
    own = raw.get("sms")
    if own is None or sms is None:
        return []
    if not isinstance(own, dict) or not all(isinstance(v, dict) for v in own.values()):
        return [Problem("sms", "'sms' must map each kind of SMS to its texts, e.g. {lo: ..., en: ...}")]
    return [Problem("sms", problem) for problem in sms.problems(own)]


def _as_json(problems: list[Problem]) -> str:
    return json.dumps([{"node": p.node, "message": p.message, "level": p.level} for p in problems],
                      ensure_ascii=False)


def current_id(session: Session) -> int | None:
    return session.execute(select(MenuPointer.version_id).where(MenuPointer.id == 1)).scalar()


def seed(session: Session, path: Path, actions: Actions) -> int:
    """Version 1 from the menu file, published, if there is no version yet. Returns the current id."""
    found = current_id(session)
    if found is not None:
        return found
    text = path.read_text(encoding="utf-8")
    # The database gives the id (1 on a new database): an id given here would leave PostgreSQL's
    # sequence behind, and the first draft would then be refused as a second version 1.
    version = MenuVersion(yaml=text, state=VersionState.PUBLISHED.value, note=f"seeded from {path.name}",
                          problems=_as_json(check(text, actions)), created_by="system", published_by="system",
                          published_at=utcnow())
    session.add(version)
    session.flush()
    session.add(MenuPointer(id=1, version_id=version.id, changed_by="system"))
    session.commit()
    return version.id


def new_draft(session: Session, author: str, based_on: int | None = None) -> MenuVersion:
    base = session.get(MenuVersion, based_on or current_id(session))
    if base is None:
        raise NotAllowed("there is no version to start a draft from")
    draft = MenuVersion(yaml=base.yaml, state=VersionState.DRAFT.value, based_on=base.id, created_by=author,
                        problems=base.problems, note=f"draft from version {base.id}")
    session.add(draft)
    session.flush()
    return draft


def save_draft(session: Session, version_id: int, yaml_text: str, actions: Actions,
               sms: Templates | None = None) -> MenuVersion:
    """Store the text whatever its problems (a draft may be invalid); records the problems. A
    draft changed after it was sent for review must be sent again: the review was of other text."""
    draft = get_draft(session, version_id)
    if yaml_text != draft.yaml and draft.review == Review.READY.value:
        draft.review = None
    draft.yaml = yaml_text
    draft.problems = _as_json(check(yaml_text, actions, sms))
    return draft


def out_of_date(session: Session, draft: MenuVersion) -> MenuVersion | None:
    """The live version, when the draft was not made from it (someone published since)."""
    live_id = current_id(session)
    if draft.state != VersionState.DRAFT.value or live_id is None or draft.based_on == live_id:
        return None
    return session.get(MenuVersion, live_id)


def update_preview(session: Session, draft: MenuVersion) -> Merge | None:
    """What bringing the draft up to date with the live version would do (None: it is up to date)."""
    live = out_of_date(session, draft)
    if live is None:
        return None
    base = session.get(MenuVersion, draft.based_on) if draft.based_on else None
    return merge(base.yaml if base else "", live.yaml, draft.yaml)


def bring_up_to_date(session: Session, version_id: int, choices: dict[str, str],
                     actions: Actions, sms: Templates | None = None) -> tuple[MenuVersion, Merge]:
    """Merge what was published since the draft's base into the draft; every conflicting unit
    needs a choice ("mine" or "live")."""
    draft = get_draft(session, version_id)
    live = out_of_date(session, draft)
    if live is None:
        raise NotAllowed(f"version {version_id} is already based on the live version")
    base = session.get(MenuVersion, draft.based_on) if draft.based_on else None
    try:
        result = merge(base.yaml if base else "", live.yaml, draft.yaml, choices)
    except CannotMerge as exc:
        raise NotAllowed(f"cannot merge automatically: {exc}") from None
    undecided = [u for u in result.conflicts if choices.get(u) not in ("mine", "live")]
    if undecided:
        raise NotAllowed("choose, for each part both changed, whose version to keep: " + ", ".join(undecided))
    save_draft(session, version_id, result.text, actions, sms)
    draft.based_on = live.id
    draft.note = f"draft from version {base.id if base else '?'}, brought up to date with version {live.id}"[:200]
    return draft, result


def send_for_review(session: Session, version_id: int, actor: str, note: str) -> MenuVersion:
    """The editor says the draft is ready, and what it changes."""
    draft = get_draft(session, version_id)
    note = note.strip()
    if not note:
        raise NotAllowed("say what this draft changes, and why: the publisher reads it before publishing")
    if len(note) > MAX_NOTE:
        raise NotAllowed(f"the note is at most {MAX_NOTE} characters")
    draft.change_note, draft.review, draft.review_by, draft.review_at = note, Review.READY.value, actor, utcnow()
    draft.review_comment = ""
    return draft


def send_back(session: Session, version_id: int, actor: str, comment: str) -> MenuVersion:
    """A publisher asks for changes before publishing."""
    draft = get_draft(session, version_id)
    comment = comment.strip()
    if not comment:
        raise NotAllowed("say what to change: the editor reads it")
    draft.review, draft.review_by, draft.review_at = Review.SENT_BACK.value, actor, utcnow()
    draft.review_comment = comment[:MAX_NOTE]
    return draft


def waiting_for_review(session: Session) -> list[MenuVersion]:
    return list(session.execute(select(MenuVersion).where(MenuVersion.state == VersionState.DRAFT.value,
                                                          MenuVersion.review == Review.READY.value)
                                .order_by(MenuVersion.review_at)).scalars())


def publish(session: Session, version_id: int, actor: str, actions: Actions,
            sms: Templates | None = None) -> MenuVersion:
    draft = get_draft(session, version_id)
    live = out_of_date(session, draft)
    if live is not None:
        # Publishing it as it is would silently undo what was published since its base.
        raise NotAllowed(f"version {version_id} was made from version {draft.based_on}, and version {live.id} "
                         "is live now: bring the draft up to date first")
    problems = check(draft.yaml, actions, sms)
    draft.problems = _as_json(problems)
    errors = [p for p in problems if p.level == "error"]
    if errors:
        raise NotAllowed(f"{len(errors)} problem(s) must be fixed first, e.g. {errors[0]}")
    draft.state = VersionState.PUBLISHED.value
    draft.published_by, draft.published_at = actor, utcnow()
    draft.review = None
    _point(session, draft.id, actor)
    return draft


def roll_back(session: Session, version_id: int, actor: str) -> MenuVersion:
    version = session.get(MenuVersion, version_id)
    if version is None or version.state != VersionState.PUBLISHED.value:
        raise NotAllowed(f"version {version_id} is not a published version")
    _point(session, version.id, actor)
    return version


def _point(session: Session, version_id: int, actor: str) -> None:
    pointer = session.get(MenuPointer, 1)
    if pointer is None:
        session.add(MenuPointer(id=1, version_id=version_id, changed_by=actor))
    else:
        pointer.version_id, pointer.changed_by = version_id, actor


def get_draft(session: Session, version_id: int) -> MenuVersion:
    version = session.get(MenuVersion, version_id)
    if version is None:
        raise NotAllowed(f"there is no version {version_id}")
    if version.state != VersionState.DRAFT.value:
        raise NotAllowed(f"version {version_id} is published: published versions never change")
    return version
