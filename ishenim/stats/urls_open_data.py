"""Open data at /<language>/open-data/: public datasets, anonymised, for anyone."""

from django.urls import path  # noqa: F401

app_name = "open_data"

urlpatterns: list = []
