"""Synthetic incidents: realistic, clustered, seeded point data for benchmarks and tests.

Recorded crime is neither uniform nor a handful of blobs. Most places see none, a few see
much ("the law of crime concentration": about half of all incidents fall in 2 to 6% of street
segments — Weisburd, *Criminology* 53(2), 2015), the density falls away from a city's centre,
and some crimes come back soon after to the same or a nearby place ("near repeats" — Townsley,
Homel & Chaseling, *Br. J. Criminol.* 43(3), 2003). `synthetic_incidents` draws such data as a
mixture, every step vectorised so that ten million points take a few seconds:

- **Background** (share 1 − `hotspot_share`): half follow the urban core, a circular normal
  of standard deviation 0.35·R around the area's centre (R: the radius, or half the smaller
  side of the bounds), half are uniform over the area (suburbs, roads, villages).
- **Hotspots** (share `hotspot_share`): `clusters` centres drawn like the background; each
  hotspot's weight is log-normal (σ = 0.6: the busiest hotspots hold several times the
  typical one's incidents) and its spread a log-normal standard deviation around 200 m
  (σ = 0.5, clamped to 30–600 m), so hotspots range from a bar to a housing estate. Each
  hotspot has a signature category that 40% of its incidents take (shoplifting in a shopping
  street); the others follow `category_shares`.
- **Dates**: uniform over `days` days from `start_date`, modulated by a season (+15% in
  midsummer, −15% in midwinter) and a week (+10% on Fridays and Saturdays).
- **Near repeats** (share `near_repeat_share`, 0 by default): each such incident copies a
  random earlier-drawn incident's category and hotspot, lies uniformly within
  `near_repeat_distance_m` of it and 0 to `near_repeat_days` days after it (before it when
  that would leave the period). A near repeat that would fall outside the area takes its
  parent's place (a repeat at the same address).

Points inside an area are kept inside it by redrawing those that fall out. Offsets in metres
become degrees through the WGS 84 ellipsoid's radii of curvature at the area's centre (a local
equirectangular projection): within 15 km of the centre its distances from the centre differ
from the engine's projection (`ishenim.analytics.projection`) by at most 0.4 m per km at
Bishkek's latitude (0.6 at Leeds's), far below the scale of anything here.

Calibration: with the defaults (a disc of 15 km, 300 hotspots, 60% of incidents in them),
the number of pairs of incidents within 200 m, 500 m and 1 km is within 15% of the real
West Yorkshire month's (30,752 located records, police.uk, July 2018) for the same number of
incidents, over ten seeds — so near-repeat and hotspot methods meet realistic loads; the
test suite holds it to 25%. The default categories and their shares are police.uk's crime
types as recorded by West Yorkshire Police in that month (`shared/data/policeuk`).
"""

import datetime
from collections.abc import Sequence

import numpy as np

# WGS 84 (EPSG:7030).
_SEMI_MAJOR_AXIS_M = 6_378_137.0
_E2 = (1 / 298.257223563) * (2 - 1 / 298.257223563)

# Bishkek: the platform's first country's capital, as a default centre.
DEFAULT_CENTRE = (42.8746, 74.5698)

# police.uk crime types with their shares in West Yorkshire, July 2018 (31,635 records).
POLICE_UK_CATEGORIES: tuple[str, ...] = (
    "Violence and sexual offences",
    "Anti-social behaviour",
    "Public order",
    "Criminal damage and arson",
    "Other theft",
    "Burglary",
    "Vehicle crime",
    "Shoplifting",
    "Other crime",
    "Drugs",
    "Robbery",
    "Theft from the person",
    "Bicycle theft",
    "Possession of weapons",
)
POLICE_UK_SHARES: tuple[float, ...] = (
    0.3274,
    0.1720,
    0.0962,
    0.0859,
    0.0709,
    0.0641,
    0.0618,
    0.0469,
    0.0211,
    0.0166,
    0.0103,
    0.0100,
    0.0096,
    0.0071,
)

_CORE_SPREAD = 0.35  # of the radius: where the urban core's density has fallen by 40%
_SIGNATURE_SHARE = 0.4
_HOTSPOT_WEIGHT_SIGMA = 0.6
_HOTSPOT_SPREAD_M = 200.0
_HOTSPOT_SPREAD_SIGMA = 0.5
_HOTSPOT_SPREAD_RANGE_M = (30.0, 600.0)


def synthetic_incidents(
    n: int,
    *,
    seed: int,
    centre: tuple[float, float] | None = None,
    radius_km: float = 15.0,
    bounds: tuple[float, float, float, float] | None = None,
    clusters: int = 300,
    hotspot_share: float = 0.6,
    start_date: datetime.date | str = "2024-01-01",
    days: int = 365,
    categories: Sequence[str] = POLICE_UK_CATEGORIES,
    category_shares: Sequence[float] | None = None,
    near_repeat_share: float = 0.0,
    near_repeat_distance_m: float = 200.0,
    near_repeat_days: int = 14,
) -> dict[str, np.ndarray]:
    """`n` incidents as arrays of equal length, the same for the same arguments and seed.

    The area is a disc of `radius_km` around `centre` (latitude, longitude; Bishkek by
    default) or, when `bounds` (south, west, north, east) is given, that box. Returns:

    - ``lat``, ``lon``: float64 degrees;
    - ``day``: datetime64[D], from `start_date` to `start_date` + `days` − 1;
    - ``category``: int16 codes into `categories` (``np.asarray(categories)[code]`` gives
      the names; codes keep ten million rows small);
    - ``cluster``: int32, the hotspot an incident belongs to, −1 for the background
      (a near repeat belongs to its parent's), so that tests can check what a hotspot
      method finds against what was planted.
    """
    _check(n, clusters, hotspot_share, days, near_repeat_share, near_repeat_distance_m)
    _check_not_negative(near_repeat_days, "near_repeat_days")
    shares = _category_shares(categories, category_shares)
    area = _Area.from_arguments(centre, radius_km, bounds)
    rng = np.random.default_rng(seed)

    repeats = round(n * near_repeat_share)
    originals = n - repeats
    hotspot_count = round(originals * hotspot_share) if clusters else 0
    background_count = originals - hotspot_count

    centres_x, centres_y = _background(rng, area, clusters)
    weights = rng.lognormal(0.0, _HOTSPOT_WEIGHT_SIGMA, clusters)
    spreads = np.clip(
        rng.lognormal(np.log(_HOTSPOT_SPREAD_M), _HOTSPOT_SPREAD_SIGMA, clusters),
        *_HOTSPOT_SPREAD_RANGE_M,
    )
    signatures = rng.choice(len(shares), size=clusters, p=shares).astype(np.int16)

    background_x, background_y = _background(rng, area, background_count)
    cluster = np.full(originals, -1, dtype=np.int32)
    if hotspot_count:
        cluster[background_count:] = rng.choice(
            clusters, size=hotspot_count, p=weights / weights.sum()
        )
    hotspot_x, hotspot_y = _around_hotspots(
        rng, area, cluster[background_count:], centres_x, centres_y, spreads
    )
    x = np.concatenate([background_x, hotspot_x])
    y = np.concatenate([background_y, hotspot_y])

    category = rng.choice(len(shares), size=originals, p=shares).astype(np.int16)
    in_hotspot = cluster >= 0
    takes_signature = in_hotspot & (rng.random(originals) < _SIGNATURE_SHARE)
    category[takes_signature] = signatures[cluster[takes_signature]]

    day = rng.choice(days, size=originals, p=_daily_intensity(start_date, days)).astype(np.int32)

    if repeats:
        x, y, day, category, cluster = _with_near_repeats(
            rng,
            area,
            (x, y, day, category, cluster),
            repeats,
            near_repeat_distance_m,
            near_repeat_days,
            days,
        )
    # Shuffled so that the kinds of incident are not in blocks (a slice is a fair sample).
    order = rng.permutation(n)
    lat, lon = area.to_degrees(x[order], y[order])
    return {
        "lat": lat,
        "lon": lon,
        "day": np.datetime64(_as_date(start_date), "D") + day[order].astype("timedelta64[D]"),
        "category": category[order],
        "cluster": cluster[order],
    }


class _Area:
    """A disc or a box in local metres (x east, y north) around its centre."""

    def __init__(self, lat0: float, lon0: float, half_x: float, half_y: float, disc: bool):
        self.lat0, self.lon0 = lat0, lon0
        self.half_x, self.half_y = half_x, half_y
        self.disc = disc
        self.radius = min(half_x, half_y)
        # The WGS 84 radii of curvature at the centre: along the meridian and across it.
        sin2 = np.sin(np.radians(lat0)) ** 2
        meridian = _SEMI_MAJOR_AXIS_M * (1 - _E2) / (1 - _E2 * sin2) ** 1.5
        normal = _SEMI_MAJOR_AXIS_M / np.sqrt(1 - _E2 * sin2)
        self.metres_per_degree_latitude = np.radians(meridian)
        self.metres_per_degree_longitude = np.radians(normal * np.cos(np.radians(lat0)))

    @classmethod
    def from_arguments(cls, centre, radius_km, bounds) -> "_Area":
        if bounds is not None:
            if centre is not None:
                raise ValueError("Give either a centre or bounds, not both.")
            south, west, north, east = (float(value) for value in bounds)
            if not (-80 <= south < north <= 80 and -180 <= west < east <= 180):
                raise ValueError(
                    "Bounds must be (south, west, north, east) within ±80° of latitude, with"
                    " south < north and west < east."
                )
            area = cls((south + north) / 2, (west + east) / 2, 0.0, 0.0, disc=False)
            area.half_x = (east - west) / 2 * area.metres_per_degree_longitude
            area.half_y = (north - south) / 2 * area.metres_per_degree_latitude
            area.radius = min(area.half_x, area.half_y)
            return area
        lat0, lon0 = DEFAULT_CENTRE if centre is None else (float(v) for v in centre)
        if not (-80 <= lat0 <= 80 and -180 <= lon0 <= 180):
            raise ValueError(
                "The centre must be a latitude within ±80° and a longitude within ±180°."
            )
        if not radius_km > 0:
            raise ValueError("The radius must be positive.")
        radius = radius_km * 1000.0
        return cls(lat0, lon0, radius, radius, disc=True)

    def contains(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        if self.disc:
            return x * x + y * y <= self.radius * self.radius
        return (np.abs(x) <= self.half_x) & (np.abs(y) <= self.half_y)

    def uniform(self, rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
        if self.disc:
            distance = self.radius * np.sqrt(rng.random(count))
            angle = rng.uniform(0.0, 2 * np.pi, count)
            return distance * np.cos(angle), distance * np.sin(angle)
        return (
            rng.uniform(-self.half_x, self.half_x, count),
            rng.uniform(-self.half_y, self.half_y, count),
        )

    def to_degrees(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (
            self.lat0 + y / self.metres_per_degree_latitude,
            self.lon0 + x / self.metres_per_degree_longitude,
        )


def _background(rng: np.random.Generator, area: _Area, count: int):
    """Half around the urban core, half uniform over the area."""
    core = count // 2
    x = np.empty(count)
    y = np.empty(count)
    x[core:], y[core:] = area.uniform(rng, count - core)
    spread = _CORE_SPREAD * area.radius
    x[:core] = rng.normal(0.0, spread, core)
    y[:core] = rng.normal(0.0, spread, core)
    _redraw_outside(area, x[:core], y[:core], lambda k: rng.normal(0.0, spread, (2, k)))
    return x, y


def _around_hotspots(rng, area, cluster, centres_x, centres_y, spreads):
    spread = spreads[cluster]
    x = centres_x[cluster] + rng.normal(0.0, 1.0, cluster.size) * spread
    y = centres_y[cluster] + rng.normal(0.0, 1.0, cluster.size) * spread
    outside = ~area.contains(x, y)
    # A hotspot on the area's edge loses its outer tail: those incidents go back to its centre's
    # side by reflection through the centre, which keeps the hotspot's spread.
    x[outside] = 2 * centres_x[cluster[outside]] - x[outside]
    y[outside] = 2 * centres_y[cluster[outside]] - y[outside]
    still = ~area.contains(x, y)
    x[still] = centres_x[cluster[still]]
    y[still] = centres_y[cluster[still]]
    return x, y


def _redraw_outside(area: _Area, x: np.ndarray, y: np.ndarray, draw) -> None:
    outside = np.flatnonzero(~area.contains(x, y))
    while outside.size:
        x[outside], y[outside] = draw(outside.size)
        outside = outside[~area.contains(x[outside], y[outside])]


def _daily_intensity(start_date, days: int) -> np.ndarray:
    dates = np.datetime64(_as_date(start_date), "D") + np.arange(days)
    day_of_year = (dates - dates.astype("datetime64[Y]")).astype(np.int64)
    # Midsummer (day ~196, mid-July) high, midwinter low.
    season = 1.0 + 0.15 * np.cos(2 * np.pi * (day_of_year - 196) / 365.25)
    weekday = (dates.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday: Monday is 0
    week = np.where(weekday >= 4, 1.1, 1.0)
    week[weekday == 6] = 1.0
    intensity = season * week
    return intensity / intensity.sum()


def _with_near_repeats(rng, area, columns, repeats, distance_m, lag_days, days):
    x, y, day, category, cluster = columns
    parent = rng.integers(0, x.size, repeats)
    distance = distance_m * np.sqrt(rng.random(repeats))
    angle = rng.uniform(0.0, 2 * np.pi, repeats)
    child_x = x[parent] + distance * np.cos(angle)
    child_y = y[parent] + distance * np.sin(angle)
    outside = ~area.contains(child_x, child_y)
    child_x[outside] = x[parent[outside]]
    child_y[outside] = y[parent[outside]]
    lag = rng.integers(0, lag_days + 1, repeats).astype(np.int32)
    child_day = day[parent] + lag
    late = child_day >= days
    child_day[late] = np.maximum(day[parent[late]] - lag[late], 0)
    return (
        np.concatenate([x, child_x]),
        np.concatenate([y, child_y]),
        np.concatenate([day, child_day]),
        np.concatenate([category, category[parent]]),
        np.concatenate([cluster, cluster[parent]]),
    )


def _category_shares(categories: Sequence[str], shares: Sequence[float] | None) -> np.ndarray:
    if len(categories) == 0:
        raise ValueError("At least one category is needed.")
    if len(categories) > np.iinfo(np.int16).max:
        raise ValueError("Too many categories for int16 codes.")
    if shares is None:
        if tuple(categories) == POLICE_UK_CATEGORIES:
            shares = POLICE_UK_SHARES
        else:
            shares = np.ones(len(categories))
    shares = np.asarray(shares, dtype=np.float64)
    if shares.shape != (len(categories),):
        raise ValueError("There must be one category share per category.")
    if not np.all(np.isfinite(shares)) or np.any(shares < 0) or shares.sum() <= 0:
        raise ValueError("Category shares must be non-negative numbers, not all zero.")
    return shares / shares.sum()


def _check(n, clusters, hotspot_share, days, near_repeat_share, near_repeat_distance_m) -> None:
    _check_not_negative(n, "n")
    _check_not_negative(clusters, "clusters")
    if days < 1:
        raise ValueError("The period must be at least one day.")
    for name, share in (("hotspot_share", hotspot_share), ("near_repeat_share", near_repeat_share)):
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"{name} must lie between 0 and 1.")
    if hotspot_share > 0 and clusters == 0:
        raise ValueError("A hotspot share needs at least one cluster.")
    if not near_repeat_distance_m >= 0:
        raise ValueError("near_repeat_distance_m must not be negative.")


def _check_not_negative(value: int, name: str) -> None:
    if int(value) != value or value < 0:
        raise ValueError(f"{name} must be a whole number, not negative.")


def _as_date(value: datetime.date | str) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(value)
