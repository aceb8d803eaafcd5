"""Geo's part of the demonstration data set: the villages and towns the demo's records name,
at plausible coordinates (checked to fall in the right district of the shipped boundaries,
not surveyed), marked as demo data. Later builders find them in demo.made["settlement:<key>"].

The units themselves are the real reference data (`ishenim load-reference`), never demo.
"""

from ishenim.geo.enums import SettlementKind
from ishenim.geo.services import settlement_create

DEMO_SOURCE = "Ishenim demo data set: plausible coordinates, not surveyed"

# key, kind, name_ky, name_ru, name_en, latitude, longitude
DEMO_SETTLEMENTS = [
    # Batken District: border villages of the demo's incidents and early-warning signals.
    ("ak_sai", SettlementKind.VILLAGE, "Ак-Сай", "Ак-Сай", "Ak-Sai", 39.93, 70.72),
    (
        "tash_tumshuk",
        SettlementKind.VILLAGE,
        "Таш-Тумшук",
        "Таш-Тумшук",
        "Tash-Tumshuk",
        39.98,
        70.80,
    ),
    (
        "samarkandek",
        SettlementKind.VILLAGE,
        "Самаркандек",
        "Самаркандек",
        "Samarkandek",
        39.72,
        70.50,
    ),
    ("kara_bak", SettlementKind.VILLAGE, "Кара-Бак", "Кара-Бак", "Kara-Bak", 39.93, 70.82),
    ("kyshtut", SettlementKind.VILLAGE, "Кыштут", "Кыштут", "Kyshtut", 39.94, 70.70),
    # Leilek District, on the Tajik border.
    ("kulundu", SettlementKind.VILLAGE, "Кулунду", "Кулунду", "Kulundu", 40.08, 69.80),
    ("isfana", SettlementKind.TOWN, "Исфана", "Исфана", "Isfana", 39.84, 69.53),
    # Kadamjai District.
    ("uch_korgon", SettlementKind.VILLAGE, "Үч-Коргон", "Уч-Коргон", "Uch-Korgon", 40.23, 72.08),
    # Balykchy: one neighbourhood for each of the demo's six Community Prevention Centres.
    *[
        (f"balykchy_{key}", SettlementKind.NEIGHBOURHOOD, ky, ru, en, lat, lon)
        for key, ky, ru, en, lat, lon in [
            ("kokuy_kol", "Көкүй-Көл", "Кокуй-Кол", "Kokuy-Kol", 42.462, 76.185),
            ("railway", "Темир жол", "Железнодорожный", "Railway", 42.458, 76.172),
            ("port", "Порт", "Порт", "Port", 42.468, 76.205),
            ("ak_oltoo", "Ак-Олтоо", "Ак-Олтоо", "Ak-Oltoo", 42.466, 76.225),
            ("kara_kochkor", "Кара-Кочкор", "Кара-Кочкор", "Kara-Kochkor", 42.452, 76.168),
            ("orto_tokoy", "Орто-Токой", "Орто-Токой", "Orto-Tokoy", 42.476, 76.212),
        ]
    ],
    # Issyk-Kul District, along the lake east of Balykchy.
    ("tamchy", SettlementKind.VILLAGE, "Тамчы", "Тамчы", "Tamchy", 42.56, 76.65),
    ("cholpon_ata", SettlementKind.TOWN, "Чолпон-Ата", "Чолпон-Ата", "Cholpon-Ata", 42.65, 77.08),
    # Chui oblast.
    ("sokuluk", SettlementKind.VILLAGE, "Сокулук", "Сокулук", "Sokuluk", 42.86, 74.30),
    ("ivanovka", SettlementKind.VILLAGE, "Ивановка", "Ивановка", "Ivanovka", 42.89, 75.08),
    # Jalal-Abad and Osh oblasts.
    ("suzak", SettlementKind.VILLAGE, "Сузак", "Сузак", "Suzak", 40.90, 72.90),
    (
        "bazar_korgon",
        SettlementKind.VILLAGE,
        "Базар-Коргон",
        "Базар-Коргон",
        "Bazar-Korgon",
        41.04,
        72.75,
    ),
    ("nookat", SettlementKind.TOWN, "Ноокат", "Ноокат", "Nookat", 40.265, 72.62),
    ("uzgen", SettlementKind.TOWN, "Өзгөн", "Узген", "Uzgen", 40.77, 73.30),
    ("kara_suu", SettlementKind.TOWN, "Кара-Суу", "Кара-Суу", "Kara-Suu", 40.70, 72.87),
]


def demo_build(demo) -> None:
    for key, kind, name_ky, name_ru, name_en, latitude, longitude in DEMO_SETTLEMENTS:
        demo.made[f"settlement:{key}"] = settlement_create(
            name_ky=name_ky,
            name_ru=name_ru,
            name_en=name_en,
            kind=kind,
            latitude=latitude,
            longitude=longitude,
            source=DEMO_SOURCE,
            is_demo=True,
            actor=None,
        )
