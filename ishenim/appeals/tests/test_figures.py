"""The figures page on a small year of appeals whose numbers are known: received, on time,
the median working days, ratings, reopened, late now; per area; each viewer's jurisdiction
only (Chynara's figures hold nothing of Balykchy's, an analyst counts what she cannot read);
the tables as CSV and XLSX."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from ishenim.appeals import selectors
from ishenim.appeals.enums import AppealStatus, Channel
from ishenim.appeals.services import handling
from ishenim.appeals.tests.factories import BATKEN_POINT, appeal_make
from ishenim.core import clock
from ishenim.orgs import policy
from ishenim.orgs.enums import Action

pytestmark = pytest.mark.django_db

BISHKEK = ZoneInfo("Asia/Bishkek")
TODAY = datetime(2025, 5, 20, 12, 0, tzinfo=BISHKEK)


def _at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=BISHKEK)


def _received(day: str, **kwargs):
    with clock.clock_at(_at(day)):
        return appeal_make(register=True, **kwargs)


def _answered(appeal, day: str, actor):
    with clock.clock_at(_at(day, 15)):
        return handling.appeal_answer(appeal=appeal, answer="Checked and done.", actor=actor)


def _rated(appeal, day: str, stars: int):
    with clock.clock_at(_at(day, 18)):
        return handling.appeal_rate(appeal=appeal, rating=stars, actor=None)


@pytest.fixture
def year(cast):
    """Five appeals in Balykchy and one in Batken, handled from February to May 2025.

    Balykchy: A1 answered in 3 working days (on time, 5 stars), A5 in 5 (on time, 4 stars),
    A2 answered a month late (2 stars) and reopened; A3 never answered (late, very late by
    20 May); A4 received five days before 20 May (not late). Batken: B1 answered on time."""
    erlan, chynara = cast.erlan, cast.chynara
    a1 = _received("2025-02-03", channel=Channel.PHONE)
    a2 = _received("2025-02-03", category_code="road-safety")
    a3 = _received("2025-02-04", category_code="road-safety", channel=Channel.WALK_IN)
    a4 = _received("2025-05-15")
    a5 = _received("2025-02-03", category_code="stray-animals")
    b1 = _received("2025-02-05", point=BATKEN_POINT)
    _rated(_answered(a1, "2025-02-06", erlan), "2025-02-07", 5)
    _rated(_answered(a5, "2025-02-10", erlan), "2025-02-11", 4)
    _rated(_answered(a2, "2025-03-05", erlan), "2025-03-06", 2)
    with clock.clock_at(_at("2025-03-10")):
        handling.appeal_reopen(appeal=a2, comment="The crossing is still not marked.", actor=None)
    _rated(_answered(b1, "2025-02-07", chynara), "2025-02-08", 1)
    with clock.clock_at(TODAY):
        yield {"a1": a1, "a2": a2, "a3": a3, "a4": a4, "a5": a5, "b1": b1}


def test_the_figures_of_balykchy_are_right(year, erlan):
    figures = selectors.appeal_figures(erlan)
    assert figures.received == 5
    assert figures.answered == 3
    assert figures.answered_on_time == 2
    assert round(figures.on_time_percent, 1) == 66.7
    assert year["a1"].answer_working_days == 3 and year["a5"].answer_working_days == 5
    assert figures.median_working_days == 5
    assert figures.ratings == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}
    assert round(figures.mean_rating, 2) == 3.67
    assert figures.reopened == 1
    # A3 never answered, and A2 since its reopening: both past twice their time.
    assert (figures.overdue_open, figures.very_late_open) == (2, 2)


def test_figures_by_area_sum_the_units_inside_each(year, administrator, cast):
    areas = {area.unit.code: area for area in selectors.appeal_figures_by_area(administrator)}
    issyk_kul, batken = areas[cast.issyk_kul.code], areas[cast.batken_oblast.code]
    assert (issyk_kul.received, issyk_kul.answered, issyk_kul.answered_on_time) == (5, 3, 2)
    assert issyk_kul.median_working_days == 5
    assert round(issyk_kul.mean_rating, 2) == 3.67
    assert (issyk_kul.overdue_open, issyk_kul.very_late_open, issyk_kul.reopened) == (2, 2, 1)
    assert (batken.received, batken.on_time_percent, batken.mean_rating) == (1, 100, 1)
    assert sum(area.received for area in areas.values()) == 6
    inside = selectors.appeal_figures_by_area(administrator, unit=cast.issyk_kul)
    assert [a.received for a in inside if a.unit == cast.balykchy] == [5]


def test_chynaras_figures_hold_nothing_of_balykchy(year, chynara, client_for, cast):
    figures = selectors.appeal_figures(chynara)
    assert figures.received == 1 and figures.mean_rating == 1
    response = client_for(chynara).get(_url() + f"?area={cast.balykchy.code}")
    # Balykchy is no area of hers: the choice is refused, nothing is counted.
    assert response.status_code == 400
    assert "area" in response.context["form"].errors


def test_an_analyst_counts_appeals_she_cannot_read(year, dilnoza, client_for):
    assert not policy.can(dilnoza, Action.VIEW, year["a1"])
    response = client_for(dilnoza).get(_url())
    assert response.status_code == 200
    assert response.context["figures"].received == 5
    assert response.context["area"].code == "41702000000000"
    body = response.content.decode()
    assert "66.7" in body
    # Her area's parts, Balykchy among them.
    assert any(row["received"] == 5 for row in response.context["tables"]["areas"])


def test_the_period_narrows_the_figures(year, erlan, client_for):
    response = client_for(erlan).get(_url() + "?received_from=2025-05-01&received_to=2025-05-31")
    figures = response.context["figures"]
    assert figures.received == 1
    assert figures.by_status[AppealStatus.REGISTERED] == 1
    bad = client_for(erlan).get(_url() + "?received_from=2025-06-01&received_to=2025-05-01")
    assert bad.status_code == 400


def test_the_default_period_is_the_last_twelve_months(year, erlan, client_for):
    form = client_for(erlan).get(_url()).context["form"]
    assert form.cleaned_data["received_from"].isoformat() == "2024-05-21"
    assert form.cleaned_data["received_to"].isoformat() == "2025-05-20"


def test_the_tables_download_as_csv_and_xlsx(year, dilnoza, client_for):
    client = client_for(dilnoza)
    response = client.get(_url() + "?table=summary&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    values = dict(rows[1:])
    assert values["Received"] == "5"
    assert values["Answered on time (%)"] == "66.7"
    assert values["Median working days to answer"] == "5"
    assert values["Mean rating (1 to 5)"] == "3.7"

    response = client.get(_url() + "?table=ratings&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    table = list(sheet.iter_rows(values_only=True))
    assert table[0] == ("Rating", "Appeals", "Share (%)")
    assert table[1:] == [(5, 1, 33.3), (4, 1, 33.3), (3, 0, 0), (2, 1, 33.3), (1, 0, 0)]

    response = client.get(_url() + "?table=areas&format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    balykchy = next(row for row in rows if row[0] == "41702420000010")
    assert balykchy[2:6] == ["5", "3", "66.7", "5"]
    for table in ("statuses", "categories", "channels"):
        assert client.get(_url() + f"?table={table}&format=csv").status_code == 200
    assert client.get(_url() + "?table=people&format=csv").status_code == 400


def test_the_page_is_for_staff(client, client_for, aida):
    assert client.get(_url()).status_code == 302
    assert client_for(aida).get(_url()).status_code == 403
    assert client_for(aida).get(_url() + "?format=csv").status_code == 403


def test_the_page_asks_a_bounded_number_of_queries(year, administrator, client_for):
    client = client_for(administrator)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url())
    assert response.status_code == 200
    # The country's dozen parts are counted together, not one by one.
    assert len(response.context["tables"]["areas"]) >= 9
    assert len(queries.captured_queries) <= 30


@pytest.mark.parametrize("language", ["ky", "ru", "en"])
def test_the_page_is_in_every_language(year, erlan, client_for, language):
    response = client_for(erlan).get(_url(language))
    assert response.status_code == 200
    assert f'lang="{language}"' in response.content.decode()


def _url(language: str = "en") -> str:
    with translation.override(language):
        return reverse("appeals:figures")
