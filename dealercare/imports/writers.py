"""Set-based writes for the import engine: many rows per statement, ids known before insert.

On PostgreSQL new rows go in with COPY (ids drawn from the table's sequence first, so children can
point at parents in the same chunk), written in the background; elsewhere (SQLite) through
bulk_create, at once. Updates are grouped by the set of changed columns. Nothing commits: the
caller's transaction decides.
"""

import datetime
import decimal
import json
import re
from collections import defaultdict, deque
from concurrent.futures import ThreadPoolExecutor

from django.db import connection

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]").search


def _copy_str(value):
    """A str in COPY text format; most need no escaping, and a search is cheaper than translate."""
    return value.translate(_COPY_ESCAPES) if _NEEDS_ESCAPE(value) else value


def _copy_text(value):
    """One value in PostgreSQL's COPY text format."""
    if type(value) is str:
        return _copy_str(value)
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, int | decimal.Decimal | float):
        return str(value)
    if isinstance(value, datetime.date):  # datetimes are aware UTC: isoformat keeps the offset
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False).translate(_COPY_ESCAPES)
    return str(value).translate(_COPY_ESCAPES)


class Writer:
    """bulk_create / bulk_update, at once: any database Django supports."""

    defers = False  # whether inserts wait in a queue until send()

    def reserve_ids(self, model, count):
        """Have `count` ids of `model` ready before the rows exist (no-op here)."""

    def insert(self, model, base, rows, *, ids=False):
        """Insert one row per dict of `rows`, each over the column values of `base` (every
        concrete column but the id); return the new ids in order when `ids`."""
        if not rows:
            return []
        objs = [model(**{**base, **row}) for row in rows]
        model.objects.bulk_create(objs, batch_size=500)
        return [obj.pk for obj in objs] if ids else []

    def insert_tuples(self, model, columns, rows):
        """Insert narrow rows given as tuples in `columns` order (search keys, ownerships)."""
        if rows:
            model.objects.bulk_create(
                [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=500
            )

    def insert_search_terms(self, rows):
        """Insert (store_id, customer_id, kind, term) rows: ten or so per new customer."""
        from dealercare.customers.models import SearchTerm

        self.insert_tuples(SearchTerm, ["store_id", "customer_id", "kind", "term"], rows)

    def update(self, model, changes, *, now):
        """Apply {pk: {column: value}}, one bulk_update per set of changed columns."""
        self.wait()
        has_updated_at = any(f.name == "updated_at" for f in model._meta.fields)
        groups = defaultdict(list)
        for pk, values in changes.items():
            groups[tuple(sorted(values))].append((pk, values))
        for fields, items in groups.items():
            objs = []
            for pk, values in items:
                obj = model(pk=pk, **values)
                if has_updated_at:
                    obj.updated_at = now
                objs.append(obj)
            extra = ["updated_at"] if has_updated_at else []
            model.objects.bulk_update(objs, [*fields, *extra], batch_size=500)

    def send(self):
        """Start writing what insert() queued (no-op here: it is written)."""

    def wait(self):
        """Block until what send() started is written; re-raise its error."""

    def close(self):
        """Finish or abandon background work (always call it, e.g. in a finally)."""


class PostgresWriter(Writer):
    """COPY for inserts, in a background thread while Python prepares the next chunk.

    A row is the base row's text with only its own values formatted (a 33-column customer costs
    a few formatted values, not 33). Ids come from the table's sequence ahead of time, so rows
    can point at parents that are still in the queue. Inserts wait in a queue until send(),
    which hands them to a thread that COPYs them on the same connection (psycopg connections
    are thread-safe; any other query waits for its lock); wait() joins it. The caller keeps the
    order straight: it reads what a chunk needs before sending the previous chunk's rows, and
    carries those rows in memory until they have landed.
    """

    defers = True

    def __init__(self):
        self.queue = []  # (COPY statement, bytes)
        self.running = None
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-copy")
        self.ids = {}  # model -> ids drawn from its sequence, not used yet

    def _cursor(self):
        connection.ensure_connection()
        return connection.connection.cursor()

    def reserve_ids(self, model, count):
        have = self.ids.setdefault(model, deque())
        if len(have) >= count:
            return
        self.wait()
        with self._cursor() as cur:
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, model._meta.pk.column, count - len(have)],
            )
            have.extend(row[0] for row in cur.fetchall())

    def next_ids(self, model, count):
        self.reserve_ids(model, count)
        have = self.ids[model]
        return [have.popleft() for _ in range(count)]

    def _copy(self, model, attnames, lines):
        meta = model._meta
        columns = {f.attname: f.column for f in meta.concrete_fields}
        sql = 'COPY "{}" ({}) FROM STDIN'.format(
            meta.db_table, ", ".join(f'"{columns[a]}"' for a in attnames)
        )
        self.queue.append((sql, "".join(lines).encode()))

    def insert(self, model, base, rows, *, ids=False):
        if not rows:
            return []
        attnames = list(base)
        position = {a: i for i, a in enumerate(attnames)}
        base_parts = [_copy_text(base[a]) for a in attnames]
        new_ids = self.next_ids(model, len(rows)) if ids else None
        lines = []
        append = lines.append
        text, copy_text = str, _copy_text
        for i, row in enumerate(rows):
            parts = base_parts.copy()
            for attname, value in row.items():
                parts[position[attname]] = (
                    _copy_str(value) if type(value) is text else copy_text(value)
                )
            if ids:
                append(f"{new_ids[i]}\t" + "\t".join(parts) + "\n")
            else:
                append("\t".join(parts) + "\n")
        pk = model._meta.pk.attname
        self._copy(model, [pk, *attnames] if ids else attnames, lines)
        return new_ids or []

    def insert_tuples(self, model, columns, rows):
        if rows:
            self._copy(model, columns, ["\t".join(map(_copy_text, row)) + "\n" for row in rows])

    def insert_search_terms(self, rows):
        from dealercare.customers.models import SearchTerm

        self._copy(
            SearchTerm, ["store_id", "customer_id", "kind", "term"],
            [f"{store_id}\t{customer_id}\t{kind}\t{_copy_str(term)}\n"
             for store_id, customer_id, kind, term in rows],
        )  # fmt: skip

    @staticmethod
    def _write_batch(raw_connection, batch):
        with raw_connection.cursor() as cur:
            for sql, data in batch:
                with cur.copy(sql) as copy:
                    copy.write(data)

    def send(self):
        self.wait()
        if self.queue:
            batch, self.queue = self.queue, []
            connection.ensure_connection()
            self.running = self.pool.submit(self._write_batch, connection.connection, batch)

    def wait(self):
        if self.running is not None:
            running, self.running = self.running, None
            with connection.wrap_database_errors:  # as Django's own errors (IntegrityError...)
                running.result()

    def close(self):
        try:
            self.wait()
        finally:
            self.queue = []
            self.pool.shutdown(wait=True)


def writer_for_connection():
    return PostgresWriter() if connection.vendor == "postgresql" else Writer()
