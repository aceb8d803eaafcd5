"""Working days, for statutory deadlines: an appeal answered within 14 working days means
14 days on which offices are open, in the country the platform serves.

Where the days come from, the later winning over the earlier:
1. Saturday and Sunday (the holidays package's weekend for the country) are days off.
2. The package's public holidays for `settings.ISHENIM_COUNTRY` are days off, with their
   observed days. Its "workday" category (commemorative days such as 23 February in
   Kyrgyzstan since 2025) is not asked for: those are ordinary working days.
3. Transferred working days are working days: a Saturday worked so that a bridge day becomes a
   day off. The package keeps them as the "from" dates of its substituted holidays.
4. Rows of `core.models.CalendarDay`: a decree the package does not know yet (each year's Ait
   dates are announced late) or a correction.

The arithmetic is `WorkingCalendar`, a pure class over two sets of dates; the module functions
feed it from the package and the database and keep it per process, so that a deadline costs
microseconds. A CalendarDay saved or deleted rebuilds it at once (signals); other processes
read the table again within `OVERRIDES_REFRESH_SECONDS`.
"""

import threading
import time as clock
from bisect import bisect_right
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import holidays
from django.conf import settings
from django.core.signals import setting_changed
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from ishenim.core.enums import CalendarDayKind
from ishenim.core.models import CalendarDay

SATURDAY, SUNDAY = 5, 6
# How long another process's edit of CalendarDay may take to reach this one.
OVERRIDES_REFRESH_SECONDS = 300
# Years around today loaded at first use; a date outside widens the span on demand.
_YEARS_BEFORE, _YEARS_AFTER = 3, 2
# Fewer working days than this in any year: used only to size a widening of the span.
_WORKING_DAYS_PER_YEAR_AT_LEAST = 230


class OutsideCalendar(LookupError):
    """The answer needs days the calendar was not built for; `year` is one it needs."""

    def __init__(self, year: int):
        super().__init__(f"The working calendar does not cover {year}.")
        self.year = year


class WorkingCalendar:
    """Working-day arithmetic over the days from `first` to `last`.

    `days_off` are weekdays on which offices are closed; `working_days` are weekend days on
    which they are open (a date in either set that would be so anyway changes nothing).
    Answers that need a day outside the span raise OutsideCalendar.
    """

    def __init__(
        self,
        days_off: Iterable[date] = (),
        working_days: Iterable[date] = (),
        *,
        first: date | None = None,
        last: date | None = None,
        weekend: Collection[int] = (SATURDAY, SUNDAY),
    ):
        days_off, working_days = frozenset(days_off), frozenset(working_days)
        if both := days_off & working_days:
            raise ValueError(f"A day cannot be both off and working: {sorted(both)[0]}")
        known = days_off | working_days
        if first is None or last is None:
            if not known:
                raise ValueError("Give the span (first, last) or at least one day.")
            first = first or date(min(known).year, 1, 1)
            last = last or date(max(known).year, 12, 31)
        if last < first:
            raise ValueError("The span ends before it starts.")
        self.first, self.last = first, last
        self.weekend = frozenset(weekend)
        off = {d.toordinal() for d in days_off}
        on = {d.toordinal() for d in working_days}
        # Every working day of the span, in order: counting working days between two dates
        # is then a difference of two positions, and adding n of them is one index.
        self._ordinals = [
            ordinal
            for ordinal in range(first.toordinal(), last.toordinal() + 1)
            if ordinal in on
            or (ordinal not in off and date.fromordinal(ordinal).weekday() not in self.weekend)
        ]
        self._working = frozenset(self._ordinals)

    def __repr__(self) -> str:
        return f"<WorkingCalendar {self.first}..{self.last}, {len(self._ordinals)} working days>"

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last

    def _position(self, day: date) -> int:
        """How many working days of the span fall on or before `day`."""
        if day < self.first:
            raise OutsideCalendar(day.year)
        if day > self.last:
            raise OutsideCalendar(day.year)
        return bisect_right(self._ordinals, day.toordinal())

    def is_working_day(self, day: date) -> bool:
        if not self.covers(day):
            raise OutsideCalendar(day.year)
        return day.toordinal() in self._working

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after `day` (n=0: `day` itself; n<0 counts back), chosen so
        that working_days_between(day, result) == n. Counting back from a day off, the first
        working day before it is -0: the week-end's Friday is -0 from Sunday, Thursday -1."""
        position = self._position(day)
        if n == 0:
            return day
        index = position + n - 1
        if index < 0:
            short = -index
            raise OutsideCalendar(self.first.year - 1 - short // _WORKING_DAYS_PER_YEAR_AT_LEAST)
        if index >= len(self._ordinals):
            short = index - len(self._ordinals) + 1
            raise OutsideCalendar(self.last.year + 1 + short // _WORKING_DAYS_PER_YEAR_AT_LEAST)
        return date.fromordinal(self._ordinals[index])

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative, counting (end, start], when end < start."""
        return self._position(end) - self._position(start)


# --- The calendar of the platform's country --------------------------------------------------


@lru_cache(maxsize=64)
def _package_year(country: str, year: int) -> tuple[frozenset[date], frozenset[date], frozenset]:
    """(days off, transferred working days, weekend) of one year, from the holidays package.

    Built once per year and process: the package computes Islamic dates and observed rules
    each time it is asked, which takes milliseconds, not microseconds.
    """
    public = holidays.country_holidays(country, years=year, categories=(holidays.PUBLIC,))
    transferred = set(getattr(public, "weekend_workdays", ()))
    # Substituted holidays are (month, day, from_month, from_day[, from_year]) under the year
    # of the day off; the "from" day is the one worked instead. Weekday "from" days matter
    # too: they were an observed holiday, which the decree moved away.
    for decree_year, entries in getattr(public, "special_public_holidays", {}).items():
        for entry in _entries(entries):
            if len(entry) in (4, 5) and all(isinstance(part, int) for part in entry):
                from_year = entry[4] if len(entry) == 5 else decree_year
                transferred.add(date(from_year, entry[2], entry[3]))
    weekend = frozenset(getattr(public, "weekend", (SATURDAY, SUNDAY)))
    # Not cut at the year's end: an observed day can fall in January of the next year.
    worked = frozenset(transferred)
    off = frozenset(d for d in public if d not in worked)
    return off, worked, weekend


def _entries(entries) -> tuple:
    """The package writes one entry as a bare tuple and several as a tuple of tuples."""
    if entries and isinstance(entries[0], tuple):
        return entries
    return (entries,)


@dataclass
class _Overrides:
    days_off: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()

    @classmethod
    def load(cls) -> "_Overrides":
        rows = list(CalendarDay.objects.values_list("date", "kind"))
        return cls(
            days_off=frozenset(d for d, kind in rows if kind == CalendarDayKind.DAY_OFF),
            working_days=frozenset(d for d, kind in rows if kind == CalendarDayKind.WORKING_DAY),
        )


class _PendingChange:
    """A CalendarDay change inside a transaction that has not ended yet. If it commits, the
    calendar is rebuilt; if it rolls back (every test does), the callback leaves the
    connection's on-commit queue unrun, which is how the rollback is noticed."""

    def __init__(self, using: str):
        self.connection = transaction.get_connection(using)
        self.callback = self.committed
        transaction.on_commit(self.callback, using=using)

    def committed(self) -> None:
        if _state.pending is self:
            _state.pending = None
        calendar_refresh()

    def still_queued(self) -> bool:
        return any(entry[1] is self.callback for entry in self.connection.run_on_commit)


@dataclass
class _State:
    calendar: WorkingCalendar | None = None
    # The years the calendar spans; it only widens, so a rebuild keeps what callers needed.
    span: tuple[int, int] | None = None
    overrides: _Overrides | None = None
    overrides_read_at: float = 0.0
    pending: _PendingChange | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


_state = _State()


def calendar_refresh() -> None:
    """Forget the calendar: the next question reads the package and CalendarDay again."""
    _state.calendar = None
    _state.overrides = None


def _build(first_year: int, last_year: int, overrides: _Overrides) -> WorkingCalendar:
    country = settings.ISHENIM_COUNTRY
    days_off: set[date] = set()
    working_days: set[date] = set()
    weekend: frozenset = frozenset((SATURDAY, SUNDAY))
    for year in range(first_year, last_year + 1):
        off, worked, weekend = _package_year(country, year)
        days_off |= off
        working_days |= worked
    days_off = (days_off - overrides.working_days) | overrides.days_off
    working_days = (working_days - overrides.days_off) | overrides.working_days
    # Each set only needs the days that differ from the weekend rule.
    days_off = {d for d in days_off if d.weekday() not in weekend}
    working_days = {d for d in working_days if d.weekday() in weekend}
    return WorkingCalendar(
        days_off,
        working_days,
        first=date(first_year, 1, 1),
        last=date(last_year, 12, 31),
        weekend=weekend,
    )


def working_calendar(*years: int) -> WorkingCalendar:
    """The calendar in force, covering at least `years` (default: the current one)."""
    now = clock.monotonic()
    pending = _state.pending
    if pending is not None and not pending.still_queued():
        # The transaction that changed CalendarDay rolled back: its change never happened.
        _state.pending = None
        calendar_refresh()
    calendar = _state.calendar
    stale = now - _state.overrides_read_at > OVERRIDES_REFRESH_SECONDS
    low = min(years) if years else date.today().year
    high = max(years) if years else low
    if (
        calendar is not None
        and not stale
        and calendar.first.year <= low <= high <= calendar.last.year
    ):
        return calendar
    with _state.lock:
        overrides = _state.overrides
        if overrides is None or stale:
            fresh = _Overrides.load()
            _state.overrides_read_at = now
            if fresh != overrides:
                _state.calendar = None
            _state.overrides = overrides = fresh
        today = date.today().year
        first, last = _state.span or (today - _YEARS_BEFORE, today + _YEARS_AFTER)
        first, last = min(first, low), max(last, high)
        if _state.calendar is None or (first, last) != _state.span:
            _state.span = (first, last)
            _state.calendar = _build(first, last, overrides)
        return _state.calendar


def is_working_day(day: date) -> bool:
    return working_calendar(day.year).is_working_day(day)


def add_working_days(day: date, n: int) -> date:
    """The n-th working day after `day`; n=0 gives `day`, negative n counts back."""
    calendar = working_calendar(day.year)
    while True:
        try:
            return calendar.add_working_days(day, n)
        except OutsideCalendar as outside:
            calendar = working_calendar(day.year, outside.year)


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end], negative when end is before start."""
    return working_calendar(start.year, end.year).working_days_between(start, end)


@receiver(post_save, sender=CalendarDay, dispatch_uid="core.calendar.saved")
@receiver(post_delete, sender=CalendarDay, dispatch_uid="core.calendar.deleted")
def calendar_day_changed(sender, using: str = "default", **kwargs) -> None:
    calendar_refresh()
    if transaction.get_connection(using).in_atomic_block:
        _state.pending = _PendingChange(using)


@receiver(setting_changed, dispatch_uid="core.calendar.settings")
def calendar_settings_changed(*, setting: str, **kwargs) -> None:
    if setting == "ISHENIM_COUNTRY":
        _state.span = None
        calendar_refresh()
