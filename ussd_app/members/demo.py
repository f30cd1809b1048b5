"""The demo data set: a deterministic generator of demo_data/*.csv and README.md, and `seed_demo`.

`python -m ussd_app.members.demo` rewrites the three files (random.Random(2026), so the output
only changes when this module does). `seed_demo` imports the committed CSVs through the normal
importer and links the showcase phones with the demo PIN, in one transaction.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import phonenumbers
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from ussd_app.database import utcnow
from ussd_app.members.importer import CONTRIBUTION_COLUMNS, MEMBER_COLUMNS, import_contributions, import_members
from ussd_app.members.models import Member
from ussd_app.members.pins import PinHasher

DATA_DIR = Path(__file__).resolve().parent / "demo_data"
SEED = 2026
LAST_PERIOD = "2026-10"
DEMO_PIN = "2580"
NOT_A_MEMBER = "+8562099990000"
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
FAMILY = ("ພົມມະວົງ", "ສີສຸວັນ", "ວົງສະຫວັນ", "ແສງອາລຸນ", "ສຸລິຍະວົງ", "ພົມມະຈັນ", "ຈັນທະວົງ", "ບຸບຜາ",
          "ອິນທະວົງ", "ພິລາວົງ", "ດວງມາລາ", "ສີວົງໄຊ", "ໄຊຍະວົງ", "ລາດສະວົງ", "ພັນທະວົງ", "ແກ້ວວົງສາ")


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
        self.members.append({
            "ssn": ssn, "full_name": name, "phone": phone, "date_of_birth": born.isoformat(), "sex": sex,
            "scheme": scheme, "registered_on": registered.isoformat(), "status": status, "language": language,
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


def to_csv(rows: list[dict[str, str]], columns: tuple[str, ...]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def readme(members: list[dict[str, str]], contributions: list[dict[str, str]]) -> str:
    def count(key: str, value: str) -> int:
        return sum(1 for m in members if m[key] == value)

    def local(phone: str) -> str:
        national = phone[4:]
        return f"0{national[:2]} {national[2:6]} {national[6:]}" if national.startswith("20") else f"0{national}"

    scheme_words = {"enterprise": "enterprise employee", "public": "civil servant", "voluntary": "self-employed"}
    rows = []
    for s in SHOWCASE:
        who = f"{s.romanised} ({s.full_name}), {'male' if s.sex == 'M' else 'female'}, {scheme_words[s.scheme]}"
        rows.append(f"| `{s.phone}` ({local(s.phone)}) | {who} | `{s.ssn}` | {s.born.isoformat()} "
                    f"(type `{s.born:%d%m%Y}`) | {s.language} | {'yes' if s.linked else 'no'} | {s.shows} |")
    paid = {}
    for c in contributions:
        paid[c["ssn"]] = paid.get(c["ssn"], 0) + 1
    histories = [paid.get(m["ssn"], 0) for m in members]
    return "\n".join([
        "# Demo data set",
        "",
        "Generated by `python -m ussd_app.members.demo` (fixed seed, so the files only change when the",
        "generator does); do not edit by hand. `make run` seeds it into an empty database through",
        "`seed_demo`; `flask --app wsgi members seed-demo` does the same. Everyone in it is invented.",
        "",
        "## Showcase members",
        "",
        f"Linked members have the demo PIN **{DEMO_PIN}**. To link a phone, type the ssn and the date of",
        f"birth as DDMMYYYY. `{NOT_A_MEMBER}` ({local(NOT_A_MEMBER)}) is not in the data set: dial from it",
        "for the \"not a member\" path.",
        "",
        "| phone | who | ssn | date of birth | language | linked? | what it shows |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
        "## The rest",
        "",
        f"- {len(members)} members: {count('scheme', 'enterprise')} enterprise, {count('scheme', 'public')} "
        f"public (civil servants), {count('scheme', 'voluntary')} voluntary (self-employed / informal).",
        f"- Status: {count('status', 'active')} active, {count('status', 'retired')} retired, "
        f"{count('status', 'suspended')} suspended. Language: {count('language', 'lo')} lo, "
        f"{count('language', 'en')} en. {count('phone', '')} have no phone on file.",
        f"- {len(contributions)} contribution rows up to {LAST_PERIOD}; histories from none to "
        f"{max(histories)} months ({sum(1 for h in histories if h == 0)} with none, "
        f"{sum(1 for h in histories if 0 < h < 12)} under a year, "
        f"{sum(1 for h in histories if 170 <= h < 180)} just under 180, "
        f"{sum(1 for h in histories if h > 180)} over 180), some with gaps; some voluntary members "
        "are 2 to 6 months behind.",
        "",
        "## Amounts (integer LAK)",
        "",
        f"- Enterprise: insured wage capped at {CEILING_LAK:,} LAK; employee 5.5 %, employer 6 %.",
        "- Public (civil servants): employee 8 %, employer 8.5 % of the salary. These rates are",
        "  illustrative only, not LSSO's published rates.",
        f"- Voluntary: 9 % of the declared income, at least {VOLUNTARY_MIN_LAK:,} LAK; no employer share.",
        "- Wages rise every January (about 5 % a year), so older periods pay less.",
        "",
    ])


def write(directory: Path = DATA_DIR) -> None:
    members, contributions = generate()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "members.csv").write_text(to_csv(members, MEMBER_COLUMNS), encoding="utf-8")
    (directory / "contributions.csv").write_text(to_csv(contributions, CONTRIBUTION_COLUMNS), encoding="utf-8")
    (directory / "README.md").write_text(readme(members, contributions), encoding="utf-8")


def seed_demo(session: Session, hasher: PinHasher, today: date | None = None) -> bool:
    """Import the demo set and link the showcase phones, if there are no members yet.

    One transaction; safe when several processes start at once (the loser returns False).
    """
    if _has_members(session):
        return False
    try:
        reports = [
            import_members(session, (DATA_DIR / "members.csv").read_bytes(), today=today, commit=False),
            import_contributions(session, (DATA_DIR / "contributions.csv").read_bytes(), today=today, commit=False),
        ]
        for report in reports:
            if not report.ok:
                first = report.rejected[0]
                raise RuntimeError(f"demo data rejected (line {first.line}: {first.reason}); regenerate it")
        linked = [s.phone for s in SHOWCASE if s.linked]
        now = utcnow()
        for member in session.scalars(select(Member).where(Member.phone.in_(linked))):
            member.linked_at = member.pin_changed_at = now  # as linking a phone over USSD does
            member.pin_hash = hasher.hash(DEMO_PIN)
        session.commit()
    except (IntegrityError, OperationalError):
        session.rollback()
        if _has_members(session):
            return False  # another process seeded first
        raise
    except BaseException:
        session.rollback()
        raise
    return True


def _has_members(session: Session) -> bool:
    return session.scalar(select(Member.id).limit(1)) is not None


if __name__ == "__main__":
    write()
    print(f"wrote {DATA_DIR}")
