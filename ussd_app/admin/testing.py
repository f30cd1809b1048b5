"""Running the staff's conversation tests against a version of the menu (simulated: nothing is
written but each test's last result)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ussd_app.admin.models import ConversationTest
from ussd_app.core.database import utcnow
from ussd_app.core.extensions import read_connection
from ussd_app.engine.loader import load_text
from ussd_app.engine.model import Definition, DefinitionError
from ussd_app.engine.ports import Services
from ussd_app.members.repository import SqlMembers
from ussd_app.publishing import conversation_tests
from ussd_app.ussd.guards import memory_guards
from ussd_app.ussd.services import app_services


def simulation_services(session: Session) -> Services:
    services = app_services().for_session(SqlMembers(session, reads=read_connection()))
    services.guards = memory_guards(services.limits)  # never the real counters
    return services


def definition_of(yaml_text: str, version: str) -> Definition | None:
    try:
        return load_text(yaml_text, version=version)[0]
    except DefinitionError:
        return None


def run_all(session: Session, yaml_text: str, version: str) -> list[tuple[ConversationTest, conversation_tests.Result]]:
    """Every test against this text; stores each one's result. Empty if the text does not load."""
    definition = definition_of(yaml_text, version)
    if definition is None:
        return []
    results = []
    for test in session.execute(select(ConversationTest).order_by(ConversationTest.id)).scalars():
        result = conversation_tests.run(test.script, definition, lambda: simulation_services(session))
        test.last_result = f"version {version}: {result}"
        test.last_run_at = utcnow()
        results.append((test, result))
    return results
