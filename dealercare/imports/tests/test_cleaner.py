"""The rows of a big file are cleaned in a second process: same rows, same reasons, same outcome
as in a thread, and a child that fails or dies fails the import cleanly."""

import dataclasses
import multiprocessing
import os
import signal

import pytest

from dealercare.customers.models import Customer, SearchTerm
from dealercare.imports import cleaner, readers, services, upsert
from dealercare.imports.choices import JobStatus, RowOutcome
from dealercare.imports.rows import RowBuilder
from dealercare.imports.tests.conftest import CUSTOMER_HEADER, commit_upload, make_vin, run

pytestmark = pytest.mark.django_db


def customer_rows(count, *, bad_every=0, start=0):
    rows = [CUSTOMER_HEADER]
    for i in range(start, start + count):
        mobile = f"139{i:08d}"
        if bad_every and i % bad_every == 0:
            mobile = "12345"  # rejected: not a mobile number
        rows.append(["曾" + "伟芳丽"[i % 3], mobile, "男", "广州", make_vin(i), f"粤A{i:05d}",
                     "大众", "朗逸", f"2024年3月{i % 28 + 1}日", f"{i:,} km"])  # fmt: skip
    return rows


def builder_for(job):
    plan = [(int(i), key) for i, key in job.mapping.items()]
    return RowBuilder(plan, job.store.tzinfo)


def chunks_of(job, *, process):
    table = services.table_of(job)
    builder = builder_for(job)
    if process:
        return list(cleaner._in_process(job.path, table, builder, 1000))
    return list(cleaner.prefetched(cleaner.clean_chunks(job.path, table, builder, 1000)))


def as_plain(chunks):
    return [
        (r.number, r.customer, r.vehicle, r.event, r.raw, [tuple(vars_of(e)) for e in r.errors])
        for chunk in chunks
        for r in chunk
    ]


def vars_of(error):
    return (error.number, error.field, error.value, error.message)


def test_a_file_is_cleaned_in_a_process_only_from_the_configured_size(settings):
    settings.IMPORT_PROCESS_MIN_ROWS = 20_000
    assert not cleaner.use_process(19_999)
    assert cleaner.use_process(20_000)
    settings.IMPORT_PROCESS_MIN_ROWS = 0
    assert not cleaner.use_process(10**6)


def test_the_process_hands_over_exactly_what_the_thread_does(store_a, job_for):
    job = job_for(store_a, "customers", customer_rows(2_300, bad_every=7))

    in_thread = chunks_of(job, process=False)
    in_process = chunks_of(job, process=True)

    assert [len(c) for c in in_process] == [1000, 1000, 300]
    assert as_plain(in_process) == as_plain(in_thread)
    rejected = [r for chunk in in_process for r in chunk if r.errors]
    assert len(rejected) == 329  # rows 0, 7, 14, ... of 2,300
    assert rejected[0].errors[0].field == "mobile"


def test_the_process_seeds_the_name_keys_it_worked_out(store_a, job_for):
    job = job_for(store_a, "customers", customer_rows(30))
    upsert._name_keys.clear()

    chunks_of(job, process=True)

    keys = upsert._name_keys["曾伟"]  # from the child: this process worked nothing out
    assert ("pinyin", "zengwei") in keys and ("initials", "zw") in keys
    assert keys == frozenset(
        (str(k), t)
        for k, t in upsert.search_terms.customer_terms(
            name="曾伟", number="", mobiles=(), plates=(), vins=()
        )
    )


@pytest.mark.parametrize("process_min_rows", [1, 0])
def test_an_import_through_the_process_stores_what_the_thread_does(
    settings, store_a, job_for, process_min_rows
):
    settings.IMPORT_PROCESS_MIN_ROWS = process_min_rows
    job = job_for(store_a, "customers", customer_rows(1_200, bad_every=100))

    result = run(job, valid_rows_only=True)

    assert result.counts[RowOutcome.NEW] == 1_188
    assert result.counts[RowOutcome.REJECTED] == 12
    assert Customer.objects.filter(store=store_a).count() == 1_188
    found = SearchTerm.objects.filter(kind="pinyin", term="zengfang").count()
    assert found == 396  # every third customer is 曾芳 (zeng, the surname reading), minus rejects
    assert job.row_errors.count() == 12


def test_the_reasons_from_the_process_are_in_the_uploaders_language(settings, store_a, job_for):
    from django.utils import translation

    settings.IMPORT_PROCESS_MIN_ROWS = 1
    job = job_for(store_a, "customers", customer_rows(10, bad_every=5))
    for language, word in (("en", "mobile"), ("zh-hans", "手机号码")):
        with translation.override(language):
            run(job, dry_run=True)
        message = job.row_errors.order_by("pk").last().message
        assert word in message.lower(), message


def test_a_file_the_process_cannot_read_fails_with_the_readers_message(
    settings, store_a, job_for, tmp_path
):
    settings.IMPORT_PROCESS_MIN_ROWS = 1
    job = job_for(store_a, "customers", customer_rows(1_500))
    # Garbage past the first chunk: the first rows are fine, the file is not.
    with open(job.path, "ab") as f:
        f.write(b"\xff\xfe\x00" * 10 + b"," * 5_000_000 + b"\r\n")

    with pytest.raises(readers.ImportFileError) as raised:
        run(job)
    assert raised.value.message
    assert Customer.objects.filter(store=store_a).count() == 0


def test_a_failing_process_fails_the_job_and_keeps_nothing(store_a, job_for):
    job = job_for(store_a, "customers", customer_rows(50))
    builder = builder_for(job)
    builder.plan_spec = [(0, "no-such-field")]  # the child's RowBuilder raises KeyError

    with pytest.raises(cleaner.CleanerCrashed) as raised:
        list(cleaner._in_process(job.path, services.table_of(job), builder, 1000))
    assert "KeyError" in str(raised.value)


def test_a_killed_process_is_noticed(store_a, job_for):
    job = job_for(store_a, "customers", customer_rows(8_000))
    chunks = cleaner._in_process(job.path, services.table_of(job), builder_for(job), 1000)

    assert len(next(chunks)) == 1000
    (child,) = [p for p in multiprocessing.active_children() if p.name == "import-cleaner"]
    os.kill(child.pid, signal.SIGKILL)
    with pytest.raises(cleaner.CleanerCrashed, match="exit code"):
        for _chunk in chunks:
            pass
    assert not child.is_alive()


def test_a_job_whose_cleaner_dies_is_failed_with_a_message(settings, store_a, manager_a,
                                                           monkeypatch):  # fmt: skip
    settings.IMPORT_PROCESS_MIN_ROWS = 1

    def crashed(*args, **kwargs):
        raise cleaner.CleanerCrashed("the import's cleaning process ended (exit code -9)")
        yield  # a generator, like the real one

    monkeypatch.setattr(cleaner, "_in_process", crashed)
    job = commit_upload(manager_a, store_a, customer_rows(3))

    assert job.status == JobStatus.FAILED
    assert job.message == str(services.MSG_CRASHED)
    assert Customer.objects.count() == 0


def test_a_cleaner_whose_importer_is_gone_ends_itself(store_a, job_for):
    from dealercare.imports import spawned

    job = job_for(store_a, "customers", customer_rows(3_000))
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=spawned.clean_in_child,
        args=(sender, str(job.path), dataclasses.asdict(services.table_of(job)),
              builder_for(job).plan_spec, store_a.tzinfo, "zh-hans", 1000),
    )  # fmt: skip
    child.start()
    sender.close()
    assert receiver.recv()[0] == "chunk"
    receiver.close()  # the importer is gone: the child's next send breaks the pipe

    child.join(timeout=30)
    assert child.exitcode == 0
