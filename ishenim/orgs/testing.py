"""The shared test cast, on the real geography (STYLE.md places it in core/testing.py, but core
sits below orgs and cannot build organisations; every app's tests import it from here).

    Aida      resident, no role in any organisation
    Bakyt     district police officer, Balykchy station (Issyk-Kul)
    Chynara   district police officer, Batken district police department: she must NOT see
              Balykchy's records
    Dilnoza   analyst, Issyk-Kul oblast police department
    Erlan     supervisor, Balykchy city police department (the station's parent)
    Admin     administrator of the national administration

The organisations form two police chains, Issyk-Kul oblast → Balykchy city → Balykchy
station and Batken oblast → Batken district, plus two national bodies. Everyone signs in with
CAST_PASSWORD.
"""

from dataclasses import dataclass

from ishenim.geo import selectors as geo_selectors
from ishenim.orgs import services
from ishenim.orgs.enums import OrganisationKind, Role
from ishenim.orgs.models import Organisation, User

CAST_PASSWORD = "tunduk-under-the-sky-42"  # noqa: S105  (fictional accounts, tests only)

# National codes of the units the cast works in, from the shipped reference data.
ISSYK_KUL = "41702000000000"
BALYKCHY = "41702420000010"
BATKEN_OBLAST = "41705000000000"
BATKEN_DISTRICT = "41705214000000"


@dataclass(frozen=True)
class Cast:
    password: str
    country: object
    issyk_kul: object
    balykchy: object
    batken_oblast: object
    batken_district: object
    issyk_kul_police: Organisation
    balykchy_police: Organisation
    balykchy_station: Organisation
    batken_police: Organisation
    batken_district_police: Organisation
    ombudsman: Organisation
    national_administration: Organisation
    aida: User
    bakyt: User
    chynara: User
    dilnoza: User
    erlan: User
    administrator: User


def _organisation(kind, name_en, name_ru, name_ky, *, parent=None, units=()) -> Organisation:
    return services.organisation_create(
        kind=kind,
        name_en=name_en,
        name_ru=name_ru,
        name_ky=name_ky,
        parent=parent,
        jurisdiction=units,
        actor=None,
    )


def _person(full_name: str, email: str, phone: str) -> User:
    return services.user_create(
        full_name=full_name, email=email, phone=phone, password=CAST_PASSWORD, actor=None
    )


def cast_create() -> Cast:
    """Build the cast through the services (so it is audited like real data). Needs the
    reference geography loaded (ishenim/conftest.py does it once per test session)."""
    country = geo_selectors.unit_root()
    issyk_kul = geo_selectors.unit_get(ISSYK_KUL)
    balykchy = geo_selectors.unit_get(BALYKCHY)
    batken_oblast = geo_selectors.unit_get(BATKEN_OBLAST)
    batken_district = geo_selectors.unit_get(BATKEN_DISTRICT)
    police = OrganisationKind.POLICE_DEPARTMENT

    issyk_kul_police = _organisation(
        police,
        "Issyk-Kul Oblast Police Department",
        "УВД Иссык-Кульской области",
        "Ысык-Көл облустук ИИБ",
        units=[issyk_kul],
    )
    balykchy_police = _organisation(
        police,
        "Balykchy City Police Department",
        "ОВД г. Балыкчы",
        "Балыкчы шаардык ИИБ",
        parent=issyk_kul_police,
        units=[balykchy],
    )
    balykchy_station = _organisation(
        OrganisationKind.POLICE_STATION,
        "Balykchy Police Station No. 1",
        "Участковый пункт милиции № 1, г. Балыкчы",
        "Балыкчы № 1 милиция пункту",
        parent=balykchy_police,
        units=[balykchy],
    )
    batken_police = _organisation(
        police,
        "Batken Oblast Police Department",
        "УВД Баткенской области",
        "Баткен облустук ИИБ",
        units=[batken_oblast],
    )
    batken_district_police = _organisation(
        police,
        "Batken District Police Department",
        "ОВД Баткенского района",
        "Баткен райондук ИИБ",
        parent=batken_police,
        units=[batken_district],
    )
    ombudsman = _organisation(
        OrganisationKind.OMBUDSMAN_OFFICE,
        "Office of the Ombudsman (Akyikatchy)",
        "Аппарат Омбудсмена (Акыйкатчы)",
        "Акыйкатчынын аппараты",
        units=[country],
    )
    national_administration = _organisation(
        police,
        "Ministry of Internal Affairs: platform administration",
        "МВД: администрирование платформы",
        "ИИМ: платформаны башкаруу",
        units=[country],
    )

    aida = _person("Aida Toktosunova", "aida@example.org", "+996 555 100 001")
    bakyt = _person("Bakyt Asanov", "bakyt@example.org", "+996 555 100 002")
    chynara = _person("Chynara Mamatova", "chynara@example.org", "+996 555 100 003")
    dilnoza = _person("Dilnoza Yusupova", "dilnoza@example.org", "+996 555 100 004")
    erlan = _person("Erlan Sadykov", "erlan@example.org", "+996 555 100 005")
    administrator = _person("Asel Administrator", "admin@example.org", "+996 555 100 006")

    for user, organisation, role, title in (
        (bakyt, balykchy_station, Role.DISTRICT_OFFICER, "District police officer"),
        (chynara, batken_district_police, Role.DISTRICT_OFFICER, "District police officer"),
        (dilnoza, issyk_kul_police, Role.ANALYST, "Crime analyst"),
        (erlan, balykchy_police, Role.SUPERVISOR, "Head of prevention"),
        (administrator, national_administration, Role.ADMINISTRATOR, "Platform administrator"),
    ):
        services.membership_grant(
            user=user, organisation=organisation, role=role, title=title, actor=None
        )
    administrator.refresh_from_db()

    return Cast(
        password=CAST_PASSWORD,
        country=country,
        issyk_kul=issyk_kul,
        balykchy=balykchy,
        batken_oblast=batken_oblast,
        batken_district=batken_district,
        issyk_kul_police=issyk_kul_police,
        balykchy_police=balykchy_police,
        balykchy_station=balykchy_station,
        batken_police=batken_police,
        batken_district_police=batken_district_police,
        ombudsman=ombudsman,
        national_administration=national_administration,
        aida=aida,
        bakyt=bakyt,
        chynara=chynara,
        dilnoza=dilnoza,
        erlan=erlan,
        administrator=administrator,
    )
