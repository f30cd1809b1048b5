"""Screens within their budget: 182 GSM-7 characters, 80 once any character needs UCS-2."""

import unicodedata

from ussd_app.engine.render import BUDGET, fits, paginate
from ussd_app.text.encoding import GSM7, UCS2, measure

LAO_LINE = "ບໍານານ: ຂາດອີກ 120 ເດືອນ"


def test_english_text_is_gsm7_and_counts_escape_characters_twice():
    assert measure("Paid: 12 months") == (GSM7, 15)
    assert measure("a{b}") == (GSM7, 6)


def test_one_lao_character_turns_the_whole_screen_into_ucs2():
    enc, length = measure("1 Link my phone\n5 ພາສາລາວ")
    assert enc == UCS2
    assert length == len("1 Link my phone\n5 ພາສາລາວ")


def test_budget_depends_on_encoding():
    assert fits("x" * 182)
    assert not fits("x" * 183)
    assert fits("ກ" * 80)
    assert not fits("ກ" * 81)
    assert not fits("x" * 80 + "ກ")  # 81 UCS-2 characters, although short for GSM-7


def test_short_screen_is_one_page():
    assert paginate(["Hello", "1 Go"], "98 More", "0 Back") == ["Hello\n1 Go"]


def test_long_lao_screen_paginates_and_every_page_fits():
    lines = [LAO_LINE] * 12
    pages = paginate(lines, "98 ຕໍ່ໄປ", "0 ກັບຄືນ")
    assert len(pages) > 1
    for page in pages:
        enc, length = measure(page)
        assert length <= BUDGET[enc]
    assert pages[0].endswith("98 ຕໍ່ໄປ") and "0 ກັບຄືນ" not in pages[0]
    assert pages[-1].endswith("0 ກັບຄືນ") and "98" not in pages[-1].split("\n")[-1]
    # Nothing lost, nothing repeated.
    content = [line for page in pages for line in page.split("\n") if line not in ("98 ຕໍ່ໄປ", "0 ກັບຄືນ")]
    assert content == lines


def test_a_line_longer_than_a_page_is_cut_between_letters_not_inside_one():
    long_line = "ເງິນສົມທົບ" * 20  # Lao with vowel and tone marks
    pages = paginate([long_line], "98 ຕໍ່ໄປ", "0 ກັບຄືນ")
    assert len(pages) > 1
    rebuilt = "".join(p.replace("\n98 ຕໍ່ໄປ", "").replace("\n0 ກັບຄືນ", "") for p in pages)
    assert rebuilt == long_line
    for page in pages:
        assert fits(page)
        first_line = page.split("\n")[0]
        assert not unicodedata.category(first_line[0]).startswith("M"), f"page starts with a mark: {page!r}"
        assert first_line[-1] not in "ເແໂໃໄ", f"a leading vowel was cut from its consonant: {page!r}"


def test_english_result_uses_the_larger_gsm7_budget():
    lines = ["Old-age pension: 96 more months"] * 5  # 159 characters: one GSM-7 page
    assert len(paginate(lines, "98 More", "0 Back")) == 1
