"""Writes of the appeals, split by aggregate: submission (the resident's side and the staff's
entry forms), handling (the statuses), deadlines (the arithmetic), routing, duplicates,
escalation (the periodic reminders), messages (what residents and officers are told),
reference (the seeded service list and deadline rule)."""
