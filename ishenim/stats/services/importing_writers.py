"""Writing imported records in bulk, one batch of rows at a time, as fast as each database
takes them, never through ORM objects.

A batch is made before its first row is parsed and written when it is full (or the file
ends), in one transaction with the run's progress. Rows are lists: the batch's `head`, then
the values of the run's `columns` (a subset of ROW_COLUMNS: a column no row of the run can
fill, such as the day of a file of months, is left out and stays NULL), then its `tail`. Head
and tail are the values every row of a run shares (dataset, run, sensitivity), empty where
the statement itself carries them.

SQLite (`SqliteBatch`): the rows are kept and written by one `executemany` on the driver's own
cursor, `INSERT ... ON CONFLICT (dataset_id, row_digest) DO NOTHING`, with the shared values
written into the statement rather than bound for every row, and digests as bytearray (the
sqlite3 module binds it directly; bytes and None go through its adapter lookup, which costs
more than the rest of the value). SQLite runs in this thread, so nothing can overlap: the
batch's transaction begins when it is written, and other writers wait for the insert only,
not for the parse.

PostgreSQL (`PostgresBatch`): rows are streamed to the server with COPY while the file is
still being parsed, so that the server inserts and indexes them on another core while Python
reads the next rows (the transaction is open from the batch's first row). COPY cannot skip
conflicts, so there are two ways in:
- direct: COPY into the records table itself, inside a savepoint. If a row is already there,
  the unique index on (dataset, digest) refuses it when the stream ends; the savepoint is
  rolled back and the batch is written again the second way. Rows repeated within the batch
  are not streamed twice (they count as already there).
- merge: COPY into a scratch table, then one `INSERT ... SELECT ... ON CONFLICT DO NOTHING`.
A run goes direct unless the same file was imported into the dataset before (then nearly every
row is already there), and merges from the first batch that had to on.

Rows that wait for something (an area created with the batch, the unit of a new point) are
held back (`held`) and written with `add_many` once the run has settled what they wait for.
"""

import contextlib

from django.db import connection, transaction
from django.db.utils import NotSupportedError

from ishenim.stats.models import CrimeRecord

# The columns a record row can fill, in order, between the shared head and tail.
ROW_COLUMNS = (
    "source_id",
    "month",
    "occurred_on",
    "latitude",
    "longitude",
    "h3_r7",
    "h3_r8",
    "h3_r9",
    "h3_r10",
    "area_id",
    "unit_id",
    "category_id",
    "source_category",
    "location",
    "outcome",
    "context",
    "row_digest",
)
HEAD_COLUMNS = ("dataset_id", "import_run_id")
TAIL_COLUMNS = ("sensitivity",)
# Every column the importers write: a row with its head and tail.
RECORD_COLUMNS = HEAD_COLUMNS + ROW_COLUMNS + TAIL_COLUMNS

_TABLE = CrimeRecord._meta.db_table
_SCRATCH = "stats_import_rows"
_CONFLICT = "ON CONFLICT (dataset_id, row_digest) DO NOTHING"


class RecordBatch:
    """Rows on their way into the records table (see the module docstring).

    The row loop calls `add(row)` for every good row that is complete (bind it once: it is the
    hot path) and appends the others to `held`; the run (importing.RunBook) then, inside
    `transaction()`: pauses the stream, settles what the held rows wait for, writes them with
    `add_many`, and calls `close()`, which returns how many rows were inserted.
    """

    # What a row digest is given as (see the module docstring).
    blob: type = bytes

    def __init__(
        self,
        *,
        dataset_id: int,
        run_id: int,
        sensitivity: str,
        columns: tuple[str, ...] = ROW_COLUMNS,
    ):
        unknown = set(columns) - set(ROW_COLUMNS)
        if unknown:
            raise ValueError(f"Records have no columns {sorted(unknown)}.")
        self.dataset_id = dataset_id
        self.run_id = run_id
        self.sensitivity = sensitivity
        self.columns = tuple(columns)
        self.head: tuple = (dataset_id, run_id)
        self.tail: tuple = (sensitivity,)
        # Every row given to the batch (held rows once they are written), in order.
        self.rows: list[list] = []
        self.held: list[list] = []
        # Whether the run should write its next batches through the scratch table.
        self.merge = False

    def slot(self, column: str) -> int:
        """Where `column` is in a row as this batch takes it."""
        return len(self.head) + self.columns.index(column)

    def add(self, row: list) -> None:
        self.rows.append(row)

    def add_many(self, rows: list[list]) -> None:
        for row in rows:
            self.add(row)

    def pause(self) -> None:
        """Free the connection for other statements (the lookups' inserts)."""

    def transaction(self):
        """The batch's transaction, committed when the block ends, rolled back on an error."""
        return transaction.atomic()

    def close(self) -> int:
        """Write what is not written yet; returns how many rows were inserted."""
        raise NotImplementedError  # pragma: no cover  (each database's class says how)

    def abort(self, error: BaseException) -> None:
        """The run broke off with `error`: roll back whatever the batch wrote."""


class SqliteBatch(RecordBatch):
    blob = bytearray

    def __init__(self, **values):
        super().__init__(**values)
        self.head = self.tail = ()
        # The row loop's hot path: the list's own append, no method of ours around it.
        self.add = self.rows.append

    def close(self) -> int:
        if not self.rows:
            return 0
        columns = ", ".join(HEAD_COLUMNS + self.columns + TAIL_COLUMNS)
        marks = ", ".join("?" * len(self.columns))
        # Numbers and a Sensitivity value (a fixed word, never input): written into the
        # statement, they are not bound again for each of 30,000 rows.
        head = f"{int(self.dataset_id)}, {int(self.run_id)}"
        tail = "'" + str(self.sensitivity).replace("'", "''") + "'"
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the driver's own cursor: no per-row work in Django's wrapper
            raw.executemany(
                f"INSERT INTO {_TABLE} ({columns})"  # noqa: S608
                f" VALUES ({head}, {marks}, {tail}) {_CONFLICT}",
                self.rows,
            )
            return raw.rowcount


class PostgresBatch(RecordBatch):
    def __init__(self, *, merge: bool = False, **values):
        super().__init__(**values)
        self.merge = merge
        self._columns_sql = ", ".join(HEAD_COLUMNS + self.columns + TAIL_COLUMNS)
        self._digest_slot = self.slot("row_digest")
        # Digests streamed in this batch: a repeat would fail a direct COPY.
        self._digests: set[bytes] = set()
        self._copy = None  # (the context manager, the Copy) while a stream is open
        self._savepoint = None
        self._open = True
        self._transaction = transaction.atomic()
        self._transaction.__enter__()
        self._cursor = connection.cursor()
        self._raw = self._cursor.cursor
        if merge:
            self._scratch_clear()
        else:
            self._savepoint = transaction.savepoint()

    def add(self, row: list) -> None:
        self.rows.append(row)
        digest = row[self._digest_slot]
        if digest in self._digests:
            return  # repeated within the batch: counted as already there
        self._digests.add(digest)
        copy = self._copy
        if copy is None:
            copy = self._stream()
        copy[1].write_row(row)

    def add_many(self, rows: list[list]) -> None:
        for row in rows:
            self.add(row)
        self.pause()

    def _stream(self) -> tuple:
        target = _SCRATCH if self.merge else _TABLE
        manager = self._raw.copy(f"COPY {target} ({self._columns_sql}) FROM STDIN")
        self._copy = (manager, manager.__enter__())
        return self._copy

    def pause(self) -> None:
        if self._copy is None:
            return
        manager, self._copy = self._copy[0], None
        try:
            manager.__exit__(None, None, None)
        except Exception as error:  # the server's answer to the whole stream
            self._direct_failed(error)

    @contextlib.contextmanager
    def transaction(self):
        """Carries on the transaction opened with the batch, and commits it."""
        try:
            yield
        except BaseException as error:
            self.abort(error)
            raise
        self._open = False
        self._cursor.close()
        self._transaction.__exit__(None, None, None)

    def close(self) -> int:
        self.pause()
        if not self.merge:
            transaction.savepoint_commit(self._savepoint)
            return len(self._digests)
        columns = ", ".join(RECORD_COLUMNS)
        self._raw.execute(
            f"INSERT INTO {_TABLE} ({columns})"  # noqa: S608
            f" SELECT {columns} FROM {_SCRATCH} {_CONFLICT}"
        )
        inserted = self._raw.rowcount
        self._raw.execute(f"TRUNCATE {_SCRATCH}")
        return inserted

    def abort(self, error: BaseException) -> None:
        if not self._open:
            return
        self._open = False
        if self._copy is not None:
            manager, self._copy = self._copy[0], None
            with contextlib.suppress(Exception):
                manager.__exit__(type(error), error, error.__traceback__)
        with contextlib.suppress(Exception):
            self._cursor.close()
        self._transaction.__exit__(type(error), error, error.__traceback__)

    def _scratch_clear(self) -> None:
        columns = ", ".join(RECORD_COLUMNS)
        self._raw.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_SCRATCH} AS SELECT {columns}"  # noqa: S608
            f" FROM {_TABLE} WITH NO DATA"
        )
        self._raw.execute(f"TRUNCATE {_SCRATCH}")

    def _direct_failed(self, error: Exception) -> None:
        """A direct COPY met a row that is already there: undo it and merge the batch instead.
        Any other error is the caller's."""
        from psycopg import errors

        if self.merge or not isinstance(error, errors.UniqueViolation):
            raise error
        transaction.savepoint_rollback(self._savepoint)
        self._savepoint = None
        self.merge = True
        self._scratch_clear()
        rows, self.rows = self.rows, []
        self._digests.clear()
        self.add_many(rows)


def batch_for_run(
    *,
    dataset_id: int,
    run_id: int,
    sensitivity: str,
    columns: tuple[str, ...] = ROW_COLUMNS,
    merge: bool = False,
) -> RecordBatch:
    """A new batch for the connection's database (`merge`: PostgreSQL's way in)."""
    values = {
        "dataset_id": dataset_id,
        "run_id": run_id,
        "sensitivity": sensitivity,
        "columns": columns,
    }
    if connection.vendor == "sqlite":
        return SqliteBatch(**values)
    if connection.vendor == "postgresql":
        return PostgresBatch(merge=merge, **values)
    raise NotSupportedError(
        f"Records are imported into SQLite or PostgreSQL, not {connection.vendor}."
    )


def records_write(rows: list[list], *, merge: bool = False) -> int:
    """Write rows of every column (RECORD_COLUMNS order, one dataset and run) as a batch of
    their own; rows already there are skipped. Returns how many were inserted."""
    if not rows:
        return 0
    dataset_id, run_id, sensitivity = rows[0][0], rows[0][1], rows[0][-1]
    batch = batch_for_run(
        dataset_id=dataset_id, run_id=run_id, sensitivity=sensitivity, merge=merge
    )
    digest = batch.slot("row_digest") - len(batch.head)
    with batch.transaction():
        for row in rows:
            values = list(row[2:-1])
            values[digest] = batch.blob(values[digest])
            batch.add([*batch.head, *values, *batch.tail])
        return batch.close()
