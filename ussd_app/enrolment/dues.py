"""What a voluntary member owes: pure arithmetic over the declared incomes, the months paid and
today's date. Nothing here reads a clock or a store.

The calendar is the reminders' (sms/reminders.py): a month's contribution is due on `due_day` of
the month after it. "Due now" is the month whose due date is today or next (the reminders'
`upcoming`) plus the unpaid months before it, back to the member's first month but no further
than `arrears_months` (older months can no longer be paid by phone; an office sorts them out).
A new member whose first month is not due yet owes that first month, by its due date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from sms.reminders import Calendar, month_index, period_of

Rate = Callable[[int], int]  # declared income -> monthly contribution


@dataclass(frozen=True)
class Incomes:
    """Declared incomes by the month they apply from, 'YYYY-MM' -> LAK."""

    by_period: dict[str, int]
    default_lak: int  # before any declaration (members imported with no declared income)

    def for_period(self, period: str) -> int:
        applying = [p for p in self.by_period if p <= period]
        return self.by_period[max(applying)] if applying else self.default_lak


@dataclass(frozen=True)
class Dues:
    months: tuple[tuple[str, int], ...]  # unpaid months due now, oldest first, with their amount
    due_date: date  # when the latest of them is due
    credit_lak: int  # paid before and not yet used for a month
    next_period: str  # the first month after those due now
    next_lak: int
    next_due_date: date

    @property
    def total_lak(self) -> int:
        return max(0, sum(amount for _, amount in self.months) - self.credit_lak)

    @property
    def arrears(self) -> int:
        """Months due now other than the latest."""
        return max(0, len(self.months) - 1)


def dues(*, first_period: str, incomes: Incomes, paid: Iterable[str], credit_lak: int, today: date, cal: Calendar,
         rate: Rate, arrears_months: int) -> Dues:
    paid_months = set(paid)
    current = max(month_index(cal.upcoming(today)), month_index(first_period))
    oldest = max(month_index(first_period), current - arrears_months)
    owed = tuple((period_of(i), rate(incomes.for_period(period_of(i))))
                 for i in range(oldest, current + 1) if period_of(i) not in paid_months)
    following = current + 1
    while period_of(following) in paid_months:  # paid ahead
        following += 1
    nxt = period_of(following)
    return Dues(months=owed, due_date=cal.due_date(period_of(current)), credit_lak=credit_lak, next_period=nxt,
                next_lak=rate(incomes.for_period(nxt)), next_due_date=cal.due_date(nxt))


@dataclass(frozen=True)
class Allocation:
    periods: tuple[str, ...]  # months this money pays, oldest first
    applied_lak: int
    credit_lak: int  # left over, kept for the next payment


def allocate(available_lak: int, owed: Dues, *, incomes: Incomes, paid: Iterable[str], rate: Rate,
             ahead_months: int) -> Allocation:
    """Whole months, oldest first: the months due now, then months ahead (up to `ahead_months`
    past the latest due). What does not make a whole month stays as credit."""
    paid_months = set(paid)
    periods: list[str] = []
    applied = 0
    queue = [*owed.months]
    start = month_index(owed.next_period)
    queue += [(period_of(i), rate(incomes.for_period(period_of(i)))) for i in range(start, start + ahead_months)
              if period_of(i) not in paid_months]
    for period, amount in queue:
        if amount > available_lak - applied:
            break
        periods.append(period)
        applied += amount
    return Allocation(tuple(periods), applied, available_lak - applied)
