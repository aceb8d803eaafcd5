"""Possible duplicates, offered to staff on the appeal page; merging stays their decision.

A candidate is in the same category, received within DUPLICATE_DAYS of the appeal, within
DUPLICATE_DISTANCE_METRES of its point (a village's point for a village), and has a text at
least DUPLICATE_MIN_SIMILARITY similar by rapidfuzz's token-set ratio, which forgives word
order and one text containing the other ("dogs at the school" / "a pack of stray dogs near
school No. 3 every morning").
"""

import math
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import QuerySet
from rapidfuzz import fuzz

from ishenim.appeals import config
from ishenim.appeals.enums import AppealStatus
from ishenim.appeals.models import Appeal

_EARTH_RADIUS_METRES = 6_371_008.8


@dataclass(frozen=True)
class PossibleDuplicate:
    appeal: Appeal
    distance_metres: float
    similarity: float


def distance_metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * _EARTH_RADIUS_METRES * math.asin(math.sqrt(a))


def possible_duplicates(appeal: Appeal, candidates: QuerySet[Appeal]) -> list[PossibleDuplicate]:
    """Of `candidates` (already narrowed by the viewer's permissions), those that look like
    the same problem, most similar first."""
    if appeal.latitude is None:
        return []
    radius = config.DUPLICATE_DISTANCE_METRES
    # A box around the point first, so the database does the coarse cut.
    dlat = radius / 111_320
    dlon = radius / (111_320 * max(0.01, math.cos(math.radians(appeal.latitude))))
    window = timedelta(days=config.DUPLICATE_DAYS)
    nearby = (
        candidates.filter(
            category_id=appeal.category_id,
            received_at__gte=appeal.received_at - window,
            received_at__lte=appeal.received_at + window,
            latitude__range=(appeal.latitude - dlat, appeal.latitude + dlat),
            longitude__range=(appeal.longitude - dlon, appeal.longitude + dlon),
        )
        .exclude(pk=appeal.pk)
        .exclude(status=AppealStatus.MERGED)
        .select_related("category")
    )
    found = []
    for other in nearby[:200]:
        distance = distance_metres(
            appeal.latitude, appeal.longitude, other.latitude, other.longitude
        )
        if distance > radius:
            continue
        similarity = fuzz.token_set_ratio(appeal.text.casefold(), other.text.casefold())
        if similarity >= config.DUPLICATE_MIN_SIMILARITY:
            found.append(PossibleDuplicate(other, distance, similarity))
    found.sort(key=lambda item: (-item.similarity, item.distance_metres))
    return found
