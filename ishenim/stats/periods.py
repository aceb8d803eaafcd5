"""Periods of whole months, as statistics are counted: "2018-07", "2022", "2022-01..2022-06"."""

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Period:
    """From the first month to the last, both included (first days of the months)."""

    first: date
    last: date

    def __post_init__(self):
        if self.first.day != 1 or self.last.day != 1:
            raise ValueError("A period runs from the first day of one month to that of another.")
        if self.last < self.first:
            raise ValueError("A period cannot end before it begins.")

    @classmethod
    def parse(cls, text: str) -> "Period":
        """ "2018-07" (a month), "2022" (a year), "2022-01..2022-06" (months, both included).
        ValueError, in the reader's language, for anything else."""
        text = text.strip()
        first_text, separator, last_text = text.partition("..")
        try:
            first = _start(first_text.strip())
            last = _end(last_text.strip() if separator else first_text.strip())
            return cls(first, last)
        except ValueError:
            raise ValueError(
                _(
                    "“%(text)s” is not a period: write a month (2018-07), a year (2022) or"
                    " two months joined by .. (2022-01..2022-06)."
                )
                % {"text": text}
            ) from None

    @property
    def months(self) -> list[date]:
        months, month = [], self.first
        while month <= self.last:
            months.append(month)
            month = month_after(month)
        return months

    def __str__(self) -> str:
        if self.first == self.last:
            return f"{self.first:%Y-%m}"
        if self.first.month == 1 and self.last.month == 12 and self.first.year == self.last.year:
            return f"{self.first:%Y}"
        return f"{self.first:%Y-%m}..{self.last:%Y-%m}"


def month_after(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _start(text: str) -> date:
    if len(text) == 4 and text.isdigit():
        return date(int(text), 1, 1)
    return _month(text)


def _end(text: str) -> date:
    if len(text) == 4 and text.isdigit():
        return date(int(text), 12, 1)
    return _month(text)


def _month(text: str) -> date:
    year, dash, month = text.partition("-")
    if not (dash and len(year) == 4 and year.isdigit() and month.isdigit() and len(month) <= 2):
        raise ValueError(text)
    return date(int(year), int(month), 1)
