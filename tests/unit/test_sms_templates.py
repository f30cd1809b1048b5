"""SMS texts: part counting, every template within its limit in Lao and English, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sms.models import Kind
from sms.segments import count
from sms.templates import DEFAULT_PATH, TemplateError, load_templates
from ussd_app.engine.text import Money, Period, Wait


def test_part_counts_for_gsm7_and_ucs2():
    assert count("a" * 160).parts == 1
    assert count("a" * 161).parts == 2  # 153 per part once split
    assert count("a" * 306).parts == 2
    assert count("a" * 307).parts == 3
    assert count("ກ" * 70).parts == 1
    assert count("ກ" * 71).parts == 2  # 67 per part once split
    assert count("ກ" * 134).parts == 2
    assert count("ກ" * 135).parts == 3
    assert count("a" * 100 + "ກ").encoding == "UCS-2"
    assert count("{}" * 40).length == 160  # GSM-7 escapes count twice


def test_every_kind_has_lao_and_english_within_its_limit():
    templates = load_templates()
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    assert set(templates.texts) == {k.value for k in Kind}
    for kind, by_lang in templates.texts.items():
        for lang in ("lo", "en"):
            assert by_lang[lang].strip()
            lines = raw["samples"]["lines"].get(kind, {}).get(lang, [])
            values = {"ssn_tail": "4567", "wait": Wait(86400), "period": Period("2026-11"),
                      "due_date": Period("2026-12"), "minimum": Money(225000), "months_behind": 12,
                      "last_period": Period("2025-11"), "total": Money(19800000), "lines": lines,
                      "reference": "800012345", "ssn": "1234567890123", "months": 13,
                      "province": {"lo": "ນະຄອນຫຼວງວຽງຈັນ", "en": "Vientiane Capital"},
                      "reason": "ຮູບບໍ່ຊັດ", "next_total": Money(405000), "next_due_date": Period("2027-01"),
                      "income": Money(4500000), "contribution": Money(405000), "from": Period("2027-01"),
                      "transaction": "MM2026120212345678", "amount": Money(12150000), "paid_on": Period("2026-12"),
                      "periods": "12/2025-11/2026", "credit": Money(404999), "needed": Money(405000),
                      "service_code": "*211#"}
            rendered = templates.render(kind, lang, values)
            assert rendered.segments.parts <= templates.limits[kind], (kind, lang, rendered.body)
            if lang == "lo":
                assert rendered.segments.encoding == "UCS-2"
            assert "{" not in rendered.body


def write(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "templates.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("change, reason", [
    (lambda r: r["kinds"]["pin_changed"].update(lo="ປກສ " * 80), "pin_changed (lo): 5 parts (320 UCS-2 characters)"),
    (lambda r: r["kinds"]["opted_in"].pop("en"), "opted_in: missing en text"),
    (lambda r: r["kinds"].pop("statement"), "statement: missing"),
    (lambda r: r["kinds"]["pin_locked"].update(en="Locked {hours} h"), "pin_locked (en): no sample for hours"),
    (lambda r: r["kinds"].update(birthday={"lo": "x", "en": "y"}), "birthday: not a kind of message"),
])
def test_bad_templates_are_refused_at_load(tmp_path, change, reason):
    with pytest.raises(TemplateError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        load_templates(write(tmp_path, change))


def test_configured_limit_is_applied(tmp_path):
    with pytest.raises(TemplateError, match="over the limit of 1"):
        load_templates(max_parts=1)


def test_long_lines_lose_the_oldest_first_to_fit():
    templates = load_templates()
    lines = [f"{m:02d}/26 {m * 111_111:,}" for m in range(1, 13)] * 3
    rendered = templates.render("statement", "lo", {"lines": lines, "total": Money(1)})
    assert rendered.segments.parts <= 3
    assert rendered.body.split("\n")[1] == "…"
    assert lines[-1] in rendered.body
