"""Open data on the real West Yorkshire month (31,635 records), made public and built once
for the module: anchors as police.uk makes them, the police.uk file read back by our own
importer, and GeoJSON that maps."""

import csv
import io
import json
from collections import Counter

import numpy as np
import pytest
from django.core.files.storage import default_storage

from ishenim.core.enums import Sensitivity
from ishenim.stats.enums import ImportStatus
from ishenim.stats.models import CrimeRecord
from ishenim.stats.services import dataset_update, policeuk_import
from ishenim.stats.services import open_data_files as files
from ishenim.stats.services.open_data import ANCHOR_MIN_PLACES, open_anchors, published_records
from ishenim.stats.tests.conftest import police_dataset

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def published(west_yorkshire, django_db_blocker):
    """The month made public and its files built (rolled back with the month)."""
    with django_db_blocker.unblock():
        dataset = dataset_update(
            dataset=west_yorkshire.dataset, sensitivity=Sensitivity.PUBLIC, actor=None
        )
        build = files.open_build_run(
            build_id=files.open_build_queue(dataset=dataset, actor=None).pk
        )
    return build


def stored(build, kind: str) -> bytes:
    item = next(item for item in build.files if item["kind"] == kind)
    with default_storage.open(item["path"], "rb") as handle:
        return handle.read()


def test_every_anchor_stands_for_at_least_eight_distinct_places_and_no_point_is_a_place(
    published,
):
    dataset = published.dataset
    places = np.array(
        published_records(dataset)
        .filter(latitude__isnull=False)
        .values_list("latitude", "longitude")
        .distinct()
    )
    anchors = open_anchors(dataset)
    served = np.bincount(anchors.assign(places[:, 0], places[:, 1]), minlength=len(anchors))
    rows = list(csv.DictReader(io.StringIO(stored(published, "records-csv").decode("utf-8"))))
    points = {(row["Latitude"], row["Longitude"]) for row in rows if row["Latitude"]}
    exact = {(f"{lat:.6f}", f"{lon:.6f}") for lat, lon in places}
    anchor_points = {
        (f"{lat:.6f}", f"{lon:.6f}")
        for lat, lon in zip(anchors.latitude, anchors.longitude, strict=True)
    }

    assert published.status == ImportStatus.DONE
    assert served.min() >= ANCHOR_MIN_PLACES
    assert len(anchors) <= len(places) / ANCHOR_MIN_PLACES
    assert {(float(a), float(b)) for a, b in points} <= {
        (float(a), float(b)) for a, b in anchor_points
    }
    assert not points & exact
    assert {row["Crime ID"] for row in rows} == {""}


def test_the_police_uk_file_imports_again_through_our_police_uk_importer(published, tmp_path):
    path = tmp_path / "open-west-yorkshire.csv"
    path.write_bytes(stored(published, "records-csv"))
    again = police_dataset("west-yorkshire-open", title="West Yorkshire, open data")

    (run,) = policeuk_import(dataset=again, files=[path], actor=None)

    assert run.status == ImportStatus.DONE
    assert run.rows_rejected == 0 and run.rows_imported == published.record_count
    original = Counter(
        published_records(published.dataset).values_list("source_category", flat=True)
    )
    read_back = Counter(
        CrimeRecord.objects.filter(dataset=again).values_list("source_category", flat=True)
    )
    assert read_back == original
    located = CrimeRecord.objects.filter(dataset=again, latitude__isnull=False).count()
    assert located == published_records(published.dataset).filter(latitude__isnull=False).count()


def test_the_geojson_files_are_feature_collections_in_longitude_latitude(published):
    records = json.loads(stored(published, "records-geojson"))
    counts = json.loads(stored(published, "counts-geojson"))

    for collection in (records, counts):
        assert collection["type"] == "FeatureCollection"
        assert collection["name"] == "west-yorkshire"
        for feature in collection["features"]:
            assert feature["type"] == "Feature"
            if feature["geometry"] is not None:
                assert feature["geometry"]["type"] == "Point"
                lon, lat = feature["geometry"]["coordinates"]
                # West Yorkshire: west of Greenwich, at 53–54° north.
                assert -2.5 < lon < -1.0 and 53.0 < lat < 54.5
    assert (
        len(records["features"])
        == published_records(published.dataset).filter(latitude__isnull=False).count()
    )
    assert sum(f["properties"]["count"] or 0 for f in counts["features"]) <= published.record_count
