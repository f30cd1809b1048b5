"""Menu definitions are validated when loaded: a bad one refuses to start, naming the node."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import make_app
from ussd_app.actions import lsso_actions
from ussd_app.engine.loader import load_text
from ussd_app.engine.model import DefinitionError

SHIPPED = Path(__file__).resolve().parents[2] / "menus" / "main.yaml"


def shipped() -> dict:
    return yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))


def problems_of(raw: dict) -> list[str]:
    with pytest.raises(DefinitionError) as err:
        load_text(yaml.safe_dump(raw, allow_unicode=True), lsso_actions())
    return [str(p) for p in err.value.problems if p.level == "error"]


def test_shipped_menu_loads_without_errors_or_warnings_for_menus():
    definition, warnings = load_text(SHIPPED.read_text(encoding="utf-8"), lsso_actions())
    assert definition.start == "home"
    # Results may paginate (a warning); menus and prompts must fit one screen in both languages.
    for problem in warnings:
        assert definition.nodes[problem.node].TYPE == "action", str(problem)


def test_unknown_next_node_is_named():
    raw = shipped()
    raw["nodes"]["guest_home"]["options"][0]["to"] = "nowhere"
    assert "guest_home: next node 'nowhere' does not exist" in problems_of(raw)


def test_missing_translation_is_named():
    raw = shipped()
    del raw["nodes"]["link_ssn"]["text"]["en"]
    assert "link_ssn: text: missing en translation" in problems_of(raw)
    raw = shipped()
    raw["messages"]["pin_wrong"]["lo"] = "  "
    assert "messages: pin_wrong: missing lo translation" in problems_of(raw)


def test_unknown_action_is_named():
    raw = shipped()
    raw["nodes"]["contributions"]["action"] = "print_money"
    assert any(p.startswith("contributions: unknown action 'print_money'") for p in problems_of(raw))


def test_bad_regex_is_named():
    raw = shipped()
    raw["nodes"]["link_ssn"]["validate"] = [{"regex": "([0-9]+"}]
    assert any(p.startswith("link_ssn: invalid regex") for p in problems_of(raw))


def test_unreachable_node_and_unknown_placeholder_and_loop():
    raw = shipped()
    raw["nodes"]["orphan"] = {"type": "end", "text": {"lo": "ກ", "en": "x"}}
    raw["nodes"]["contact"]["text"]["en"] = "Call {hotline}"
    raw["nodes"]["spin"] = {"type": "router", "routes": [{"when": "phone_linked", "to": "spin"}], "default": "spin"}
    raw["nodes"]["guest_home"]["options"][3]["to"] = "spin"
    found = problems_of(raw)
    assert "orphan: unreachable: no path leads here from the start node" in found
    assert "contact: text (en) uses {hotline}, which nothing provides here" in found
    assert any(p.startswith("spin: loop without any screen") for p in found)


def test_prompt_over_budget_is_refused():
    raw = shipped()
    raw["nodes"]["link_ssn"]["text"]["lo"] = "ກະລຸນາໃສ່ເລກປະກັນສັງຄົມຂອງທ່ານ " * 3
    assert any(p.startswith("link_ssn: screen over budget in lo") for p in problems_of(raw))


def test_spec_version_is_required_and_not_newer_than_the_engine():
    raw = shipped()
    del raw["spec_version"]
    assert problems_of(raw) == ["'spec_version' is required (an integer)"]
    raw["spec_version"] = 99
    assert problems_of(raw) == ["spec_version 99 is newer than this engine (2)"]


def test_every_problem_is_listed_at_once():
    raw = shipped()
    raw["nodes"]["guest_home"]["options"][0]["to"] = "nowhere"
    del raw["nodes"]["link_ssn"]["text"]["en"]
    raw["nodes"]["contributions"]["action"] = "print_money"
    assert problems_of(raw) == [  # each mistake named once, and no knock-on "unreachable" noise
        "contributions: unknown action 'print_money' (known: answers_by_sms, application_status, benefit_overview, "
        "change_pin, check_identity, consent_answer, consent_question, contributions_summary, declared_income, "
        "districts, dues, dues_sms, eligibility, income_bands, income_change, income_confirm, join_age_check, "
        "join_id_check, join_start, join_submit, join_summary, link_phone, occupations, provinces, record_viewers, "
        "set_answers_by_sms, sms_eligibility, sms_statement, switch_language, voluntary_scheme_info)",
        "guest_home: next node 'nowhere' does not exist",
        "link_ssn: text: missing en translation",
    ]


def test_nodes_cut_off_by_a_broken_link_are_said_once_as_a_warning():
    raw = shipped()
    raw["nodes"]["guest_home"]["options"][1]["to"] = "nowhere"  # the benefits menu and its four screens
    with pytest.raises(DefinitionError) as err:
        load_text(yaml.safe_dump(raw, allow_unicode=True), lsso_actions())
    warnings = [str(p) for p in err.value.problems if p.level == "warning" and "cannot be reached" in p.message]
    assert len(warnings) == 1 and "5 node(s) cannot be reached until the errors above are fixed" in warnings[0]


def test_app_refuses_to_start_on_an_invalid_menu(tmp_path, database_url):
    raw = shipped()
    raw["nodes"]["guest_home"]["options"][0]["to"] = "nowhere"
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DefinitionError, match="guest_home: next node 'nowhere' does not exist"):
        make_app(database_url, MENUS_DIR=str(tmp_path), MENU_FILE="bad.yaml")


def test_menus_validate_command(runner, tmp_path):
    result = runner.invoke(args=["menus", "validate"])
    assert result.exit_code == 0 and "main.yaml: ok" in result.output
    raw = shipped()
    raw["nodes"]["link_dob"]["validate"] = [{"date": "MMDDYYYY"}]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["menus", "validate", str(bad)])
    assert result.exit_code == 1
    assert "link_dob: date format must be DDMMYYYY" in result.output
