"""Open data at /<language>/open-data/: public datasets, anonymised, for anyone."""

from django.urls import path

from ishenim.stats.views import open_data

app_name = "open_data"

urlpatterns = [
    path("", open_data.dataset_list, name="dataset_list"),
    path("<slug:name>/", open_data.dataset_detail, name="dataset_detail"),
    path("<slug:name>/progress/", open_data.build_progress, name="build_progress"),
    path("<slug:name>/build/", open_data.build_again, name="build_again"),
    path("<slug:name>/files/<slug:kind>", open_data.download, name="download"),
]
