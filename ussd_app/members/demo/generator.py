"""The deterministic generator of the demo rows: the showcase members and random ones around them.

random.Random(SEED), so the rows only change when this module or the showcase does.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import phonenumbers

from ussd_app.members.demo.showcase import LAST_PERIOD, NOT_A_MEMBER, SHOWCASE

SEED = 2026
CEILING_LAK = 4_500_000  # enterprise insured-wage ceiling
VOLUNTARY_MIN_LAK = 108_000
RATES = {  # per mille of the insured wage / declared income: (employee, employer)
    "enterprise": (55, 60),
    "public": (80, 85),  # illustrative, see README
    "voluntary": (90, 0),
}

MALE = ("ສົມໃຈ", "ບຸນມີ", "ສົມພອນ", "ຄຳພອນ", "ທອງລຸນ", "ພູມີ", "ສົມສັກ", "ວັນໄຊ", "ແສງທອງ", "ບຸນທັນ",
        "ອຸດົມ", "ສີສຸກ", "ບຸນຍັງ", "ສອນໄຊ", "ຄຳຫຼ້າ", "ບຸນເລີດ")
FEMALE = ("ມະນີວອນ", "ສີດາ", "ນາລີ", "ບົວຄຳ", "ພອນທິບ", "ແສງຈັນ", "ມາລີ", "ສຸດາ", "ອາລຸນີ", "ດາວເຮືອງ",
          "ວິໄລວັນ", "ຈັນທະລາ", "ແກ້ວມະນີ", "ສົມຈິດ", "ບຸນເພັງ", "ຄຳແພງ")
# Where members live: (province, district), picked from the ssn so the random rows stay as they were.
PLACES = (("Vientiane Capital", "Chanthabouly"), ("Vientiane Capital", "Sisattanak"),
          ("Vientiane Capital", "Xaysetha"), ("Luang Prabang", "Luang Prabang"),
          ("Savannakhet", "Kaysone Phomvihane"), ("Champasak", "Pakse"), ("Oudomxay", "Xay"),
          ("Xiengkhouang", "Pek"), ("Khammouane", "Thakhek"), ("Bokeo", "Houayxay"))
FAMILY = ("ພົມມະວົງ", "ສີສຸວັນ", "ວົງສະຫວັນ", "ແສງອາລຸນ", "ສຸລິຍະວົງ", "ພົມມະຈັນ", "ຈັນທະວົງ", "ບຸບຜາ",
          "ອິນທະວົງ", "ພິລາວົງ", "ດວງມາລາ", "ສີວົງໄຊ", "ໄຊຍະວົງ", "ລາດສະວົງ", "ພັນທະວົງ", "ແກ້ວວົງສາ")


def national_id_of(ssn: str) -> str:
    """The demo's national ID number for an ssn: 12 digits, as unique as the ssn."""
    return "1" + ssn.zfill(11)


def _index(period: str) -> int:
    return int(period[:4]) * 12 + int(period[5:]) - 1


def _period(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _permille(amount: int, rate: int) -> int:
    return (amount * rate + 500) // 1000  # rounded half up to whole LAK


class _Generator:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.members: list[dict[str, str]] = []
        self.contributions: list[dict[str, str]] = []
        self.ssns = {s.ssn for s in SHOWCASE}
        self.phones = {s.phone for s in SHOWCASE} | {NOT_A_MEMBER}
        self.names = {s.full_name for s in SHOWCASE}

    def run(self) -> None:
        for s in SHOWCASE:
            periods = [_period(_index(s.last) - k) for k in range(s.months)][::-1]
            first = date.fromisoformat(f"{periods[0]}-01") if periods else date(2026, 9, 1)
            self._add(s.ssn, s.full_name, s.phone, s.born, s.sex, s.scheme, first - timedelta(days=14),
                      "active", s.language, periods, s.wage)
        schemes = ["enterprise"] * 28 + ["public"] * 18 + ["voluntary"] * 18
        self.rng.shuffle(schemes)
        suspended = {3, 41}
        for i, scheme in enumerate(schemes):
            self._random_member(scheme, "suspended" if i in suspended else None)

    def _random_member(self, scheme: str, status: str | None) -> None:
        rng = self.rng
        sex = rng.choice("MF")
        born = date(rng.randint(1956, 2004), rng.randint(1, 12), rng.randint(1, 28))
        age = 2026 - born.year
        status = status or ("retired" if age >= 61 and rng.random() < 0.7 else "active")
        last = _index(LAST_PERIOD)
        if status == "retired":
            last = min(last, _index(f"{born.year + 60}-{born.month:02d}"))
        elif status == "suspended":
            last -= rng.randint(8, 20)
        elif scheme == "voluntary" and rng.random() < 0.4:
            last -= rng.randint(2, 6)  # behind with payments
        kind = "over180" if status == "retired" else rng.choice(
            ["none", "few", "year", "five", "under180", "over180", "five", "year"])
        target = {"none": 0, "few": rng.randint(2, 6), "year": rng.randint(10, 14), "five": rng.randint(55, 65),
                  "under180": rng.randint(170, 179), "over180": rng.randint(181, 230)}[kind]
        adult = _index(f"{born.year + 18}-{born.month:02d}")
        periods = self._history(last, target, adult, gaps=kind in ("five", "under180", "over180"))
        first = date.fromisoformat(f"{periods[0]}-01") if periods else date(2026, rng.randint(1, 9), 1)
        registered = first - timedelta(days=rng.randint(0, 45))
        wage = {"enterprise": rng.randrange(1_600_000, 9_000_000, 50_000),
                "public": rng.randrange(1_800_000, 7_000_000, 50_000),
                "voluntary": rng.randrange(800_000, 3_500_000, 50_000)}[scheme]
        language = "en" if rng.random() < 0.2 else "lo"
        phone = self._phone() if rng.random() < 0.85 else ""
        self._add(self._ssn(scheme), self._name(sex), phone, born, sex, scheme, registered, status, language,
                  periods, wage)

    def _history(self, last: int, target: int, earliest: int, gaps: bool) -> list[str]:
        periods: list[str] = []
        index = last
        while len(periods) < target and index >= earliest:
            periods.append(_period(index))
            index -= 1
            if gaps and self.rng.random() < 0.03:
                index -= self.rng.randint(1, 5)  # months not paid
        return periods[::-1]

    def _add(self, ssn: str, name: str, phone: str, born: date, sex: str, scheme: str, registered: date,
             status: str, language: str, periods: list[str], wage: int) -> None:
        province, district = PLACES[int(ssn) % len(PLACES)]
        self.members.append({
            "ssn": ssn, "full_name": name, "phone": phone, "date_of_birth": born.isoformat(), "sex": sex,
            "scheme": scheme, "registered_on": registered.isoformat(), "status": status, "language": language,
            "national_id": national_id_of(ssn), "province": province, "district": district,
        })
        employee_rate, employer_rate = RATES[scheme]
        for period in periods:
            years_back = 2026 - int(period[:4])
            base = max(500_000, round(wage / 1.05**years_back / 10_000) * 10_000)  # raises every January
            insured = min(base, CEILING_LAK) if scheme == "enterprise" else base
            employee = _permille(insured, employee_rate)
            if scheme == "voluntary":
                employee = max(employee, VOLUNTARY_MIN_LAK)
            self.contributions.append({
                "ssn": ssn, "period": period, "insured_wage_lak": str(insured), "employee_lak": str(employee),
                "employer_lak": str(_permille(insured, employer_rate)), "paid_on": self._paid_on(scheme, period),
            })

    def _paid_on(self, scheme: str, period: str) -> str:
        month = _index(period) + (0 if scheme == "voluntary" and self.rng.random() < 0.5 else 1)
        low, high = {"enterprise": (5, 15), "public": (1, 10), "voluntary": (1, 15)}[scheme]
        return f"{_period(month)}-{self.rng.randint(low, high):02d}"

    def _ssn(self, scheme: str) -> str:
        prefix = {"enterprise": "1", "public": "2", "voluntary": "3"}[scheme]
        while (ssn := f"{prefix}{self.rng.randrange(10**8, 10**9)}") in self.ssns:
            pass
        self.ssns.add(ssn)
        return ssn

    def _phone(self) -> str:
        while True:
            if self.rng.random() < 0.8:
                phone = f"+85620{self.rng.choice('2579')}{self.rng.randrange(10**7):07d}"
            else:
                phone = f"+85630{self.rng.randrange(10**7):07d}"
            if phone not in self.phones and phonenumbers.is_valid_number(phonenumbers.parse(phone)):
                self.phones.add(phone)
                return phone

    def _name(self, sex: str) -> str:
        while (name := f"{self.rng.choice(MALE if sex == 'M' else FEMALE)} {self.rng.choice(FAMILY)}") in self.names:
            pass
        self.names.add(name)
        return name


def generate() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(members rows, contributions rows), the same on every run."""
    gen = _Generator()
    gen.run()
    return gen.members, gen.contributions
