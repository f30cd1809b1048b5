"""Drafts as the console's forms make them: a change to a published version starts a draft from
it (with a copy of its conversation tests); every save is checked and in the audit log."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ussd_app.admin.audit import record, text_diff
from ussd_app.admin.models import ConversationTest
from ussd_app.publishing import versions as mv
from ussd_app.ussd.runtime import Runtime


def start_draft(session: Session, rt: Runtime, actor: str, based_on: int | None = None) -> mv.MenuVersion:
    rt.menus.current_version()  # seeds version 1 on a fresh database
    draft = mv.new_draft(session, actor, based_on)
    for test in session.execute(select(ConversationTest).where(ConversationTest.version_id == draft.based_on)
                                .order_by(ConversationTest.id)).scalars():
        session.add(ConversationTest(version_id=draft.id, name=test.name, script=test.script,
                                     created_by=test.created_by))
    record(session, actor, "draft created", f"menu version {draft.id}", draft.note)
    return draft


def editable(session: Session, rt: Runtime, version_id: int, actor: str) -> tuple[mv.MenuVersion, bool]:
    """The draft a change to `version_id` goes into: the version itself if it is a draft, else a
    new draft made from it. Returns it, and whether it is new."""
    version = session.get(mv.MenuVersion, version_id)
    if version is None:
        raise mv.NotAllowed(f"there is no version {version_id}")
    if version.state == mv.VersionState.DRAFT.value:
        return version, False
    return start_draft(session, rt, actor, version.id), True


def save(session: Session, rt: Runtime, draft: mv.MenuVersion, text: str, actor: str, what: str) -> mv.MenuVersion:
    """Check and keep the new text of a draft (problems and all), with an audit line saying `what`."""
    before = draft.yaml
    saved = mv.save_draft(session, draft.id, text, rt.actions, rt.menus.sms)
    record(session, actor, "draft saved", f"menu version {draft.id}", f"{what}\n{text_diff(before, saved.yaml)}")
    return saved


def tests_of(session: Session, version_id: int) -> list[ConversationTest]:
    """The conversation tests that belong to a version (and those from before tests had versions)."""
    return list(session.execute(select(ConversationTest).where(
        (ConversationTest.version_id == version_id) | ConversationTest.version_id.is_(None))
        .order_by(ConversationTest.id)).scalars())
