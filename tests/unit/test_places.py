"""The provinces and districts members choose from: the shipped list, and which files the loader refuses."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from ussd_app.enrolment.places import (
    DEFAULT_PLACES_PATH,
    NAME_MAX_CHARS,
    Place,
    Places,
    default_places,
    load_places,
)

DEMO_MEMBERS_CSV = Path(__file__).resolve().parents[2] / "ussd_app" / "members" / "demo" / "data" / "members.csv"
LAO_LETTERS = re.compile(r"^[\u0e80-\u0eff]+( [\u0e80-\u0eff]+)*$")


@pytest.fixture(scope="module")
def places() -> Places:
    return load_places()


def all_places(places: Places) -> list[Place]:
    return [*places.provinces, *(d for p in places.provinces for d in p.districts)]


def stated_counts() -> tuple[int, int]:
    """The '# N provinces, M districts.' line of the file's header."""
    match = re.search(r"^# (\d+) provinces, (\d+) districts\.$", DEFAULT_PLACES_PATH.read_text(encoding="utf-8"), re.M)
    assert match, "the header of places.yaml states how many provinces and districts it lists"
    return int(match[1]), int(match[2])


def test_eighteen_provinces_vientiane_capital_first_and_xaysomboun_included(places: Places) -> None:
    names = [p.en for p in places.provinces]
    assert len(names) == 18
    assert names[0] == "Vientiane Capital"
    assert {"Xaysomboun", "Vientiane Province", "Attapeu", "Phongsaly"} <= set(names)


def test_every_province_has_districts_and_the_total_is_the_stated_one(places: Places) -> None:
    provinces, districts = stated_counts()
    assert all(p.districts for p in places.provinces)
    assert (len(places.provinces), places.district_count) == (provinces, districts) == (18, 148)


@pytest.mark.parametrize(("province", "count", "first"), [
    ("Vientiane Capital", 9, "Chanthabouly"),
    ("Savannakhet", 15, "Kaysone Phomvihane"),
    ("Champasak", 10, "Pakse"),
    ("Xiengkhouang", 7, "Pek"),  # Thathom went to Xaysomboun in 2013
    ("Xaysomboun", 5, "Anouvong"),
    ("Sekong", 4, "Lamam"),
])
def test_provinces_list_their_capital_district_first(places: Places, province: str, count: int, first: str) -> None:
    found = places.province(province)
    assert found is not None
    assert len(found.districts) == count
    assert found.districts[0].en == first


def test_no_name_repeats_among_provinces_or_within_a_province(places: Places) -> None:
    for lang in ("en", "lo"):
        provinces = [p.name(lang) for p in places.provinces]
        assert len(provinces) == len(set(provinces)), lang
        for province in places.provinces:
            districts = [d.name(lang) for d in province.districts]
            assert len(districts) == len(set(districts)), (province.en, lang)


def test_lao_names_are_lao_script_without_prefixes_and_fit(places: Places) -> None:
    for place in all_places(places):
        assert LAO_LETTERS.match(place.lo), place
        assert len(place.lo) <= NAME_MAX_CHARS["lo"] == 20, place
        # The prompt says "province"/"district": the names themselves carry no ແຂວງ / ເມືອງ.
        assert not place.lo.startswith(("ແຂວງ", "ເມືອງ")), place
        # Modern spelling, as the LSSO writes: ຫຼ / ໜ / ໝ, never the older two-letter forms.
        assert not any(old in place.lo for old in ("ຫລ", "ຫນ", "ຫມ")), place


def test_english_names_are_plain_ascii_and_fit(places: Places) -> None:
    for place in all_places(places):
        assert place.en.isascii() and place.en == place.en.strip(), place
        assert len(place.en) <= NAME_MAX_CHARS["en"] == 24, place


def test_every_province_and_district_of_the_demo_members_exists() -> None:
    places = load_places()
    with DEMO_MEMBERS_CSV.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert rows
    pairs = {(row["province"], row["district"]) for row in rows}
    assert ("Savannakhet", "Kaysone Phomvihane") in pairs  # the CSV is the one this test was written against
    missing = sorted(pair for pair in pairs if places.district(*pair) is None)
    assert not missing, f"members.csv names places that places.yaml lacks: {missing}"


def test_lookups_are_scoped_to_the_province(places: Places) -> None:
    capital = places.district("Vientiane Capital", "Xaysetha")
    attapeu = places.district("Attapeu", "Xaysetha")
    assert capital is not None and attapeu is not None and capital is not attapeu
    assert places.district("Bokeo", "Pakse") is None
    assert places.district("Atlantis", "Pakse") is None
    assert places.province("vientiane capital") is None  # the stored value is matched exactly
    luang_prabang = places.province("Luang Prabang")
    assert luang_prabang is not None
    assert (luang_prabang.name("lo"), luang_prabang.name("en")) == ("ຫຼວງພະບາງ", "Luang Prabang")
    with pytest.raises(ValueError, match="'fr'"):
        luang_prabang.name("fr")


def test_default_places_is_read_once() -> None:
    assert default_places() is default_places()
    assert default_places() == load_places(DEFAULT_PLACES_PATH)


GOOD_BOKEO = "  - en: Bokeo\n    lo: ບໍ່ແກ້ວ\n    districts:\n      - {en: Houayxay, lo: ຫ້ວຍຊາຍ}\n"


@pytest.mark.parametrize(("body", "expected"), [
    ("  - en: Khammouane\n    districts:\n      - {en: Thakhek, lo: ທ່າແຂກ}\n",
     "province 'Khammouane': 'lo' is missing"),
    ("  - en: Khammouane\n    lo: ຄຳມ່ວນ\n    districts:\n      - {en: Thakhek}\n",
     "province 'Khammouane', district 'Thakhek': 'lo' is missing"),
    ("  - en: Khammouane\n    lo: ຄຳມ່ວນ\n    districts:\n      - {lo: ທ່າແຂກ}\n",
     "province 'Khammouane', district #1: 'en' is missing"),
    ("  - en: Khammouane\n    lo: ຄຳມ່ວນ\n    districts: []\n",
     "province 'Khammouane': 'districts' must be a non-empty list"),
    ("  - en: Khammouane\n    lo: ຄຳມ່ວນ\n    districts:\n"
     "      - {en: Thakhek, lo: ທ່າແຂກ}\n      - {en: Thakhek, lo: ມະຫາໄຊ}\n",
     "province 'Khammouane': district 'Thakhek' appears twice"),
    ("  - en: Khammouane\n    lo: ຄຳມ່ວນ\n    districts:\n"
     "      - {en: Thakhek, lo: ທ່າແຂກ}\n      - {en: Mahaxay, lo: ທ່າແຂກ}\n",
     "province 'Khammouane': district 'ທ່າແຂກ' appears twice"),
    ("  - en: Khammouane\n    lo: ຄຳມ່ວນ\n    districts:\n"
     "      - {en: Thakhek and all the villages around it, lo: ທ່າແຂກ}\n",
     "district 'Thakhek and all the villages around it': 'en' 'Thakhek and all the villages around it' is 38"),
    ("  - en: Khammouane\n    lo: ຄຳມ່ວນ\n    districts:\n      - {en: Thakhek, lo: ທ່າແຂກທ່າແຂກທ່າແຂກທ່າແຂກ}\n",
     "province 'Khammouane', district 'Thakhek': 'lo' 'ທ່າແຂກທ່າແຂກທ່າແຂກທ່າແຂກ' is 24 characters"),
    ("  - en: Khammouane\n    lo: Khammouane\n    districts:\n      - {en: Thakhek, lo: ທ່າແຂກ}\n",
     "province 'Khammouane': 'lo' 'Khammouane' has no Lao script"),
    (GOOD_BOKEO, "province 'Bokeo' appears twice"),
])
def test_a_bad_file_is_refused_naming_the_province(tmp_path: Path, body: str, expected: str) -> None:
    path = tmp_path / "places.yaml"
    path.write_text("provinces:\n" + GOOD_BOKEO + body, encoding="utf-8")
    with pytest.raises(ValueError) as refused:
        load_places(path)
    assert expected in str(refused.value)
    assert str(path) in str(refused.value)


def test_every_problem_is_listed_not_only_the_first(tmp_path: Path) -> None:
    path = tmp_path / "places.yaml"
    path.write_text("provinces:\n" + GOOD_BOKEO
                    + "  - en: Khammouane\n    districts: []\n"
                    + "  - lo: ສະຫວັນນະເຂດ\n    districts:\n      - {en: Xepon, lo: ເຊໂປນ}\n", encoding="utf-8")
    with pytest.raises(ValueError) as refused:
        load_places(path)
    message = str(refused.value)
    for expected in ("province 'Khammouane': 'lo' is missing",
                     "province 'Khammouane': 'districts' must be a non-empty list",
                     "province #3: 'en' is missing"):
        assert expected in message


def test_a_file_that_is_not_a_province_list_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "places.yaml"
    path.write_text("- Bokeo\n", encoding="utf-8")
    with pytest.raises(ValueError, match="'provinces'"):
        load_places(path)
    path.write_text("provinces: [\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid YAML"):
        load_places(path)
