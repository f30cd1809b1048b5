"""Running the staff's conversation tests against a version of the menu (simulated: nothing is
written but each test's last result)."""

from __future__ import annotations

from ussd_app.admin.drafts import tests_of
from ussd_app.admin.models import ConversationTest
from ussd_app.core.database import utcnow
from ussd_app.core.extensions import Unit
from ussd_app.engine.model import Definition, DefinitionError
from ussd_app.engine.ports import Services
from ussd_app.members.repository import SqlMembers
from ussd_app.publishing import conversation_tests
from ussd_app.ussd.guards import memory_guards
from ussd_app.ussd.runtime import Runtime


def simulation_services(rt: Runtime, unit: Unit) -> Services:
    """Real members, read-only; guards in memory, never the real counters."""
    return rt.services_on(unit, SqlMembers(unit), guards=memory_guards(rt.limits))


def definition_of(rt: Runtime, yaml_text: str, version: str) -> Definition | None:
    try:
        return rt.menus.load(yaml_text, version=version)[0]
    except DefinitionError:
        return None


def run_all(rt: Runtime, unit: Unit, yaml_text: str,
            version: str) -> list[tuple[ConversationTest, conversation_tests.Result]]:
    """Every test against this text; stores each one's result. Empty if the text does not load."""
    definition = definition_of(rt, yaml_text, version)
    if definition is None:
        return []
    results = []
    for test in tests_of(unit.session, int(version)) if version.isdigit() else []:
        result = conversation_tests.run(test.script, definition, lambda: simulation_services(rt, unit))
        test.last_result = f"version {version}: {result}"
        test.last_run_at = utcnow()
        results.append((test, result))
    return results
