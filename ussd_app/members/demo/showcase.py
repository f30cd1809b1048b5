"""The showcase members of the demo data set: hand-picked people, each showing one journey.

The demo README documents them, `seed_demo` links the phones of those marked linked (with
DEMO_PIN), and the journey tests dial them; NOT_A_MEMBER is a phone kept out of the data set. The
generator builds their histories, ending at LAST_PERIOD, and adds random members around them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

LAST_PERIOD = "2026-10"
DEMO_PIN = "2580"
NOT_A_MEMBER = "+8562099990000"


@dataclass(frozen=True)
class Showcase:
    phone: str
    ssn: str
    full_name: str
    romanised: str
    sex: str
    scheme: str
    born: date
    language: str
    linked: bool
    months: int  # contribution rows, consecutive, ending at `last`
    last: str
    wage: int  # LAK in 2026 (salary or declared income)
    shows: str


SHOWCASE = (
    Showcase("+8562055512345", "1001234567", "ສົມໃຈ ພົມມະວົງ", "Somchai Phommavong", "M", "enterprise",
             date(1964, 2, 10), "lo", True, 192, LAST_PERIOD, 6_000_000,
             "over 60 with 192 months paid: old-age pension eligible; wage above the ceiling"),
    Showcase("+8562055523456", "3002345678", "ມະນີວອນ ສີສຸວັນ", "Manivone Sisouvanh", "F", "voluntary",
             date(1988, 7, 21), "lo", True, 30, "2026-06", 1_500_000,
             "self-employed, 30 months, last paid 2026-06: behind with payments"),
    Showcase("+8562055534567", "1003456789", "ພອນທິບ ວົງສະຫວັນ", "Phonethip Vongsavanh", "F", "enterprise",
             date(1992, 11, 3), "lo", False, 40, LAST_PERIOD, 3_200_000,
             "not linked: the 'link my phone' journey in Lao"),
    Showcase("+8562055545678", "2004567890", "ບຸນມີ ອິນທະວົງ", "Bounmy Inthavong", "M", "public",
             date(1979, 5, 30), "en", False, 150, LAST_PERIOD, 4_800_000,
             "civil servant, not linked: the link journey in English"),
    Showcase("+8562055556789", "1005678901", "ວັນໄຊ ແສງອາລຸນ", "Vanxay Sengaloun", "M", "enterprise",
             date(1999, 1, 15), "en", True, 0, LAST_PERIOD, 2_500_000,
             "newly registered, no contributions yet: the empty balance"),
    Showcase("+8562055567890", "3006789012", "ຄຳພອນ ດວງມາລາ", "Khamphone Douangmala", "M", "voluntary",
             date(1970, 9, 9), "en", True, 179, LAST_PERIOD, 1_100_000,
             "self-employed, 179 months, up to date: one month short of 180; pays the minimum"),
)

