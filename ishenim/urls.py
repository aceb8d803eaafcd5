from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from ishenim.core import views as core_views

handler400 = "ishenim.core.views.bad_request"

# Machine endpoints have no language; every page a person reads is under /ky/, /ru/ or /en/.
urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("", core_views.root_redirect, name="root"),
    path("favicon.ico", RedirectView.as_view(url=settings.STATIC_URL + "core/favicon.svg")),
]

urlpatterns += i18n_patterns(
    path("", include("ishenim.core.urls")),
    path("geo/", include("ishenim.geo.urls")),
    path("stats/", include("ishenim.stats.urls")),
    path("", include("ishenim.appeals.urls")),
    path("open-data/", include("ishenim.stats.urls_open_data")),
    path("", include("ishenim.orgs.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=True,
)
