"""Answer rollups: adding a response's answers to the counts, and rebuilding them from scratch.

The SQL is built from constant names and expressions only; values are always parameters.

A rollup row counts the answers of one store, period (ISO week or month), item, source and
breakdown value (total, region, model, customer type, advisor, technician, consultant). Adding
a response is one INSERT ... ON CONFLICT DO UPDATE that adds to the counts (PostgreSQL and
SQLite alike), with the keys sorted so that two transactions never lock rows in opposite order.
The rebuild is set-based SQL over the answers, one statement per grain and breakdown.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import connection, transaction

from .analysis import month_start, week_start
from .choices import Breakdown, Grain
from .models import COUNT_COLUMNS, KEY_COLUMNS, AnswerRollup, RolledUpResponse

TABLE = AnswerRollup._meta.db_table
MARKER_TABLE = RolledUpResponse._meta.db_table
INSERT_COLUMNS = (*KEY_COLUMNS, "dimension_id", "business", *COUNT_COLUMNS)
# The response field each breakdown reads (person breakdowns: the user id as text).
BREAKDOWN_FIELDS = {
    Breakdown.REGION: "region",
    Breakdown.VEHICLE_MODEL: "vehicle_model",
    Breakdown.CUSTOMER_TYPE: "customer_type",
    Breakdown.ADVISOR: "advisor_id",
    Breakdown.TECHNICIAN: "technician_id",
    Breakdown.CONSULTANT: "consultant_id",
}
PERIOD_STARTS = {Grain.WEEK: week_start, Grain.MONTH: month_start}


def outcome_tenths(response):
    """The response's overall score in tenths (79.2 -> 792), the y of the key drivers."""
    if response.overall_score is None:
        return None
    return int(response.overall_score * 10)


def breakdown_values(response):
    """{breakdown: value} of a response, total included; empty values are left out."""
    values = {Breakdown.TOTAL: ""}
    for breakdown, field in BREAKDOWN_FIELDS.items():
        value = getattr(response, field)
        if value not in (None, ""):
            values[breakdown] = str(value)
    return values


def rows_for(response, answers, *, sign=1):
    """{key: (dimension_id, business, counts list)} that ``answers`` of ``response`` add."""
    rows = {}
    y = outcome_tenths(response)
    values = breakdown_values(response)
    for answer in answers:
        if answer.score is None and answer.yes_no is None:
            continue  # choices and free text are not counted
        counts = [0] * len(COUNT_COLUMNS)
        if answer.score is not None:
            counts[answer.score - 1] = sign
        elif answer.yes_no:
            counts[10] = sign
        else:
            counts[11] = sign
        for grain, start_of in PERIOD_STARTS.items():
            start = start_of(answer.answered_on)
            for breakdown, value in values.items():
                row = list(counts)
                if breakdown == Breakdown.TOTAL and answer.score is not None and y is not None:
                    x = answer.score
                    row[12:] = [sign * v for v in (1, x, x * x, y, y * y, x * y)]
                key = (str(grain), str(breakdown), start, answer.store_id, answer.item_id,
                       answer.source, value)  # fmt: skip
                if key in rows:
                    rows[key][2][:] = [a + b for a, b in zip(rows[key][2], row, strict=True)]
                else:
                    rows[key] = (answer.dimension_id, answer.business, row)
    return rows


def upsert(rows):
    """Add the counts of ``rows`` to the rollups (one statement per 500 rows, keys sorted)."""
    if not rows:
        return 0
    updates = ", ".join(f"{c} = {TABLE}.{c} + excluded.{c}" for c in COUNT_COLUMNS)
    placeholders = "(" + ", ".join(["%s"] * len(INSERT_COLUMNS)) + ")"
    keys = sorted(rows, key=lambda k: tuple(str(part) for part in k))
    with connection.cursor() as cursor:
        for chunk_start in range(0, len(keys), 500):
            chunk = keys[chunk_start : chunk_start + 500]
            params = []
            for key in chunk:
                dimension_id, business, counts = rows[key]
                params.extend([*key, dimension_id, business, *counts])
            cursor.execute(
                f"INSERT INTO {TABLE} ({', '.join(INSERT_COLUMNS)}) "  # noqa: S608
                f"VALUES {', '.join([placeholders] * len(chunk))} "
                f"ON CONFLICT ({', '.join(KEY_COLUMNS)}) DO UPDATE SET {updates}",
                params,
            )
    return len(keys)


def _answers_of(responses):
    """The answers of ``responses`` grouped by response id (one query)."""
    from dealercare.surveys.models import Answer

    by_response = defaultdict(list)
    fields = ("response_id", "item_id", "score", "yes_no", "store_id", "answered_on",
              "dimension_id", "business", "source")  # fmt: skip
    for answer in Answer.objects.filter(response__in=[r.pk for r in responses]).only(*fields):
        by_response[answer.response_id].append(answer)
    return by_response


def _claim(responses, *, sign):
    """The responses whose marker this call inserts (sign 1) or deletes (sign -1).

    INSERT ... ON CONFLICT DO NOTHING RETURNING: of two transactions adding the same response,
    the second waits for the first and then gets nothing back, so it adds nothing.
    """
    responses = list({r.pk: r for r in responses}.values())  # each response once per call
    if not responses:
        return []
    with connection.cursor() as cursor:
        if sign > 0:
            values = ", ".join(["(%s, %s)"] * len(responses))
            params = [p for r in responses for p in (r.pk, r.store_id)]
            cursor.execute(
                f"INSERT INTO {MARKER_TABLE} (response_id, store_id) VALUES {values} "  # noqa: S608
                "ON CONFLICT DO NOTHING RETURNING response_id",
                params,
            )
        else:
            ids = ", ".join(["%s"] * len(responses))
            cursor.execute(
                f"DELETE FROM {MARKER_TABLE} WHERE response_id IN ({ids}) RETURNING response_id",  # noqa: S608
                [r.pk for r in responses],
            )
        claimed = {row[0] for row in cursor.fetchall()}
    return [r for r in responses if r.pk in claimed]


def add_responses(responses, *, sign=1):
    """Add (sign 1) or take away (sign -1) the answers of saved responses; returns rows touched.

    Idempotent per response: a response already in the rollups is not added again, and one
    that is not in them is not taken away.
    """
    responses = _claim(list(responses), sign=sign)
    if not responses:
        return 0
    answers = _answers_of(responses)
    rows = {}
    for response in responses:
        for key, (dimension_id, business, counts) in rows_for(
            response, answers.get(response.pk, ()), sign=sign
        ).items():
            if key in rows:
                rows[key][2][:] = [a + b for a, b in zip(rows[key][2], counts, strict=True)]
            else:
                rows[key] = (dimension_id, business, counts)
    return upsert(rows)


# --- rebuild ----------------------------------------------------------------------------------


def _period_sql(grain, vendor):
    """SQL for the first day of an answer's week or month."""
    if vendor == "postgresql":
        unit = "week" if grain == Grain.WEEK else "month"
        return f"CAST(date_trunc('{unit}', a.answered_on) AS date)"
    if grain == Grain.WEEK:
        return "date(a.answered_on, '-' || ((CAST(strftime('%%w', a.answered_on) AS INTEGER) + 6) %% 7) || ' days')"  # noqa: E501
    return "date(a.answered_on, 'start of month')"


def _value_sql(breakdown):
    """SQL for a breakdown's value ('' for the total)."""
    if breakdown == Breakdown.TOTAL:
        return "''"
    field = BREAKDOWN_FIELDS[Breakdown(breakdown)]
    return f"CAST(r.{field} AS TEXT)" if field.endswith("_id") else f"r.{field}"


def rebuild_sql(grain, breakdown, vendor, store_ids=None):
    """The INSERT ... SELECT that recomputes one grain and breakdown from the answers."""
    from dealercare.surveys.models import Answer, SurveyResponse

    period, value = _period_sql(grain, vendor), _value_sql(breakdown)
    paired = "a.score IS NOT NULL AND r.overall_score IS NOT NULL"
    y = "CAST(ROUND(r.overall_score * 10) AS BIGINT)"
    if breakdown == Breakdown.TOTAL:
        pairs = [
            f"SUM(CASE WHEN {paired} THEN {expr} ELSE 0 END)"
            for expr in ("1", "a.score", "a.score * a.score", y, f"{y} * {y}", f"a.score * {y}")
        ]
    else:
        pairs = ["0"] * 6
    scores = [f"SUM(CASE WHEN a.score = {s} THEN 1 ELSE 0 END)" for s in range(1, 11)]
    checks = [
        "SUM(CASE WHEN a.yes_no THEN 1 ELSE 0 END)",
        "SUM(CASE WHEN NOT a.yes_no THEN 1 ELSE 0 END)",
    ]
    where = ["(a.score IS NOT NULL OR a.yes_no IS NOT NULL)"]
    if breakdown != Breakdown.TOTAL:
        where.append(f"{value} IS NOT NULL AND {value} <> ''")
    params = [str(grain), str(breakdown)]
    # PostgreSQL refuses a constant in GROUP BY: the total's '' is left out of it.
    group_value = "" if breakdown == Breakdown.TOTAL else f", {value}"
    if store_ids is not None:
        where.append(f"a.store_id IN ({', '.join(['%s'] * len(store_ids))})")
        params.extend(store_ids)
    sql = (
        f"INSERT INTO {TABLE} ({', '.join(INSERT_COLUMNS)}) "  # noqa: S608
        f"SELECT %s, %s, {period}, a.store_id, a.item_id, a.source, {value}, "
        f"MAX(a.dimension_id), MAX(a.business), {', '.join(scores + checks + pairs)} "
        f"FROM {Answer._meta.db_table} a "
        f"JOIN {SurveyResponse._meta.db_table} r ON r.id = a.response_id "
        f"WHERE {' AND '.join(where)} "
        f"GROUP BY a.store_id, {period}, a.item_id, a.source{group_value}"
    )
    # KEY_COLUMNS order: grain, breakdown, period_start, store_id, item_id, source, value.
    return sql, params


def marker_sql(store_ids=None):
    """The INSERT ... SELECT marking every response (of ``store_ids``) as rolled up."""
    from dealercare.surveys.models import SurveyResponse

    sql = (
        f"INSERT INTO {MARKER_TABLE} (response_id, store_id) "  # noqa: S608
        f"SELECT id, store_id FROM {SurveyResponse._meta.db_table}"
    )
    if store_ids is None:
        return sql, []
    return sql + f" WHERE store_id IN ({', '.join(['%s'] * len(store_ids))})", list(store_ids)


def rebuild(store_ids=None):
    """Recompute every rollup (of ``store_ids``, or all) from the answers; returns rows written."""
    vendor = connection.vendor
    with transaction.atomic():
        existing = AnswerRollup.objects.all()
        if store_ids is not None:
            store_ids = list(store_ids)
            existing = existing.filter(store_id__in=store_ids)
        existing._raw_delete(existing.db)
        markers = RolledUpResponse.objects.all()
        if store_ids is not None:
            markers = markers.filter(store_id__in=store_ids)
        markers._raw_delete(markers.db)
        with connection.cursor() as cursor:
            if vendor == "postgresql":
                # Room for the hash aggregates in memory (one per grain and breakdown).
                cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute(*marker_sql(store_ids))
            for grain in Grain:
                for breakdown in Breakdown:
                    sql, params = rebuild_sql(grain, breakdown, vendor, store_ids)
                    cursor.execute(sql, params)
        return (
            AnswerRollup.objects.filter(store_id__in=store_ids).count()
            if store_ids is not None
            else AnswerRollup.objects.count()
        )
