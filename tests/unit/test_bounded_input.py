"""Bad or oversized input gets a clear answer, never a 500 or a stuck worker: menu YAML bombs and
wrong types are listed problems, bodies over a route's limit are refused before being read,
NUL bytes are refused at the door."""

from __future__ import annotations

import copy
import random
import time
from pathlib import Path

import pytest
import yaml

import ussd_app.actions  # noqa: F401  (registers the actions: mutations must reach their nodes)
from tests.admin_helpers import Staff
from ussd_app.actions import lsso_actions
from ussd_app.engine.loader import MAX_BYTES, load_text
from ussd_app.engine.model import DefinitionError

ROOT = Path(__file__).resolve().parents[2]
MAIN = (ROOT / "menus" / "main.yaml").read_text(encoding="utf-8")
ALIAS_BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True))


def problems_of(text: str) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        load_text(text, lsso_actions())
    return [p.message for p in caught.value.problems]


def test_an_alias_bomb_is_refused_at_once():
    assert len(ALIAS_BOMB) < 600
    started = time.perf_counter()
    assert any("anchors and aliases" in m for m in problems_of(ALIAS_BOMB))
    assert time.perf_counter() - started < 0.5


def test_deep_nesting_and_huge_definitions_are_problems():
    assert any("nested more than" in m for m in problems_of("spec_version: 1\nnodes: " + "[" * 500 + "]" * 500))
    huge = MAIN + "\n# " + "x" * MAX_BYTES
    assert any("over the limit" in m for m in problems_of(huge))


def test_values_of_the_wrong_type_anywhere_are_problems_not_crashes():
    """Seeded mutations of the shipped menu: each value in turn replaced by the wrong kind of thing."""
    base = yaml.safe_load(MAIN)
    weird = [["x"], {}, None, 5, 2.5, "str", True, [[]], {"a": 1}, "", [None], {"lo": 1, "en": []}, "{", "{x}"]
    paths = list(_paths(base))[1:]
    rng = random.Random(7)
    for _ in range(300):
        mutated = copy.deepcopy(base)
        for _ in range(rng.choice([1, 2, 3])):
            _replace(mutated, rng.choice(paths), copy.deepcopy(rng.choice(weird)))
        try:
            load_text(yaml.safe_dump(mutated, allow_unicode=True), lsso_actions())
        except DefinitionError:
            pass  # a listed problem: what staff should see


def _paths(value, prefix=()):  # type: ignore[no-untyped-def]
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


def _replace(doc, path, value) -> None:  # type: ignore[no-untyped-def]
    target = doc
    try:
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    except (KeyError, IndexError, TypeError):
        pass  # an earlier replacement removed this path


@pytest.mark.parametrize("text, problem", [
    (ALIAS_BOMB, "anchors and aliases"),
    (MAIN.replace("type: router", "type: [x]", 1), "unknown type"),
    ("spec_version: 1\nnodes: " + "[" * 500 + "]" * 500, "nested more than"),
])
def test_the_editor_lists_the_problem_of_a_bad_definition(app, text, problem):
    staff = Staff(app, "ed@lsso.gov.la", "editor")
    staff.sign_in()
    response = staff.post("/admin/menus/drafts", page="/admin/menus")
    version = response.headers["Location"].rsplit("/", 1)[1]
    staff.get(f"/admin/menus/{version}/yaml")
    saved = staff.post(f"/admin/menus/{version}/yaml", {"yaml": text})
    assert saved.status_code == 302
    page = staff.get(f"/admin/menus/{version}/yaml").get_data(as_text=True)
    assert problem in page


# ---- bodies and bytes at the webhooks ---------------------------------------------------------

HOP = {"sessionId": "b-1", "serviceCode": "*211#", "phoneNumber": "+8562055512345", "text": ""}


def test_a_large_body_is_refused_before_it_is_read(client):
    started = time.perf_counter()
    response = client.post("/ussd/africastalking", data=b"text=" + b"1" * (5 * 1024 * 1024),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert response.get_data(as_text=True) == "request too large: at most 8192 bytes"
    assert response.headers["Connection"] == "close"
    assert time.perf_counter() - started < 0.5
    for path in ("/sms/africastalking/delivery", "/sms/africastalking/inbound"):
        assert client.post(path, data=b"x" * 40_000, content_type="application/x-www-form-urlencoded"
                           ).status_code == 413
    assert client.post("/admin/login", data=b"x" * 600_000,
                       content_type="application/x-www-form-urlencoded").status_code == 413
    assert client.post("/ussd/africastalking", data=HOP).status_code == 200  # normal hops are untouched


@pytest.mark.both_databases  # a NUL gave 500 on PostgreSQL only
@pytest.mark.parametrize("path, form", [
    ("/sms/africastalking/delivery", {"id": "ATXid\x00", "status": "Success", "phoneNumber": "+8562055512345"}),
    ("/sms/africastalking/inbound", {"id": "1\x00", "from": "+8562055512345", "text": "STOP"}),
    ("/ussd/africastalking/events", {"sessionId": "s\x00", "status": "Success"}),
])
def test_a_nul_byte_in_a_callback_is_a_400_with_a_reason(client, path, form):
    response = client.post(path, data=form)
    if path.endswith("/events"):
        assert response.status_code == 200  # AT's end notices are always taken (and this one dropped)
    else:
        assert response.status_code == 400
        assert "contains control characters" in response.get_data(as_text=True)
