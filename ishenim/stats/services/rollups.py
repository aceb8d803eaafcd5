"""The counts statistics are served from: area × month × category per dataset.

Rebuilt, never patched: for the months given, a dataset's rollup rows are deleted and made
again from its records by one GROUP BY in the database. That is exact whatever happened to
the records (an import, a re-import, a change of category mapping) and costs one scan of
those months' records, which an index on (dataset, month) finds.
"""

from collections.abc import Iterable
from datetime import date

from django.db import connection, transaction

from ishenim.stats.models import CountRollup, CrimeRecord, Dataset

_GROUP = ("dataset_id", "area_id", "unit_id", "month", "category_id", "source_category")


@transaction.atomic
def rollups_refresh(*, dataset: Dataset, months: Iterable[date | str] | None = None) -> int:
    """Rebuild the dataset's counts for `months` (first days, as dates or ISO text), or for
    every month when None. Returns the number of rollup rows written."""
    month_list = None if months is None else sorted({str(month) for month in months})
    if month_list is not None and not month_list:
        return 0
    existing = CountRollup.objects.filter(dataset=dataset)
    if month_list is not None:
        existing = existing.filter(month__in=month_list)
    existing.delete()

    records = CrimeRecord._meta.db_table
    rollups = CountRollup._meta.db_table
    columns = ", ".join(_GROUP)
    where = "dataset_id = %s"
    params: list = [dataset.sensitivity, dataset.pk]
    if month_list is not None:
        where += " AND month IN (" + ", ".join(["%s"] * len(month_list)) + ")"
        params += month_list
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {rollups} ({columns}, sensitivity, count)"  # noqa: S608
            f" SELECT {columns}, %s, COUNT(*) FROM {records} WHERE {where} GROUP BY {columns}",
            params,
        )
        written = cursor.rowcount
    # The records changed (an import, a new category mapping): a public dataset's open data
    # files are built again once this is committed. Imported here: the open data services
    # read the importers' modules, which import this one.
    from ishenim.stats.services.open_data_files import open_build_after_change

    open_build_after_change(dataset=dataset)
    return written
