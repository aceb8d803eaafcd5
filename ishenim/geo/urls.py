from django.urls import path

from ishenim.geo import views

app_name = "geo"

urlpatterns = [
    path("units/", views.unit_list, name="unit_list"),
    path("units.geojson", views.units_geojson, name="units_geojson"),
    path("units/<slug:code>/", views.unit_detail, name="unit_detail"),
    path("units/<slug:code>.geojson", views.unit_geojson, name="unit_geojson"),
    path("settlements/", views.settlement_list, name="settlement_list"),
    path("settlements.geojson", views.settlements_geojson, name="settlements_geojson"),
    path("locate.json", views.locate, name="locate"),
]
