import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    # The tests read English names and messages; the URLs they reverse follow suit.
    with translation.override("en"):
        yield
