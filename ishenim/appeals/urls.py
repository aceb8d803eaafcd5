"""Appeals' pages, included at the language root: the resident's side at /<language>/appeal/
and /<language>/track/, the staff's at /<language>/appeals/."""

from django.urls import path

from ishenim.appeals.views import entry, figures, public, staff

app_name = "appeals"

urlpatterns = [
    # The resident's side.
    path("appeal/", public.submit, name="submit"),
    path("appeal/sent/<str:code>/", public.submitted, name="submitted"),
    path("track/", public.track_find, name="track_find"),
    path("track/<str:code>/", public.track, name="track"),
    path("track/<str:code>/reply/", public.track_reply, name="track_reply"),
    path("track/<str:code>/reopen/", public.track_reopen, name="track_reopen"),
    path("track/<str:code>/rate/", public.track_rate, name="track_rate"),
    # The staff's side.
    path("appeals/", staff.queue, name="queue"),
    path("appeals/map.geojson", staff.queue_geojson, name="queue_geojson"),
    path("appeals/assign/", staff.bulk_assign, name="bulk_assign"),
    path("appeals/new/", entry.entry, name="entry"),
    path("appeals/import/", entry.register_import, name="register_import"),
    path("appeals/figures/", figures.figures, name="figures"),
    path("appeals/<str:code>/", staff.detail, name="detail"),
    path("appeals/<str:code>/act/<slug:action>/", staff.act, name="act"),
    path("appeals/<str:code>/files/<int:attachment_id>/", staff.attachment, name="attachment"),
]
