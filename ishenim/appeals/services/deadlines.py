"""The statutory clock of an appeal, in working days (core.calendar).

All of an appeal's dates come from four stored numbers: the day the clock started (receipt,
or the day the resident reopened it), the working days allowed (the law's 14, more after an
extension), the working days paused while waiting for the resident, and the rule's warning
share. Counting from receipt rather than registration is the stricter reading and the one
that is fair to the resident: a late registration must not buy the office more time.
"""

import math
import time
from datetime import date

from ishenim.appeals.models import Appeal, DeadlineRule
from ishenim.core import calendar

# The rules change rarely and are read on every submission: kept per process for a minute
# and forgotten at once when this process saves one (AppealsConfig connects the signals).
RULES_KEPT_SECONDS = 60
_rules: dict[str, tuple[float, DeadlineRule]] = {}


def rules_forget(**kwargs) -> None:
    _rules.clear()


def deadline_rule_for(organisation) -> DeadlineRule:
    """The rule for the handling organisation's type, or the default one."""
    kind = organisation.kind if organisation is not None else ""
    found = _rules.get(kind)
    now = time.monotonic()
    if found is not None and now - found[0] < RULES_KEPT_SECONDS:
        return found[1]
    rule = _rule_look_up(kind)
    _rules[kind] = (now, rule)
    return rule


def _rule_look_up(kind: str) -> DeadlineRule:
    rules = {
        rule.organisation_kind: rule
        for rule in DeadlineRule.objects.filter(organisation_kind__in={kind, ""})
    }
    rule = rules.get(kind) or rules.get("")
    if rule is None:
        # A database without the seeded rule (a partial migrate): the law's figures.
        return DeadlineRule()
    return rule


def deadlines_set(appeal: Appeal, rule: DeadlineRule) -> None:
    """Recompute the dates from the stored numbers (not saved: the caller's service saves)."""
    start, allowed, paused = appeal.clock_started_on, appeal.deadline_days, appeal.paused_days
    appeal.answer_due = calendar.add_working_days(start, allowed + paused)
    appeal.warn_on = calendar.add_working_days(
        start, math.ceil(allowed * rule.warn_at_percent / 100) + paused
    )
    # Very late: past twice the time allowed.
    appeal.very_late_on = calendar.add_working_days(start, 2 * allowed + paused)


def deadlines_start(appeal: Appeal, rule: DeadlineRule, *, on: date) -> None:
    """A fresh clock from `on`: at receipt, and again when the resident reopens."""
    appeal.clock_started_on = on
    appeal.deadline_days = rule.answer_working_days
    appeal.paused_days = 0
    appeal.paused_since = None
    deadlines_set(appeal, rule)


def register_due_for(received_on: date, rule: DeadlineRule) -> date:
    return calendar.add_working_days(received_on, rule.register_working_days)


def deadlines_pause(appeal: Appeal, *, on: date) -> None:
    appeal.paused_since = on


def deadlines_resume(appeal: Appeal, rule: DeadlineRule, *, on: date) -> int:
    """Restart the clock: the working days spent waiting move every date. Returns them."""
    if appeal.paused_since is None:
        return 0
    waited = max(0, calendar.working_days_between(appeal.paused_since, on))
    appeal.paused_days += waited
    appeal.paused_since = None
    deadlines_set(appeal, rule)
    return waited


def extension_days_left(appeal: Appeal, rule: DeadlineRule) -> int:
    """How many more working days an extension may still grant."""
    return max(0, rule.extension_limit_working_days - appeal.deadline_days)


def deadlines_extend(appeal: Appeal, rule: DeadlineRule, *, days: int) -> None:
    appeal.deadline_days += days
    deadlines_set(appeal, rule)


def answered_in_working_days(appeal: Appeal, *, answered_on: date) -> int:
    """Working days from the clock's start to the answer, minus the time paused."""
    used = calendar.working_days_between(appeal.clock_started_on, answered_on)
    return max(0, used - appeal.paused_days)
