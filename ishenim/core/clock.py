"""The platform's "now", which can be set to another moment for a block of code.

Services that stamp times on records (an appeal's receipt, its answer) ask here rather than
`django.utils.timezone.now()`, so that the demonstration data can build a year of history
through the real services, each step at its own date, and tests can stand on the day before
a public holiday. A context variable, so a moment set in one request or thread never leaks
into another. The audit log keeps the real time: it records when a change was written.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime

from django.utils import timezone

_moment: ContextVar[datetime | None] = ContextVar("ishenim_clock_moment", default=None)


def now() -> datetime:
    return _moment.get() or timezone.now()


def today() -> date:
    return timezone.localdate(now())


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Run the block as if it were `moment` (an aware datetime)."""
    if timezone.is_naive(moment):
        raise ValueError("clock_at needs an aware datetime.")
    token = _moment.set(moment)
    try:
        yield
    finally:
        _moment.reset(token)
