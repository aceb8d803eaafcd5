"""Orgs' part of the demonstration data set: fictional organisations and people on the real
geography, at least one account per role, all marked as demo data. Built through the
services (so the audit log tells the demo's story too); later builders find them in
demo.made["org:<key>"] and demo.made["user:<key>"].

Every demo account signs in with core.demo.DEMO_PASSWORD; emails are under the reserved
.example domain, so that no message can ever reach a real person.
"""

from base64 import b32encode
from dataclasses import replace

from django_otp.oath import TOTP

from ishenim.core.demo import DEMO_PASSWORD, DemoLogin
from ishenim.geo import selectors as geo_selectors
from ishenim.orgs import services
from ishenim.orgs.enums import OrganisationKind as Kind
from ishenim.orgs.enums import Role

EMAIL_DOMAIN = "demo.example"

# National codes from the shipped reference data (geo/reference/kg/admin_units.csv).
UNITS = {
    "country": None,  # the root
    "issyk_kul": "41702000000000",
    "issyk_kul_district": "41702215000000",
    "balykchy": "41702420000010",
    "jalal_abad": "41703000000000",
    "suzak": "41703220000000",
    "batken_oblast": "41705000000000",
    "batken_district": "41705214000000",
    "leilek": "41705236000000",
    "kadamjai": "41705258000000",
    "osh_oblast": "41706000000000",
    "kara_suu": "41706226000000",
    "osh_city": "41721000000000",
    "chui": "41708000000000",
    "sokuluk": "41708222000000",
}

# key, parent key, kind, name_en, name_ru, name_ky, unit keys
ORGANISATIONS = [
    (
        "mia_admin",
        None,
        Kind.POLICE_DEPARTMENT,
        "Ministry of Internal Affairs: platform administration",
        "МВД: администрирование платформы",
        "ИИМ: платформаны башкаруу",
        ["country"],
    ),
    (
        "mia_analysis",
        None,
        Kind.POLICE_DEPARTMENT,
        "Ministry of Internal Affairs: analysis and prevention department",
        "МВД: управление анализа и профилактики",
        "ИИМ: талдоо жана алдын алуу башкармалыгы",
        ["country"],
    ),
    (
        "ombudsman",
        None,
        Kind.OMBUDSMAN_OFFICE,
        "Office of the Ombudsman (Akyikatchy)",
        "Аппарат Омбудсмена (Акыйкатчы)",
        "Акыйкатчынын (Омбудсмендин) аппараты",
        ["country"],
    ),
    (
        "ombudsman_batken",
        "ombudsman",
        Kind.OMBUDSMAN_OFFICE,
        "Ombudsman's regional office in Batken oblast",
        "Представительство Омбудсмена в Баткенской области",
        "Акыйкатчынын Баткен облусундагы өкүлчүлүгү",
        ["batken_oblast"],
    ),
    (
        "undp",
        None,
        Kind.INTERNATIONAL_PARTNER,
        "UNDP community security programme",
        "Программа ПРООН по общественной безопасности",
        "БУУӨПтүн коомдук коопсуздук программасы",
        ["country"],
    ),
    (
        "safer_communities",
        None,
        Kind.NGO,
        "Safer Communities Public Foundation",
        "ОФ «Безопасные сообщества»",
        "«Коопсуз жамааттар» коомдук фонду",
        ["issyk_kul", "batken_oblast"],
    ),
    # Issyk-Kul: Balykchy with its police, city hall, commission and six prevention centres.
    (
        "issyk_kul_police",
        None,
        Kind.POLICE_DEPARTMENT,
        "Issyk-Kul Oblast Police Department",
        "УВД Иссык-Кульской области",
        "Ысык-Көл облустук ички иштер башкармалыгы",
        ["issyk_kul"],
    ),
    (
        "balykchy_police",
        "issyk_kul_police",
        Kind.POLICE_DEPARTMENT,
        "Balykchy City Police Department",
        "ОВД города Балыкчы",
        "Балыкчы шаардык ички иштер бөлүмү",
        ["balykchy"],
    ),
    (
        "balykchy_station_1",
        "balykchy_police",
        Kind.POLICE_STATION,
        "Balykchy police station No. 1",
        "Участковый пункт милиции № 1, г. Балыкчы",
        "Балыкчы шаарындагы № 1 участкалык милиция пункту",
        ["balykchy"],
    ),
    (
        "balykchy_station_2",
        "balykchy_police",
        Kind.POLICE_STATION,
        "Balykchy police station No. 2",
        "Участковый пункт милиции № 2, г. Балыкчы",
        "Балыкчы шаарындагы № 2 участкалык милиция пункту",
        ["balykchy"],
    ),
    (
        "balykchy_city_hall",
        None,
        Kind.LOCAL_GOVERNMENT,
        "Balykchy City Hall",
        "Мэрия города Балыкчы",
        "Балыкчы шаарынын мэриясы",
        ["balykchy"],
    ),
    (
        "balykchy_commission",
        "balykchy_city_hall",
        Kind.PREVENTION_COMMISSION,
        "Balykchy crime prevention commission",
        "Комиссия по профилактике правонарушений г. Балыкчы",
        "Балыкчы шаарынын укук бузууларды алдын алуу комиссиясы",
        ["balykchy"],
    ),
    (
        "issyk_kul_district_police",
        "issyk_kul_police",
        Kind.POLICE_DEPARTMENT,
        "Issyk-Kul District Police Department",
        "ОВД Иссык-Кульского района",
        "Ысык-Көл райондук ички иштер бөлүмү",
        ["issyk_kul_district"],
    ),
    # Batken: the border district, Ak-Sai and Tash-Tumshuk.
    (
        "batken_police",
        None,
        Kind.POLICE_DEPARTMENT,
        "Batken Oblast Police Department",
        "УВД Баткенской области",
        "Баткен облустук ички иштер башкармалыгы",
        ["batken_oblast"],
    ),
    (
        "batken_district_police",
        "batken_police",
        Kind.POLICE_DEPARTMENT,
        "Batken District Police Department",
        "ОВД Баткенского района",
        "Баткен райондук ички иштер бөлүмү",
        ["batken_district"],
    ),
    (
        "ak_sai_post",
        "batken_district_police",
        Kind.POLICE_STATION,
        "Ak-Sai police post",
        "Пост милиции Ак-Сай",
        "Ак-Сай милиция посту",
        ["batken_district"],
    ),
    (
        "batken_border",
        None,
        Kind.BORDER_UNIT,
        "Batken border detachment",
        "Баткенский пограничный отряд",
        "Баткен чек ара отряды",
        ["batken_district", "leilek"],
    ),
    (
        "ak_sai_okmotu",
        None,
        Kind.LOCAL_GOVERNMENT,
        "Ak-Sai ayil okmotu",
        "Айыл окмоту Ак-Сай",
        "Ак-Сай айыл өкмөтү",
        ["batken_district"],
    ),
    (
        "tash_tumshuk_cpc",
        "ak_sai_okmotu",
        Kind.PREVENTION_CENTRE,
        "Tash-Tumshuk Community Prevention Centre",
        "Центр профилактики правонарушений Таш-Тумшук",
        "Таш-Тумшук укук бузууларды алдын алуу борбору",
        ["batken_district"],
    ),
    (
        "ak_sai_aksakals",
        "tash_tumshuk_cpc",
        Kind.AKSAKALS_COURT,
        "Ak-Sai aksakals' court",
        "Суд аксакалов Ак-Сай",
        "Ак-Сай аксакалдар соту",
        ["batken_district"],
    ),
    (
        "ak_sai_womens_council",
        "tash_tumshuk_cpc",
        Kind.WOMENS_COUNCIL,
        "Ak-Sai women's council",
        "Женсовет Ак-Сай",
        "Ак-Сай аялдар кеңеши",
        ["batken_district"],
    ),
    (
        "kadamjai_police",
        "batken_police",
        Kind.POLICE_DEPARTMENT,
        "Kadamjai District Police Department",
        "ОВД Кадамжайского района",
        "Кадамжай райондук ички иштер бөлүмү",
        ["kadamjai"],
    ),
    # Osh, Jalal-Abad and Chuy.
    (
        "osh_police",
        None,
        Kind.POLICE_DEPARTMENT,
        "Osh Oblast Police Department",
        "УВД Ошской области",
        "Ош облустук ички иштер башкармалыгы",
        ["osh_oblast"],
    ),
    (
        "kara_suu_police",
        "osh_police",
        Kind.POLICE_DEPARTMENT,
        "Kara-Suu District Police Department",
        "ОВД Кара-Суйского района",
        "Кара-Суу райондук ички иштер бөлүмү",
        ["kara_suu"],
    ),
    (
        "osh_city_police",
        None,
        Kind.POLICE_DEPARTMENT,
        "Osh City Police Department",
        "УВД города Ош",
        "Ош шаардык ички иштер башкармалыгы",
        ["osh_city"],
    ),
    (
        "jalal_abad_police",
        None,
        Kind.POLICE_DEPARTMENT,
        "Jalal-Abad Oblast Police Department",
        "УВД Джалал-Абадской области",
        "Жалал-Абад облустук ички иштер башкармалыгы",
        ["jalal_abad"],
    ),
    (
        "suzak_police",
        "jalal_abad_police",
        Kind.POLICE_DEPARTMENT,
        "Suzak District Police Department",
        "ОВД Сузакского района",
        "Сузак райондук ички иштер бөлүмү",
        ["suzak"],
    ),
    (
        "chui_police",
        None,
        Kind.POLICE_DEPARTMENT,
        "Chui Oblast Police Department",
        "УВД Чуйской области",
        "Чүй облустук ички иштер башкармалыгы",
        ["chui"],
    ),
    (
        "sokuluk_police",
        "chui_police",
        Kind.POLICE_DEPARTMENT,
        "Sokuluk District Police Department",
        "ОВД Сокулукского района",
        "Сокулук райондук ички иштер бөлүмү",
        ["sokuluk"],
    ),
    (
        "sokuluk_school",
        None,
        Kind.SCHOOL,
        "Sokuluk secondary school No. 2",
        "Сокулукская средняя школа № 2",
        "Сокулуктагы № 2 орто мектеп",
        ["sokuluk"],
    ),
]

# Balykchy's six Community Prevention Centres, one per neighbourhood.
BALYKCHY_CENTRES = [
    ("Kokuy-Kol", "Кокуй-Кол", "Көкүй-Көл"),
    ("Railway", "Железнодорожный", "Темир жол"),
    ("Port", "Порт", "Порт"),
    ("Ak-Oltoo", "Ак-Олтоо", "Ак-Олтоо"),
    ("Kara-Kochkor", "Кара-Кочкор", "Кара-Кочкор"),
    ("Orto-Tokoy", "Орто-Токой", "Орто-Токой"),
]

# key, full name, role, organisation key, title (English; positions are free text)
PEOPLE = [
    (
        "administrator",
        "Aigul Beishenova",
        Role.ADMINISTRATOR,
        "mia_admin",
        "Platform administrator",
    ),
    ("bakyt", "Bakyt Asanov", Role.DISTRICT_OFFICER, "balykchy_station_1", "District officer"),
    ("chynara", "Chynara Mamatova", Role.DISTRICT_OFFICER, "ak_sai_post", "District officer"),
    ("erlan", "Erlan Sadykov", Role.SUPERVISOR, "balykchy_police", "Head of prevention"),
    ("duty", "Nurbek Toktogulov", Role.DUTY_OFFICER, "balykchy_police", "Duty officer"),
    ("investigator", "Gulzat Abdyrakhmanova", Role.INVESTIGATOR, "batken_district_police", ""),
    ("border", "Azamat Jumabaev", Role.BORDER_OFFICER, "batken_border", "Border guard"),
    ("ombudsman", "Saltanat Osmonova", Role.OMBUDSMAN_OFFICER, "ombudsman_batken", ""),
    ("cpc", "Kalys Apasov", Role.PREVENTION_CENTRE_MEMBER, "balykchy_cpc_1", "Aksakal"),
    ("official", "Mirlan Kasymov", Role.LOCAL_OFFICIAL, "ak_sai_okmotu", "Deputy head"),
    ("dilnoza", "Dilnoza Yusupova", Role.ANALYST, "mia_analysis", "Crime analyst"),
    ("partner", "Anna Lindqvist", Role.PARTNER_VIEWER, "undp", "Programme officer"),
    ("aida", "Aida Toktosunova", Role.RESIDENT, "balykchy_cpc_1", ""),
]

# Extra officers at --scale N: N - 1 more per district police department.
_GIVEN = ["Aibek", "Altynai", "Bolot", "Cholpon", "Daniyar", "Elnura", "Kanat", "Meerim"]
_FAMILY = ["Alymkulov", "Bekova", "Jusupov", "Kurmanova", "Orozbekov", "Sultanova"]


def _units(demo) -> dict:
    units = {key: geo_selectors.unit_get(code) for key, code in UNITS.items() if code}
    units["country"] = geo_selectors.unit_root()
    return units


def _organisation(demo, key, parent_key, kind, name_en, name_ru, name_ky, unit_keys, units):
    demo.made[f"org:{key}"] = services.organisation_create(
        kind=kind,
        name_en=name_en,
        name_ru=name_ru,
        name_ky=name_ky,
        parent=demo.made[f"org:{parent_key}"] if parent_key else None,
        jurisdiction=[units[unit] for unit in unit_keys],
        is_demo=True,
        actor=None,
    )


def _person(demo, key: str, full_name: str, role: Role, organisation_key: str, title: str):
    email = f"{key}@{EMAIL_DOMAIN}"
    user = services.user_create(
        full_name=full_name, email=email, password=DEMO_PASSWORD, is_demo=True, actor=None
    )
    organisation = demo.made[f"org:{organisation_key}"]
    services.membership_grant(
        user=user, organisation=organisation, role=role, title=title, actor=None
    )
    demo.made[f"user:{key}"] = user
    return DemoLogin(role=str(role.label), name=full_name, login=email, where=organisation.name_en)


# The demo administrator's second factor, printed by `make run`: a fixed authenticator key
# (add it to any TOTP app) and fixed backup codes. Demo only: a real account gets random ones.
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test secret
DEMO_BACKUP_CODES = ["ishenim2", "ishenim3", "ishenim4", "ishenim5", "ishenim6"]


def _second_factor(demo, user) -> str:
    device = services.two_factor_enrol_begin(user=user, actor=user)
    device.key = DEMO_TOTP_KEY
    device.save(update_fields=["key"])
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    services.two_factor_enrol_confirm(
        device=device, token=f"{totp.token():0{device.digits}d}", actor=user
    )
    services.two_factor_backup_codes_renew(user=user, actor=user, codes=DEMO_BACKUP_CODES)
    key = b32encode(device.bin_key).decode()
    return (
        f"second factor: a backup code ({', '.join(DEMO_BACKUP_CODES)}) or the authenticator"
        f" key {key}"
    )


def demo_build(demo) -> None:
    units = _units(demo)
    for row in ORGANISATIONS:
        _organisation(demo, *row, units=units)
    for number, (name_en, name_ru, name_ky) in enumerate(BALYKCHY_CENTRES, start=1):
        _organisation(
            demo,
            f"balykchy_cpc_{number}",
            "balykchy_commission",
            Kind.PREVENTION_CENTRE,
            f"Balykchy Community Prevention Centre No. {number} ({name_en})",
            f"Центр профилактики правонарушений № {number} г. Балыкчы ({name_ru})",
            f"Балыкчы шаарынын № {number} укук бузууларды алдын алуу борбору ({name_ky})",
            ["balykchy"],
            units=units,
        )
    for key, full_name, role, organisation_key, title in PEOPLE:
        login = _person(demo, key, full_name, role, organisation_key, title)
        if role == Role.ADMINISTRATOR:
            login = replace(login, note=_second_factor(demo, demo.made[f"user:{key}"]))
        demo.logins.append(login)
    _more_officers(demo)


def _more_officers(demo) -> None:
    """For benchmarks: a larger force, the same for the same seed and scale."""
    departments = [
        key
        for key, _parent, kind, *_rest in ORGANISATIONS
        if kind == Kind.POLICE_DEPARTMENT and key.endswith("_police")
    ]
    for round_number in range(1, demo.scale):
        for department in departments:
            full_name = f"{demo.rng.choice(_GIVEN)} {demo.rng.choice(_FAMILY)}"
            key = f"officer{round_number}.{department}"
            # Volume, not logins: no password, so that a large scale is not hours of Argon2.
            user = services.user_create(
                full_name=full_name, email=f"{key}@{EMAIL_DOMAIN}", is_demo=True, actor=None
            )
            services.membership_grant(
                user=user,
                organisation=demo.made[f"org:{department}"],
                role=Role.DISTRICT_OFFICER,
                actor=None,
            )
