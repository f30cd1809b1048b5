from datetime import date

import pytest

from ussd_app.engine.validators import Invalid, build

TODAY = date(2026, 11, 20)


def run(spec, value):
    return build(spec).run(value, TODAY)


def test_digits_and_length():
    assert run("digits", "012345") == "012345"
    with pytest.raises(Invalid) as bad:
        run("digits", "12a4")
    assert bad.value.key == "digits_only"
    with pytest.raises(Invalid):
        run("digits", "١٢٣")  # Arabic-Indic digits are digits to Python, not to us
    assert run({"length": [6, 13]}, "123456") == "123456"
    with pytest.raises(Invalid) as bad:
        run({"length": [6, 13]}, "12345")
    assert bad.value.key == "bad_length"


def test_date_ddmmyyyy_keeps_iso_and_refuses_impossible_or_future_dates():
    assert run({"date": "DDMMYYYY"}, "25031985") == "1985-03-25"
    for value in ("31021990", "2503198", "25131985", "01012027", "01011899", "abcdefgh"):
        with pytest.raises(Invalid) as bad:
            run({"date": "DDMMYYYY"}, value)
        assert bad.value.key == "bad_date"


def test_regex_and_phone():
    assert run({"regex": "[A-Z]{2}[0-9]+"}, "AB12") == "AB12"
    with pytest.raises(Invalid):
        run({"regex": "[A-Z]{2}[0-9]+"}, "ab12")
    assert run("phone", "020 5551 2345") == "+8562055512345"
    with pytest.raises(Invalid) as bad:
        run("phone", "12345")
    assert bad.value.key == "bad_phone"


@pytest.mark.parametrize("spec, reason", [
    ({"regex": "(unclosed"}, "invalid regex"),
    ({"date": "YYYYMMDD"}, "DDMMYYYY"),
    ("uppercase", "unknown validator"),
    ({"length": [5, 2]}, "min <= max"),
])
def test_bad_validator_specs_are_refused_with_a_reason(spec, reason):
    with pytest.raises(ValueError, match=reason):
        build(spec)
