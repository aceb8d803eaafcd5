"""Reads of the appeals, every list narrowed by orgs.policy with the viewer's permissions.

The work queue and its export are one query (`appeal_list_for_staff`), so the export holds
exactly what the filter shows. Figures are aggregates over the viewer's jurisdiction: an
analyst sees how many appeals were answered on time in their oblast without reading any.
"""

import statistics
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When

from ishenim.appeals.enums import OPEN_STATUSES, AppealStatus, Channel, Timeliness
from ishenim.appeals.models import Appeal, AppealCategory, AppealEvent
from ishenim.core import clock
from ishenim.geo import selectors as geo_selectors
from ishenim.geo.models import AdminUnit
from ishenim.orgs import policy
from ishenim.orgs.enums import Action


def appeal_get(code: str, *, for_update: bool = False) -> Appeal | None:
    appeals = Appeal.objects.select_related(
        "category",
        "unit",
        "settlement",
        "organisation",
        "co_organisation",
        "assignee",
        "merged_into",
    )
    if for_update:
        appeals = appeals.select_for_update(of=("self",))
    return appeals.filter(code=code).first()


def appeal_get_by_id(appeal_id: int, *, for_update: bool = False) -> Appeal | None:
    appeals = Appeal.objects.select_related("category", "unit", "organisation", "assignee")
    if for_update:
        appeals = appeals.select_for_update(of=("self",))
    return appeals.filter(pk=appeal_id).first()


def category_list(*, active_only: bool = True) -> QuerySet[AppealCategory]:
    categories = AppealCategory.objects.all()
    return categories.filter(is_active=True) if active_only else categories


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows. `scope`: "mine" (assigned to me), "organisation" (handled by my
    organisations), "all" (everything I may see)."""

    scope: str = "organisation"
    status: str = ""  # a status, "open" or ""
    category: str = ""  # a category code
    unit: AdminUnit | None = None  # the area, with everything inside it
    channel: str = ""
    timeliness: str = ""  # "late" (late or very late) or "very_late"
    received_from: date | None = None
    received_to: date | None = None
    query: str = ""
    organisation_ids: frozenset[int] = field(default_factory=frozenset)


def _open_first() -> Case:
    return Case(
        When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()
    )


def appeal_list_for_staff(
    user, queue: QueueFilter, *, action: Action = Action.VIEW
) -> QuerySet[Appeal]:
    """The work queue: open appeals first, the most overdue at the top, then the rest newest
    first. `action=EXPORT` for the export, which the policy may narrow further."""
    appeals = policy.visible(user, Appeal.objects.all(), action)
    if queue.scope == "mine":
        appeals = appeals.filter(assignee_id=getattr(user, "pk", None))
    elif queue.scope == "organisation":
        ids = queue.organisation_ids or frozenset(
            seat.organisation_id for seat in policy.seats(user)
        )
        appeals = appeals.filter(Q(organisation_id__in=ids) | Q(co_organisation_id__in=ids))
    if queue.status == "open":
        appeals = appeals.filter(status__in=OPEN_STATUSES)
    elif queue.status:
        appeals = appeals.filter(status=queue.status)
    if queue.category:
        appeals = appeals.filter(category__code=queue.category)
    if queue.unit is not None:
        appeals = appeals.filter(unit__path__startswith=queue.unit.path)
    if queue.channel:
        appeals = appeals.filter(channel=queue.channel)
    today = clock.today()
    if queue.timeliness == Timeliness.LATE:
        appeals = (
            appeals.filter(answer_due__lt=today)
            .exclude(status=AppealStatus.AWAITING_CLARIFICATION)
            .filter(status__in=OPEN_STATUSES)
        )
    elif queue.timeliness == Timeliness.VERY_LATE:
        appeals = appeals.filter(very_late_on__lt=today, status__in=OPEN_STATUSES).exclude(
            status=AppealStatus.AWAITING_CLARIFICATION
        )
    if queue.received_from:
        appeals = appeals.filter(received_at__date__gte=queue.received_from)
    if queue.received_to:
        appeals = appeals.filter(received_at__date__lte=queue.received_to)
    for term in queue.query.casefold().replace("ё", "е").split()[:8]:
        # A tracking code is stored without its hyphens.
        appeals = appeals.filter(search_text__contains=_code_or_term(term))
    return (
        appeals.select_related("category", "unit", "organisation", "assignee")
        .annotate(open_first=_open_first())
        .order_by("open_first", "answer_due", "-received_at", "id")
    )


def _code_or_term(term: str) -> str:
    return term.replace("-", "") if len(term) == 11 and term.count("-") == 2 else term


def appeal_events_for_staff(appeal: Appeal) -> QuerySet[AppealEvent]:
    """The whole history (the appeal passed its gate)."""
    return appeal.events.select_related("actor", "organisation", "to_organisation").order_by(
        "at", "id"
    )


def appeal_events_public(appeal: Appeal) -> QuerySet[AppealEvent]:
    """What the resident's tracking page shows: the public events, without who did them."""
    return (
        appeal.events.filter(public=True)
        .select_related("organisation", "to_organisation")
        .order_by("at", "id")
    )


def duplicate_candidates_for(user) -> QuerySet[Appeal]:
    return policy.visible(user, Appeal.objects.all(), Action.VIEW)


# --- figures ---------------------------------------------------------------------------------


@dataclass
class AppealFigures:
    received: int
    by_status: dict[str, int]
    answered: int
    answered_on_time: int
    on_time_percent: float | None
    median_working_days: float | None
    overdue_open: int
    very_late_open: int
    reopened: int
    rated: int
    mean_rating: float | None
    ratings: dict[int, int]
    by_category: list[tuple[str, int]]
    by_channel: list[tuple[str, int]]


def appeals_in_jurisdiction(user) -> QuerySet[Appeal]:
    """Every appeal in the units where the user's roles may view records, whatever its
    sensitivity: for counting only, never for listing."""
    if not policy.is_staff(user):
        return Appeal.objects.none()
    units = policy.jurisdiction_unit_ids(user, Action.VIEW)
    root = geo_selectors.unit_root()
    if root is not None and root.pk in units:
        return Appeal.objects.all()
    return Appeal.objects.filter(unit_id__in=units)


def appeal_figures(
    user,
    *,
    unit: AdminUnit | None = None,
    received_from: date | None = None,
    received_to: date | None = None,
) -> AppealFigures:
    appeals = appeals_in_jurisdiction(user)
    if unit is not None:
        appeals = appeals.filter(unit__path__startswith=unit.path)
    if received_from:
        appeals = appeals.filter(received_at__date__gte=received_from)
    if received_to:
        appeals = appeals.filter(received_at__date__lte=received_to)
    today = clock.today()
    totals = appeals.aggregate(
        received=Count("id"),
        answered=Count("id", filter=Q(answered_at__isnull=False)),
        answered_on_time=Count("id", filter=Q(answered_on_time=True)),
        overdue_open=Count(
            "id",
            filter=Q(status__in=OPEN_STATUSES, answer_due__lt=today)
            & ~Q(status=AppealStatus.AWAITING_CLARIFICATION),
        ),
        very_late_open=Count(
            "id",
            filter=Q(status__in=OPEN_STATUSES, very_late_on__lt=today)
            & ~Q(status=AppealStatus.AWAITING_CLARIFICATION),
        ),
        reopened=Count("id", filter=Q(reopened_count__gt=0)),
    )
    by_status = dict(appeals.values_list("status").annotate(n=Count("id")).order_by())
    ratings = dict(
        appeals.filter(rating__isnull=False)
        .values_list("rating")
        .annotate(n=Count("id"))
        .order_by()
    )
    days = list(
        appeals.filter(answer_working_days__isnull=False).values_list(
            "answer_working_days", flat=True
        )
    )
    rated = sum(ratings.values())
    by_category = list(
        appeals.values_list("category__code")
        .annotate(n=Count("id"))
        .order_by("-n", "category__code")
    )
    by_channel = list(
        appeals.values_list("channel").annotate(n=Count("id")).order_by("-n", "channel")
    )
    return AppealFigures(
        received=totals["received"],
        by_status={status: by_status.get(status, 0) for status in AppealStatus.values},
        answered=totals["answered"],
        answered_on_time=totals["answered_on_time"],
        on_time_percent=(
            100 * totals["answered_on_time"] / totals["answered"] if totals["answered"] else None
        ),
        median_working_days=statistics.median(days) if days else None,
        overdue_open=totals["overdue_open"],
        very_late_open=totals["very_late_open"],
        reopened=totals["reopened"],
        rated=rated,
        mean_rating=(sum(k * v for k, v in ratings.items()) / rated) if rated else None,
        ratings={stars: ratings.get(stars, 0) for stars in range(1, 6)},
        by_category=by_category,
        by_channel=[(Channel(channel).label, n) for channel, n in by_channel],
    )


@dataclass
class AreaFigures:
    """The main figures of appeal_figures for one area: a unit with everything inside it, or
    (`whole` False) the appeals placed in the chosen unit itself and in none of its parts."""

    unit: AdminUnit
    whole: bool = True
    received: int = 0
    answered: int = 0
    answered_on_time: int = 0
    overdue_open: int = 0
    very_late_open: int = 0
    reopened: int = 0
    rated: int = 0
    rating_total: int = 0
    working_days: list[int] = field(default_factory=list)

    @property
    def on_time_percent(self) -> float | None:
        return 100 * self.answered_on_time / self.answered if self.answered else None

    @property
    def median_working_days(self) -> float | None:
        return statistics.median(self.working_days) if self.working_days else None

    @property
    def mean_rating(self) -> float | None:
        return self.rating_total / self.rated if self.rated else None


def appeal_figures_by_area(
    user,
    *,
    unit: AdminUnit | None = None,
    received_from: date | None = None,
    received_to: date | None = None,
) -> list[AreaFigures]:
    """appeal_figures for each unit directly inside `unit` (the country when None), over the
    user's jurisdiction like appeal_figures; a last row for the appeals placed in `unit`
    itself, if any. Three queries whatever the number of areas: the appeals are counted per
    unit and the units summed into the area holding them."""
    parent = unit or geo_selectors.unit_root()
    if parent is None:
        return []
    areas = {child.path: AreaFigures(unit=child) for child in geo_selectors.unit_children(parent)}
    if not areas:
        return []
    itself = AreaFigures(unit=parent, whole=False)
    area_of: dict[int, AreaFigures] = {}
    for unit_id, path in AdminUnit.objects.filter(path__startswith=parent.path).values_list(
        "id", "path"
    ):
        # "/country/oblast/" + "district/..." → the area is "/country/oblast/district/".
        step = path[len(parent.path) :].split("/", 1)[0]
        area_of[unit_id] = areas.get(f"{parent.path}{step}/", itself) if step else itself
    appeals = appeals_in_jurisdiction(user).filter(unit__path__startswith=parent.path)
    if received_from:
        appeals = appeals.filter(received_at__date__gte=received_from)
    if received_to:
        appeals = appeals.filter(received_at__date__lte=received_to)
    today = clock.today()
    late = Q(status__in=OPEN_STATUSES) & ~Q(status=AppealStatus.AWAITING_CLARIFICATION)
    counts = (
        appeals.values("unit_id")
        .annotate(
            received=Count("id"),
            answered=Count("id", filter=Q(answered_at__isnull=False)),
            answered_on_time=Count("id", filter=Q(answered_on_time=True)),
            overdue_open=Count("id", filter=late & Q(answer_due__lt=today)),
            very_late_open=Count("id", filter=late & Q(very_late_on__lt=today)),
            reopened=Count("id", filter=Q(reopened_count__gt=0)),
            rated=Count("id", filter=Q(rating__isnull=False)),
            rating_total=Sum("rating"),
        )
        .order_by()
    )
    for row in counts:
        area = area_of[row.pop("unit_id")]
        for name, value in row.items():
            setattr(area, name, getattr(area, name) + (value or 0))
    for unit_id, days in appeals.filter(answer_working_days__isnull=False).values_list(
        "unit_id", "answer_working_days"
    ):
        area_of[unit_id].working_days.append(days)
    return [*areas.values(), *([itself] if itself.received else [])]


def appeal_count_waiting_for(user) -> dict[str, int]:
    """For "My work": my open appeals, and how many of them are overdue."""
    mine = policy.visible(user, Appeal.objects.filter(assignee_id=getattr(user, "pk", None)))
    today = clock.today()
    open_ = mine.filter(status__in=OPEN_STATUSES)
    return {
        "open": open_.count(),
        "overdue": open_.filter(answer_due__lt=today)
        .exclude(status=AppealStatus.AWAITING_CLARIFICATION)
        .count(),
        "unregistered": policy.visible(
            user,
            Appeal.objects.filter(status__in=(AppealStatus.SUBMITTED, AppealStatus.REDIRECTED)),
        )
        .filter(Q(organisation_id__in=[seat.organisation_id for seat in policy.seats(user)]))
        .count(),
    }
