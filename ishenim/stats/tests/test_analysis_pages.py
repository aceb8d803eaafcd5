"""The statistics pages and map layers: each one's success, a visitor who has not signed in,
the wrong jurisdiction (Chynara and Balykchy), invalid input, exports and query counts."""

import csv
import io
import json

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ishenim.analytics.cells import cell_counts, cells_for_points, kring_weights
from ishenim.analytics.hotspots import gi_star
from ishenim.core.enums import Sensitivity
from ishenim.core.models import AuditEntry
from ishenim.stats.models import CountRollup, CrimeRecord, Dataset
from ishenim.stats.services import analysis, dataset_update
from ishenim.stats.tests.analysis_data import (
    BALYKCHY,
    balykchy_dataset,
    batken_dataset,
    demo_dataset_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db


def _url(name: str, dataset, language: str = "en", **query) -> str:
    with translation.override(language):
        url = reverse(f"stats:{name}", kwargs={"name": dataset.name})
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _geojson(response) -> dict:
    return json.loads(response.content)


# --- the datasets ---------------------------------------------------------------------------


def test_the_dataset_list_shows_what_the_viewer_may_see(tmp_path, cast, client_for):
    balykchy = balykchy_dataset(tmp_path)
    batken = batken_dataset(tmp_path)

    page = client_for(cast.bakyt).get(reverse("stats:dataset_list"))

    assert page.status_code == 200
    assert balykchy.title in page.content.decode()
    assert batken.title not in page.content.decode()
    overview = {item.dataset.name: item for item in page.context["overview"]}
    assert overview["balykchy"].records == 100
    assert str(overview["balykchy"].period) == "2022-01..2023-12"


def test_the_dataset_list_downloads_as_csv(tmp_path, cast, client_for):
    balykchy_dataset(tmp_path)

    response = client_for(cast.bakyt).get(reverse("stats:dataset_list") + "?format=csv")

    rows = _csv_rows(response)
    assert rows[0][:4] == ["Short name", "Dataset", "Period", "Records"]
    assert rows[1][:4] == ["balykchy", "Test records balykchy", "2022-01..2023-12", "100"]


def test_a_visitor_sees_public_datasets_only(tmp_path, cast):
    internal = balykchy_dataset(tmp_path)
    public = batken_dataset(tmp_path)
    dataset_update(dataset=public, sensitivity=Sensitivity.PUBLIC, actor=cast.administrator)

    page = Client().get(reverse("stats:dataset_list"))

    assert page.status_code == 200
    assert public.title in page.content.decode()
    assert internal.title not in page.content.decode()


# --- the dashboard --------------------------------------------------------------------------


def test_the_dashboard_of_balykchy_shows_the_real_fall(demo_dataset, cast, client_for):
    page = client_for(cast.administrator).get(_url("dashboard", demo_dataset, area=BALYKCHY))

    assert page.status_code == 200
    text = page.content.decode()
    figures = page.context["figures"]
    assert (figures.total, figures.change.before) == (1356, 1727)
    assert "a real fall" in text
    assert "1,356" in text and "1,727 records in 2022" in text
    # The chart, its table, the map's layers.
    assert text.count('class="chart__bar chart__bar--period"') == 12
    assert text.count('class="chart__bar chart__bar--compare"') == 12
    layers = page.context["geojson_urls"].split()
    assert layers[0] == reverse("geo:unit_geojson", kwargs={"code": BALYKCHY})
    assert any("hotspots.geojson" in layer and "significant=1" in layer for layer in layers)
    # More records than are drawn at once: staff are offered the points.
    assert page.context["points_offer"] == "more"
    assert "<script>" not in text and "style=" not in text


def test_the_dashboard_in_kyrgyz_and_russian(demo_dataset, cast, client_for):
    client = client_for(cast.administrator)

    for language in ("ky", "ru"):
        page = client.get(_url("dashboard", demo_dataset, language, area=BALYKCHY))

        assert page.status_code == 200
        assert f'<html lang="{language}">' in page.content.decode()


def test_the_dashboard_answers_from_rollups_in_few_queries(
    demo_dataset, cast, client_for, django_assert_max_num_queries
):
    client = client_for(cast.administrator)
    client.get(_url("dashboard", demo_dataset))  # sessions and caches warm

    with django_assert_max_num_queries(20):
        page = client.get(_url("dashboard", demo_dataset, area=BALYKCHY, points=1))

    assert page.status_code == 200


def test_the_dashboard_sends_a_visitor_to_sign_in(demo_dataset):
    response = Client().get(_url("dashboard", demo_dataset))

    assert response.status_code == 302
    assert reverse("orgs:login") in response["Location"]


def test_chynara_cannot_open_balykchys_dashboard_nor_its_layers(tmp_path, cast, client_for):
    dataset = balykchy_dataset(tmp_path)
    client = client_for(cast.chynara)

    for name in ("dashboard", "hotspots_geojson", "points_geojson", "near_repeat", "concentration"):
        assert client.get(_url(name, dataset)).status_code == 404, name
    # Exactly as for a dataset that does not exist.
    assert client.get(reverse("stats:dashboard", kwargs={"name": "nowhere"})).status_code == 404
    # Bakyt, whose jurisdiction it is, sees it.
    assert client_for(cast.bakyt).get(_url("dashboard", dataset)).status_code == 200


def test_chynara_sees_her_districts_records_and_not_balykchys(tmp_path, cast, client_for):
    dataset = batken_dataset(tmp_path)
    client = client_for(cast.chynara)

    page = client.get(_url("dashboard", dataset, period="2023"))
    points = _geojson(client.get(_url("points_geojson", dataset, period="2023")))
    hexagons = _geojson(client.get(_url("hotspots_geojson", dataset, resolution=9)))

    assert page.context["figures"].total == 40
    assert page.context["figures"].rate is None
    assert "your own jurisdiction only" in page.content.decode()
    assert len(points["features"]) == 40
    assert all(f["geometry"]["coordinates"][1] < 41 for f in points["features"])  # Batken
    assert sum(f["properties"]["count"] for f in hexagons["features"]) == 40


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"period": "2023-13"}, "period", "“2023-13” is not a period"),
        ({"compare": "last year"}, "compare", "“last year” is not a period"),
        ({"area": "E01007329"}, "area", "is not an area of the dataset"),
        ({"category": "9999"}, "category", "Select a valid choice"),
    ],
)
def test_invalid_filters_are_refused_and_change_nothing(
    demo_dataset, cast, client_for, query, field, message
):
    before = (CrimeRecord.objects.count(), CountRollup.objects.count(), AuditEntry.objects.count())

    page = client_for(cast.administrator).get(_url("dashboard", demo_dataset, **query))

    assert page.status_code == 400
    assert message in " ".join(page.context["form"].errors[field])
    assert message in page.content.decode().replace("&quot;", '"')
    after = (CrimeRecord.objects.count(), CountRollup.objects.count(), AuditEntry.objects.count())
    assert before == after


def test_a_bad_period_is_refused_in_russian(demo_dataset, cast, client_for):
    page = client_for(cast.administrator).get(
        _url("dashboard", demo_dataset, "ru", period="2023-13")
    )

    assert page.status_code == 400
    with translation.override("ru"):
        from ishenim.stats.periods import Period

        try:
            Period.parse("2023-13")
        except ValueError as error:
            expected = str(error)
    assert expected in " ".join(page.context["form"].errors["period"])


def test_overlapping_periods_are_refused_on_the_page(demo_dataset, cast, client_for):
    page = client_for(cast.administrator).get(
        _url("dashboard", demo_dataset, period="2023", compare="2023-06..2024-05")
    )

    assert page.status_code == 400
    assert "overlap" in " ".join(page.context["form"].non_field_errors())


@pytest.mark.parametrize(
    ("table", "header"),
    [
        ("categories", ["Code", "Category", "Records", "Share of records (%)"]),
        ("areas", ["Code", "Area", "Population", "Records"]),
        ("months", ["Month", "Records", "Period"]),
    ],
)
def test_every_dashboard_table_downloads(demo_dataset, cast, client_for, table, header):
    response = client_for(cast.administrator).get(
        _url("dashboard", demo_dataset, format="csv", table=table)
    )

    rows = _csv_rows(response)
    assert rows[0][: len(header)] == header
    assert len(rows) > 2


def test_the_category_download_holds_the_pages_rows(demo_dataset, cast, client_for):
    client = client_for(cast.administrator)

    page = client.get(_url("dashboard", demo_dataset, area=BALYKCHY))
    rows = _csv_rows(client.get(_url("dashboard", demo_dataset, area=BALYKCHY, format="csv")))

    shown = [(row.code, row.count) for row in page.context["figures"].categories]
    assert [(row[0], int(row[2])) for row in rows[1:]] == shown
    assert rows[1][-1] in ("a real fall", "a real rise", "no change beyond chance")


def test_an_unknown_table_or_format_is_a_bad_request(demo_dataset, cast, client_for):
    client = client_for(cast.administrator)

    assert client.get(_url("dashboard", demo_dataset, format="csv", table="x")).status_code == 400
    assert client.get(_url("dashboard", demo_dataset, format="pdf")).status_code == 400


# --- the map layers -------------------------------------------------------------------------


def test_hotspot_hexagons_carry_gi_star_of_the_same_counts(demo_dataset, cast, client_for):
    response = client_for(cast.administrator).get(
        _url("hotspots_geojson", demo_dataset, area=BALYKCHY, period="2023", resolution=9)
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    features = _geojson(response)["features"]
    hotspots = analysis.hotspots_compute(
        dataset=demo_dataset,
        resolution=9,
        viewer=analysis.PLATFORM,
        area=analysis.area_scope_resolve(demo_dataset, BALYKCHY),
        period=analysis.period_parse("2023"),
    )
    records = CrimeRecord.objects.filter(
        dataset=demo_dataset, unit__code=BALYKCHY, month__year=2023
    ).values_list("latitude", "longitude")
    lat, lon = np.array(list(records)).T
    counts = cell_counts(cells_for_points(lat, lon, resolution=9), hotspots.cells.cells)
    reference = gi_star(counts, kring_weights(hotspots.cells.cells, k=1))
    z = np.array([feature["properties"]["gi_z"] for feature in features], dtype=float)
    np.testing.assert_allclose(z, reference.z, rtol=0, atol=1e-9)
    assert [f["properties"]["count"] for f in features] == counts.tolist()
    assert {f["properties"]["style_class"] for f in features} >= {"warm-3", "neutral"}


def test_the_map_layer_holds_only_hot_and_cold_spots_when_asked(demo_dataset, cast, client_for):
    response = client_for(cast.administrator).get(
        _url("hotspots_geojson", demo_dataset, area=BALYKCHY, resolution=9, significant=1)
    )

    classes = {f["properties"]["class"] for f in _geojson(response)["features"]}
    assert classes and "not_significant" not in classes


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"resolution": 11}, "The hexagon resolution must be a whole number from 6 to 10."),
        ({"resolution": "nine"}, "The hexagon resolution must be a whole number from 6 to 10."),
        ({"k": 9}, "The neighbourhood must be 1 to 3 rings of hexagons."),
        ({"period": "2023-13"}, "is not a period"),
    ],
)
def test_bad_hexagon_settings_are_a_bad_request_with_the_reason(
    demo_dataset, cast, client_for, query, message
):
    response = client_for(cast.administrator).get(_url("hotspots_geojson", demo_dataset, **query))

    assert response.status_code == 400
    assert message in response.json()["error"]


def test_a_bad_resolution_is_refused_in_kyrgyz(demo_dataset, cast, client_for):
    response = client_for(cast.administrator).get(
        _url("hotspots_geojson", demo_dataset, "ky", resolution=11)
    )

    with translation.override("ky"):
        try:
            analysis.hotspots_compute(dataset=demo_dataset, resolution=11, viewer=None)
        except analysis.AnalysisError as error:
            expected = str(error)
    assert response.status_code == 400
    assert response.json()["error"] == expected


def test_hexagons_of_a_dataset_the_visitor_may_not_see_are_not_found(demo_dataset):
    assert Client().get(_url("hotspots_geojson", demo_dataset)).status_code == 404
    assert Client().get(_url("points_geojson", demo_dataset)).status_code == 404


def test_points_are_for_staff_only_even_of_a_public_dataset(tmp_path, cast, client_for):
    dataset = batken_dataset(tmp_path)
    dataset_update(dataset=dataset, sensitivity=Sensitivity.PUBLIC, actor=cast.administrator)

    assert Client().get(_url("points_geojson", dataset)).status_code == 404
    assert client_for(cast.aida).get(_url("points_geojson", dataset)).status_code == 404
    # The public sees the hexagons of a public dataset, not its points.
    assert Client().get(_url("hotspots_geojson", dataset, resolution=8)).status_code == 200
    page = Client().get(_url("dashboard", dataset))
    assert page.status_code == 200 and page.context["points_url"] == ""


def test_the_public_gets_hexagons_no_finer_than_a_neighbourhood(tmp_path, cast):
    dataset = batken_dataset(tmp_path)
    dataset_update(dataset=dataset, sensitivity=Sensitivity.PUBLIC, actor=cast.administrator)

    fine = Client().get(_url("hotspots_geojson", dataset, resolution=9))
    page = Client().get(_url("dashboard", dataset))

    assert fine.status_code == 400
    assert "for staff only" in fine.json()["error"]
    assert Client().get(_url("hotspots_geojson", dataset, resolution=8)).status_code == 200
    # The public's map asks for what it may see.
    assert page.context["resolution"] == 8
    concentration = Client().get(_url("concentration", dataset))
    assert concentration.status_code == 200
    assert concentration.context["result"].cells.resolution == 8


def test_too_many_points_are_refused_with_advice(demo_dataset, cast, client_for, monkeypatch):
    monkeypatch.setattr("ishenim.stats.services.analysis.points.POINTS_LIMIT", 100)

    response = client_for(cast.administrator).get(_url("points_geojson", demo_dataset))

    assert response.status_code == 400
    assert "choose a smaller area" in response.json()["error"]


# --- near repeat and concentration ----------------------------------------------------------


def test_the_near_repeat_page_shows_the_knox_table(demo_dataset, cast, client_for):
    page = client_for(cast.administrator).get(
        _url("near_repeat", demo_dataset, area=BALYKCHY, period="2023", permutations=19)
    )

    assert page.status_code == 200
    result = page.context["result"]
    assert result.incidents == 1356
    text = page.content.decode()
    assert "same location" in text and "0 to 7 days" in text
    assert text.count("<tr>") == len(result.distance_labels) + 1


def test_the_near_repeat_table_downloads(demo_dataset, cast, client_for):
    response = client_for(cast.administrator).get(
        _url("near_repeat", demo_dataset, area=BALYKCHY, permutations=19, format="xlsx")
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('near-repeat.xlsx"')


def test_near_repeat_of_police_uk_months_says_dates_are_needed(west_yorkshire, cast, client_for):
    page = client_for(cast.administrator).get(_url("near_repeat", west_yorkshire.dataset))

    assert page.status_code == 200
    assert page.context["result"] is None
    assert "Near repeat needs the day of each crime" in page.content.decode()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"distance_bands": "100,50"}, "distance_bands"),
        ({"time_bands": "0,7"}, "time_bands"),
        ({"permutations": "5"}, "permutations"),
        ({"seed": "-1"}, "seed"),
    ],
)
def test_bad_near_repeat_settings_are_refused(demo_dataset, cast, client_for, query, field):
    page = client_for(cast.administrator).get(_url("near_repeat", demo_dataset, **query))

    assert page.status_code == 400
    assert page.context["form"].errors[field]
    assert page.context["result"] is None


def test_the_concentration_page_and_its_download(demo_dataset, cast, client_for):
    client = client_for(cast.administrator)

    page = client.get(_url("concentration", demo_dataset, area=BALYKCHY, top=5))
    rows = _csv_rows(
        client.get(_url("concentration", demo_dataset, area=BALYKCHY, top=5, format="csv"))
    )

    assert page.status_code == 200
    report = page.context["result"]
    assert report.cells.resolution == 9
    assert [row[1] for row in rows[1:]] == [cell.h3 for cell in report.top]
    assert len(rows) == 6


def test_a_bad_concentration_setting_is_refused(demo_dataset, cast, client_for):
    page = client_for(cast.administrator).get(
        _url("concentration", demo_dataset, resolution=4, top=500)
    )

    assert page.status_code == 400
    assert page.context["form"].errors["resolution"] and page.context["form"].errors["top"]


def test_the_analysis_pages_send_a_visitor_to_sign_in(demo_dataset):
    for name in ("near_repeat", "concentration"):
        response = Client().get(_url(name, demo_dataset))
        assert response.status_code == 302
        assert reverse("orgs:login") in response["Location"]


# --- the menu -------------------------------------------------------------------------------


def test_statistics_is_in_the_menu_of_staff_and_not_of_residents(cast, client_for):
    # While no dataset is public (the demo's police.uk month, loaded in this module, is).
    Dataset.objects.filter(sensitivity=Sensitivity.PUBLIC).update(sensitivity=Sensitivity.INTERNAL)
    link = reverse("stats:dataset_list")

    assert link in client_for(cast.dilnoza).get(reverse("core:home")).content.decode()
    assert link not in client_for(cast.aida).get(reverse("core:home")).content.decode()
    assert link not in Client().get(reverse("core:home")).content.decode()


def test_residents_find_statistics_once_a_dataset_is_public(tmp_path, cast, client_for):
    dataset = batken_dataset(tmp_path)
    dataset_update(dataset=dataset, sensitivity=Sensitivity.PUBLIC, actor=cast.administrator)

    home = client_for(cast.aida).get(reverse("core:home")).content.decode()

    assert reverse("stats:dataset_list") in home
