import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English; pages pick their language from the URL anyway."""
    with translation.override("en"):
        yield
