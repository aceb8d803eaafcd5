from django.conf import settings


def site(request) -> dict:
    """What every page's layout shows: the site's name and the data it must credit."""
    return {
        "SITE_NAME": settings.ISHENIM_SITE_NAME,
        "DATA_ATTRIBUTION": settings.ISHENIM_DATA_ATTRIBUTION,
        "LANGUAGE_COOKIE_NAME": settings.LANGUAGE_COOKIE_NAME,
    }
