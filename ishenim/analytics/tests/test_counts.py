from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ishenim.analytics.counts import count_by, factorise

POLICEUK = Path(__file__).parents[3].parent / "shared" / "data" / "policeuk"
STREET_CSV = POLICEUK / "2018-07-west-yorkshire-street.csv"


@pytest.fixture(scope="module")
def west_yorkshire() -> pd.DataFrame:
    if not STREET_CSV.exists():
        pytest.skip(f"The real police.uk month is not here: {STREET_CSV}")
    return pd.read_csv(STREET_CSV)


def _assert_equal_to_pandas(table, frame: pd.DataFrame, columns: list[str]) -> None:
    expected = frame.groupby(columns).size()
    assert len(table) == len(expected)
    for i, column in enumerate(columns):
        assert table.keys[i].tolist() == expected.index.get_level_values(column).tolist()
    assert table.counts.tolist() == expected.to_numpy().tolist()
    assert table.counts.dtype == np.int64


def test_counts_per_lsoa_and_crime_type_equal_pandas_groupby_on_the_real_month(west_yorkshire):
    lsoa = west_yorkshire["LSOA code"].to_numpy()
    crime_type = west_yorkshire["Crime type"].to_numpy()

    table = count_by(lsoa, crime_type)

    _assert_equal_to_pandas(table, west_yorkshire, ["LSOA code", "Crime type"])
    # The 883 rows without a location have no LSOA: left out, and said so.
    assert table.missing == 883
    assert table.counts.sum() + table.missing == 31_635


def test_counts_by_area_code_category_and_month_equal_pandas():
    rng = np.random.default_rng(7)
    rows = 200_000
    area = rng.integers(0, 2_000, rows)
    category = rng.choice(np.array(["0501", "0502", "02", "ASB"], dtype=object), rows)
    month = np.datetime64("2020-01", "M") + rng.integers(0, 36, rows)
    frame = pd.DataFrame({"area": area, "category": category, "month": month})

    table = count_by(area, category, month)

    expected = frame.groupby(["area", "category", "month"]).size()
    assert table.keys[0].tolist() == expected.index.get_level_values("area").tolist()
    assert table.keys[1].tolist() == expected.index.get_level_values("category").tolist()
    assert table.keys[2].dtype == np.dtype("datetime64[M]")
    expected_months = expected.index.get_level_values("month").to_numpy()
    assert (table.keys[2] == expected_months.astype("datetime64[M]")).all()
    assert table.counts.tolist() == expected.to_numpy().tolist()


def test_keys_whose_combinations_exceed_64_bits_are_still_counted_exactly():
    # Five keys of 30,000 values each: 2.4·10²² combinations, beyond one int64 code.
    rng = np.random.default_rng(11)
    rows = 50_000
    frame = pd.DataFrame({f"key{i}": rng.integers(0, 30_000, rows) * 7 for i in range(5)})
    frame.iloc[: rows // 2, 1:] = 3  # half the rows share four keys, so groups repeat

    table = count_by(*(frame[column].to_numpy() for column in frame.columns))

    _assert_equal_to_pandas(table, frame, list(frame.columns))


def test_wide_integer_keys_such_as_h3_cells_are_counted():
    cells = np.array([0x8928308280FFFFF, 0x8928308280BFFFF, 0x8928308280FFFFF], dtype=np.uint64)

    table = count_by(cells)

    assert table.keys[0].tolist() == [0x8928308280BFFFF, 0x8928308280FFFFF]
    assert table.keys[0].dtype == np.uint64
    assert table.counts.tolist() == [1, 2]


def test_factorise_gives_sorted_uniques_and_minus_one_for_missing_values_as_pandas_does():
    values = np.array(["Robbery", None, "Burglary", float("nan"), "Robbery"], dtype=object)

    codes, uniques = factorise(values)
    expected_codes, expected_uniques = pd.factorize(values, sort=True)

    assert codes.tolist() == expected_codes.tolist() == [1, -1, 0, -1, 1]
    assert uniques.tolist() == expected_uniques.tolist() == ["Burglary", "Robbery"]


@pytest.mark.parametrize(
    "values",
    [
        np.array([5, -3, 5, 120, -3], dtype=np.int8),
        np.array([2**63 + 9, 4, 2**63 + 9], dtype=np.uint64),
        np.array([10**15, -(10**15), 0, 10**15]),
        np.array([2.5, np.nan, -1.0, 2.5]),
        np.array([True, False, True]),
        np.array(["b", "a", "b"]),
        np.array(["2019-05", "NaT", "2018-07"], dtype="datetime64[M]"),
    ],
)
def test_factorise_round_trips_every_kind_of_key(values):
    codes, uniques = factorise(values)

    present = codes >= 0
    assert (uniques[codes[present]] == values[present]).all()
    assert (np.sort(uniques) == uniques).all()
    assert len(np.unique(uniques)) == len(uniques)
    assert present.sum() == len(values) - pd.isna(pd.Series(values)).sum()


def test_pandas_missing_markers_count_as_missing():
    codes, uniques = factorise(np.array(["E2", pd.NA, "E1", pd.NaT], dtype=object))

    assert codes.tolist() == [1, -1, 0, -1]
    assert uniques.tolist() == ["E1", "E2"]


def test_rows_missing_any_key_are_left_out_and_counted_as_missing():
    area = np.array(["E1", "E1", None, "E2"], dtype=object)
    month = np.array([1.0, np.nan, 1.0, 2.0])

    table = count_by(area, month)

    assert table.keys[0].tolist() == ["E1", "E2"]
    assert table.keys[1].tolist() == [1.0, 2.0]
    assert table.counts.tolist() == [1, 1]
    assert table.missing == 2


def test_no_rows_give_an_empty_table():
    table = count_by(np.array([], dtype=np.int64), np.array([], dtype=object))

    assert len(table) == 0
    assert table.missing == 0


def test_key_arrays_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="differ in length"):
        count_by(np.arange(3), np.arange(4))


def test_counting_by_nothing_is_refused():
    with pytest.raises(ValueError, match="at least one key"):
        count_by()


def test_keys_mixing_text_and_numbers_are_refused():
    with pytest.raises(ValueError, match="different types"):
        factorise(np.array(["E01", 3], dtype=object))


@pytest.mark.parametrize(
    "dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint64, np.bool_]
)
def test_integer_keys_of_every_width_count_as_pandas_does_including_negatives(dtype):
    rng = np.random.default_rng(7)
    info = np.iinfo(dtype) if dtype is not np.bool_ else None
    if info is None:
        first = rng.integers(0, 2, 5_000).astype(bool)
    else:
        first = rng.integers(max(info.min, -120), min(info.max, 120), 5_000).astype(dtype)
    second = rng.integers(0, 7, 5_000)
    if dtype is np.uint64:
        first = first + np.uint64(2**63)  # H3 cells live up there

    table = count_by(first, second)
    sizes = pd.DataFrame({"a": first, "b": second}).groupby(["a", "b"]).size()

    assert np.array_equal(table.counts, sizes.to_numpy())
    assert np.array_equal(table.keys[0], sizes.index.get_level_values(0).to_numpy(dtype))
    assert table.keys[0].dtype == np.dtype(dtype)
