from django.urls import path

from ishenim.stats.views import analysis, dashboard, imports

app_name = "stats"

# Pages of fixed names first: a dataset's pages take any slug after /stats/, so a fixed
# route added after them would be read as a dataset's name (services.datasets refuses these
# names for a dataset: RESERVED_NAMES).
urlpatterns = [
    path("", dashboard.dataset_list, name="dataset_list"),
    path("imports/", imports.import_list, name="import_list"),
    path("imports/new/", imports.import_new, name="import_new"),
    path("imports/<int:import_run_id>/", imports.import_detail, name="import_detail"),
    path("imports/<int:import_run_id>/progress/", imports.import_progress, name="import_progress"),
    path("imports/<int:import_run_id>/retry/", imports.import_retry_view, name="import_retry"),
]

urlpatterns += [
    path("<slug:name>/", dashboard.dashboard, name="dashboard"),
    path("<slug:name>/hotspots.geojson", dashboard.hotspots_geojson, name="hotspots_geojson"),
    path("<slug:name>/points.geojson", dashboard.points_geojson, name="points_geojson"),
    path("<slug:name>/near-repeat/", analysis.near_repeat, name="near_repeat"),
    path("<slug:name>/concentration/", analysis.concentration, name="concentration"),
]
