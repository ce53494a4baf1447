"""On PostgreSQL, with real concurrent connections: responses rolled up at the same time by many
transactions (and the same response twice) leave exactly the counts of the raw answers."""

import datetime
import threading

import pytest
from django.db import connection, transaction

from dealercare.csi import figures, services
from dealercare.csi.choices import Grain

from .factories import make_response

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (concurrent transactions)")


def test_concurrent_rollups_count_every_answer_exactly_once(store_a, make_user):
    advisor = make_user(store_a, "service_advisor")
    responses = [
        make_response(
            store_a,
            {"timeliness": 1 + i % 10, "service_skill": 10 - i % 10},
            advisor=advisor,
            region="华南",
            rollup=False,
        )  # fmt: skip
        for i in range(30)
    ]
    barrier = threading.Barrier(10)
    errors = []

    def work(i):
        try:
            barrier.wait()
            # Each thread adds every third response; threads 0 and 1 also add all of them twice.
            mine = responses[i % 3 :: 3] if i > 1 else responses + responses
            for response in mine:
                with transaction.atomic():
                    services.rollup_add(response)
        except Exception as error:  # noqa: BLE001 (reported by the test)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    day = datetime.date(2026, 11, 10)
    for breakdown, by in (("", ()), ("advisor", ("value",)), ("region", ("value",))):
        rolled = figures.rollup_counts(store_ids=[store_a.pk], business="service",
                                       grain=Grain.MONTH, starts=[day.replace(day=1)],
                                       breakdown=breakdown, by=by)  # fmt: skip
        raw = figures.raw_counts(store_ids=[store_a.pk], business="service",
                                 date_from=day.replace(day=1), date_to=day.replace(day=30),
                                 grain=Grain.MONTH, breakdown=breakdown, by=by)  # fmt: skip
        assert {k: dict(v) for k, v in rolled.items()} == {k: dict(v) for k, v in raw.items()}
