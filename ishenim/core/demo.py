"""The demonstration data set: deterministic, fictional, on the real geography.

Each app that has demo records keeps a `demo.py` with `demo_build(demo: DemoContext)`;
`ishenim load-demo` calls them in INSTALLED_APPS order, which is the order of the layers
(geography before organisations, organisations before appeals), so a later app finds what
an earlier one made in `demo.made`. Core finds them by name, as Django finds admin modules,
and so imports no app above it.
"""

import random
from dataclasses import dataclass, field
from datetime import date
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction

DEMO_SEED = 20260321  # Nooruz 2026: any fixed number makes every run the same data set
# One password for every demo account, printed by `make run`; the demo is never production.
DEMO_PASSWORD = "ishenim-demo"  # noqa: S105


@dataclass(frozen=True)
class DemoLogin:
    role: str
    name: str
    login: str
    where: str
    note: str = ""


@dataclass
class DemoContext:
    scale: int
    today: date
    rng: random.Random
    # What earlier builders made, by a short key ("org:balykchy_police", "user:bakyt").
    made: dict = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)


def demo_builders() -> list:
    builders = []
    for config in apps.get_app_configs():
        name = f"{config.name}.demo"
        # core.demo is this framework, not a builder.
        if config.name.startswith("ishenim.") and name != __name__ and find_spec(name):
            builders.append((config.label, import_module(name).demo_build))
    return builders


def demo_is_loaded() -> bool:
    """Only an empty platform gets the demo: a single account means somebody is using it."""
    return get_user_model().objects.exists()


def demo_load(*, scale: int = 1, today: date | None = None, seed: int = DEMO_SEED) -> DemoContext:
    if scale < 1:
        raise ValueError("scale must be at least 1")
    demo = DemoContext(scale=scale, today=today or date.today(), rng=random.Random(seed))  # noqa: S311 (made-up data, no secret)
    # One transaction: a failed builder leaves no half demo behind.
    with transaction.atomic():
        for _label, build in demo_builders():
            build(demo)
    return demo
