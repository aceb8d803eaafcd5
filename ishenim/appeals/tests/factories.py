"""Appeals for tests, made through the real services (so routing, deadlines and the history
are what users get). Points inside the cast's units of the real geography."""

from ishenim.appeals.enums import AppealKind, Channel
from ishenim.appeals.models import AppealCategory
from ishenim.appeals.services.submission import (
    ReporterDetails,
    appeal_place_resolve,
    appeal_submit,
)

# A point in Balykchy (Issyk-Kul) and one in Batken District (not Batken city, a unit of its
# own).
BALYKCHY_POINT = (42.4606, 76.1870)
BATKEN_POINT = (39.8410, 70.9798)


def category(code: str = "public-order") -> AppealCategory:
    return AppealCategory.objects.get(code=code)


def appeal_make(
    *,
    point: tuple[float, float] = BALYKCHY_POINT,
    category_code: str = "public-order",
    text: str = "Young men drink and fight by the bus station every evening.",
    kind: str = AppealKind.COMPLAINT,
    channel: str = Channel.WEB,
    reporter: ReporterDetails | None = None,
    anonymous: bool = False,
    actor=None,
    **kwargs,
):
    if reporter is None and not anonymous:
        reporter = ReporterDetails(
            full_name="Gulnara Abdyldaeva", phone="+996 555 200 300", consent_to_contact=True
        )
    place = appeal_place_resolve(latitude=point[0], longitude=point[1])
    return appeal_submit(
        channel=channel,
        kind=kind,
        category=category(category_code),
        text=text,
        language="ru",
        place=place,
        reporter=reporter,
        anonymous=anonymous,
        actor=actor,
        **kwargs,
    ).appeal
