from django.urls import path

from ishenim.stats.views import analysis, dashboard

app_name = "stats"

# Pages of fixed names first: a dataset's pages take any slug after /stats/, so a fixed
# route added after them would be read as a dataset's name.
urlpatterns = [
    path("", dashboard.dataset_list, name="dataset_list"),
]

urlpatterns += [
    path("<slug:name>/", dashboard.dashboard, name="dashboard"),
    path("<slug:name>/hotspots.geojson", dashboard.hotspots_geojson, name="hotspots_geojson"),
    path("<slug:name>/points.geojson", dashboard.points_geojson, name="points_geojson"),
    path("<slug:name>/near-repeat/", analysis.near_repeat, name="near_repeat"),
    path("<slug:name>/concentration/", analysis.concentration, name="concentration"),
]
