import random
from datetime import date, timedelta

import pytest

from ishenim.core import calendar
from ishenim.core.calendar import (
    OutsideCalendar,
    WorkingCalendar,
    add_working_days,
    is_working_day,
    working_days_between,
)
from ishenim.core.enums import CalendarDayKind
from ishenim.core.models import CalendarDay

# --- The pure arithmetic, without a database --------------------------------------------------

# March 2025 as a toy calendar: Friday the 21st off, Saturday the 29th worked.
TOY = WorkingCalendar(
    days_off=[date(2025, 3, 21)],
    working_days=[date(2025, 3, 29)],
    first=date(2025, 3, 1),
    last=date(2025, 3, 31),
)


def test_weekends_and_days_off_are_not_working_days_and_worked_saturdays_are():
    assert TOY.is_working_day(date(2025, 3, 20))  # Thursday
    assert not TOY.is_working_day(date(2025, 3, 21))  # the day off
    assert not TOY.is_working_day(date(2025, 3, 22))  # Saturday
    assert TOY.is_working_day(date(2025, 3, 29))  # the worked Saturday


def test_adding_zero_working_days_gives_the_same_day_even_a_day_off():
    assert TOY.add_working_days(date(2025, 3, 22), 0) == date(2025, 3, 22)


def test_adding_working_days_skips_the_day_off_and_the_weekend():
    assert TOY.add_working_days(date(2025, 3, 20), 1) == date(2025, 3, 24)
    assert TOY.add_working_days(date(2025, 3, 22), 1) == date(2025, 3, 24)
    assert TOY.add_working_days(date(2025, 3, 27), 2) == date(2025, 3, 29)


def test_negative_working_days_count_back():
    assert TOY.add_working_days(date(2025, 3, 24), -1) == date(2025, 3, 20)
    assert TOY.add_working_days(date(2025, 3, 31), -2) == date(2025, 3, 28)


def test_working_days_between_counts_the_half_open_interval_and_is_signed():
    # (20, 24]: the 21st is off, the 22nd and 23rd are the weekend.
    assert TOY.working_days_between(date(2025, 3, 20), date(2025, 3, 24)) == 1
    assert TOY.working_days_between(date(2025, 3, 24), date(2025, 3, 20)) == -1
    assert TOY.working_days_between(date(2025, 3, 21), date(2025, 3, 21)) == 0


def test_the_round_trip_holds_for_every_day_and_count_of_the_toy_month():
    for day in (date(2025, 3, 10) + timedelta(days=i) for i in range(10)):
        for n in range(-5, 6):
            assert TOY.working_days_between(day, TOY.add_working_days(day, n)) == n


def test_a_question_outside_the_span_names_the_year_it_needs():
    with pytest.raises(OutsideCalendar) as raised:
        TOY.add_working_days(date(2025, 3, 28), 10)

    assert raised.value.year == 2026


def test_a_day_cannot_be_both_off_and_working():
    with pytest.raises(ValueError):
        WorkingCalendar(days_off=[date(2025, 1, 1)], working_days=[date(2025, 1, 1)])


# --- Kyrgyzstan, from the holidays package ---------------------------------------------------


@pytest.fixture(autouse=True)
def _kyrgyz_calendar(settings, db):
    settings.ISHENIM_COUNTRY = "KG"
    calendar.calendar_refresh()
    yield
    calendar.calendar_refresh()


def test_nooruz_on_a_friday_moves_the_next_working_day_to_monday():
    # 21 March 2025 was a Friday; since 2025 a holiday on a weekday is not carried over.
    assert not is_working_day(date(2025, 3, 21))
    assert add_working_days(date(2025, 3, 20), 1) == date(2025, 3, 24)


def test_orozo_ait_is_a_day_off():
    assert not is_working_day(date(2024, 4, 10))  # Wednesday
    assert not is_working_day(date(2026, 3, 20))  # Friday
    assert add_working_days(date(2024, 4, 9), 1) == date(2024, 4, 11)
    assert add_working_days(date(2026, 3, 19), 1) == date(2026, 3, 23)


def test_the_new_year_holidays_of_2026_run_from_the_first_to_the_seventh():
    assert all(not is_working_day(date(2026, 1, d)) for d in range(1, 8))
    assert add_working_days(date(2025, 12, 31), 1) == date(2026, 1, 8)


def test_a_transferred_working_saturday_is_a_working_day():
    # 3 January 2024 was a day off in exchange for Saturday 27 January.
    assert not is_working_day(date(2024, 1, 3))
    assert is_working_day(date(2024, 1, 27))
    assert add_working_days(date(2024, 1, 26), 1) == date(2024, 1, 27)


def test_a_transferred_working_saturday_of_the_year_before_is_read_from_the_package():
    # 2 January 2018 was a day off in exchange for Saturday 30 December 2017.
    assert is_working_day(date(2017, 12, 30))


def test_an_observed_holiday_moved_by_decree_is_a_working_day():
    # Christmas 2024 fell on a Sunday; its observed Monday 8 January was given on 2 January.
    assert is_working_day(date(2024, 1, 8))
    assert not is_working_day(date(2024, 1, 2))


def test_commemorative_days_of_the_workday_category_are_working_days():
    assert is_working_day(date(2026, 2, 23))  # Monday, Fatherland Defenders' Day
    assert is_working_day(date(2025, 4, 7))  # Monday, April Revolution Day
    assert not is_working_day(date(2024, 2, 23))  # still a day off before the 2025 Labour Code


def test_fourteen_working_days_across_the_may_holidays_of_2026():
    # 1–9 May 2026 are all off, and Kurman Ait falls on Wednesday 27 May.
    assert all(not is_working_day(date(2026, 5, d)) for d in range(1, 10))
    assert not is_working_day(date(2026, 5, 27))

    deadline = add_working_days(date(2026, 4, 30), 14)

    assert deadline == date(2026, 5, 29)
    assert working_days_between(date(2026, 4, 30), deadline) == 14


def test_a_calendar_day_override_takes_effect_at_once():
    assert is_working_day(date(2026, 6, 15))
    assert not is_working_day(date(2026, 6, 20))

    CalendarDay.objects.create(date=date(2026, 6, 15), kind=CalendarDayKind.DAY_OFF, name="Ait")
    worked = CalendarDay.objects.create(date=date(2026, 6, 20), kind=CalendarDayKind.WORKING_DAY)

    assert not is_working_day(date(2026, 6, 15))
    assert is_working_day(date(2026, 6, 20))
    assert add_working_days(date(2026, 6, 12), 1) == date(2026, 6, 16)

    worked.delete()

    assert not is_working_day(date(2026, 6, 20))


def test_a_calendar_day_override_beats_a_public_holiday():
    CalendarDay.objects.create(date=date(2026, 3, 20), kind=CalendarDayKind.WORKING_DAY)

    assert is_working_day(date(2026, 3, 20))


@pytest.mark.django_db(transaction=True)
def test_an_override_rolled_back_with_its_transaction_leaves_no_trace():
    from django.db import transaction

    assert is_working_day(date(2026, 6, 16))
    with pytest.raises(RuntimeError), transaction.atomic():
        CalendarDay.objects.create(date=date(2026, 6, 16), kind=CalendarDayKind.DAY_OFF)
        assert not is_working_day(date(2026, 6, 16))
        raise RuntimeError("the admin's save failed")

    assert is_working_day(date(2026, 6, 16))


@pytest.mark.django_db(transaction=True)
def test_an_override_committed_in_a_transaction_takes_effect_after_the_commit():
    from django.db import transaction

    with transaction.atomic():
        CalendarDay.objects.create(date=date(2026, 6, 17), kind=CalendarDayKind.DAY_OFF)

    assert not is_working_day(date(2026, 6, 17))
    CalendarDay.objects.all().delete()
    assert is_working_day(date(2026, 6, 17))


def test_the_round_trip_holds_over_several_years_of_real_dates():
    rng = random.Random(20260101)
    start = date(2023, 1, 1)
    for _ in range(2000):
        day = start + timedelta(days=rng.randrange(4 * 365))
        n = rng.randrange(-40, 41)

        result = add_working_days(day, n)

        assert working_days_between(day, result) == n
        if n:
            assert is_working_day(result)
            assert (result > day) == (n > 0)


def test_far_years_and_long_counts_widen_the_calendar_on_demand():
    assert not is_working_day(date(2010, 3, 22))  # Nooruz 2010 on a Sunday, observed Monday
    assert add_working_days(date(2010, 1, 1), 0) == date(2010, 1, 1)
    later = add_working_days(date(2026, 1, 8), 1000)
    assert working_days_between(date(2026, 1, 8), later) == 1000
    earlier = add_working_days(date(2026, 1, 8), -1000)
    assert working_days_between(date(2026, 1, 8), earlier) == -1000


def test_a_deadline_asks_neither_the_package_nor_the_database_once_the_calendar_is_built(
    monkeypatch, django_assert_num_queries
):
    built = []
    country_holidays = calendar.holidays.country_holidays

    def counting(*args, **kwargs):
        built.append(kwargs.get("years"))
        return country_holidays(*args, **kwargs)

    monkeypatch.setattr(calendar.holidays, "country_holidays", counting)
    calendar._package_year.cache_clear()
    add_working_days(date(2026, 4, 30), 14)
    first_build = len(built)

    with django_assert_num_queries(0):
        for day in range(1, 29):
            add_working_days(date(2026, 2, day), 14)
            working_days_between(date(2026, 2, day), date(2026, 5, 29))

    assert first_build > 0
    assert len(built) == first_build
