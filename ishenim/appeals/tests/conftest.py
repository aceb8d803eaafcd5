import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English; pages pick their language from the URL anyway."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def configuration_forgotten():
    """Routes and deadline rules are kept per process; each test's rolled-back rows must not
    reach the next test through them."""
    from ishenim.appeals.services import deadlines, routing

    routing.routes_forget()
    deadlines.rules_forget()
    yield
    routing.routes_forget()
    deadlines.rules_forget()
