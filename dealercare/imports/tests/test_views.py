"""Import pages: upload, mapping, preview, commit, progress, errors; store isolation and roles."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from dealercare.core.models import AuditAction, AuditEvent
from dealercare.customers.models import Customer
from dealercare.imports import services
from dealercare.imports.choices import JobStatus
from dealercare.imports.models import ColumnMapping, ImportJob
from dealercare.imports.tests.conftest import csv_bytes, make_vin

pytestmark = pytest.mark.django_db

HEADER = ["客户姓名", "联系电话", "车架号", "车牌号", "购车日期"]
GOOD = [["张三", "138 1234 5678", make_vin(1), "粤B12345", "2024/3/5"],
        ["李四", "+86 139 0000 1111", make_vin(2), "粤A88888", "2023年5月1日"]]  # fmt: skip
BAD = ["王五", "12345", "", "", ""]


def upload(client, rows=None, *, data=None, name="客户.csv", kind="customers", source="星瑞DMS",
           encoding="gbk", store=None):  # fmt: skip
    content = data if data is not None else csv_bytes(rows, encoding)
    payload = {"kind": kind, "source_name": source,
               "file": SimpleUploadedFile(name, content, content_type="text/csv")}  # fmt: skip
    if store is not None:
        payload["store"] = store.pk
    return client.post(reverse("imports:job-create"), payload)


def mapping_post(job, overrides=None):
    data = {f"col_{i}": key for i, key in job.mapping.items()}
    data.update(overrides or {})
    return data


def detail(client, job):
    return client.get(reverse("imports:job-detail", args=[job.pk])).content.decode()


@pytest.fixture
def uploaded(client, manager_a, store_a):
    client.force_login(manager_a)
    response = upload(client, [HEADER, *GOOD, BAD], store=store_a)
    assert response.status_code == 302
    return ImportJob.objects.get()


def test_an_upload_finds_the_header_guesses_the_mapping_and_masks_samples(client, uploaded):
    job = uploaded
    assert (job.file_format, job.encoding, job.header_row, job.status) == ("csv", "gb18030", 1,
                                                                           JobStatus.DRAFT)  # fmt: skip
    assert job.mapping == {
        "0": "name",
        "1": "mobile",
        "2": "vin",
        "3": "plate",
        "4": "purchase_date",
    }
    html = detail(client, job)
    assert 'data-testid="mapping-form"' in html
    assert "138****5678" in html
    assert "13812345678" not in html and "138 1234 5678" not in html


def test_preview_then_commit_the_valid_rows(client, uploaded, django_capture_on_commit_callbacks,
                                            manager_a):  # fmt: skip
    job = uploaded
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:job-mapping", args=[job.pk]), mapping_post(job))
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.new_rows, job.rejected_rows, job.rows_done) == (
        JobStatus.PREVIEWED, 2, 1, 3)  # fmt: skip
    assert Customer.objects.count() == 0  # a preview writes nothing
    html = detail(client, job)
    assert 'data-testid="commit-valid"' in html and 'data-testid="commit-all"' not in html
    assert "Enter a valid mainland China mobile number" in html
    response = client.post(reverse("imports:job-commit", args=[job.pk]), {"mode": "all"})
    job.refresh_from_db()
    assert job.status == JobStatus.PREVIEWED  # all-or-nothing is refused while rows are rejected
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:job-commit", args=[job.pk]), {"mode": "valid"})
    job.refresh_from_db()
    assert (job.status, job.new_rows, job.rejected_rows, job.committed_by) == (
        JobStatus.DONE, 2, 1, manager_a)  # fmt: skip
    assert job.message == ("Imported the valid rows: 2 new, 0 updated, 0 unchanged; 1 rejected "
                           "rows were left out.")  # fmt: skip
    assert not job.file  # the upload is not kept once imported
    assert set(Customer.objects.values_list("name", flat=True)) == {"张三", "李四"}
    assert 'data-testid="see-customers"' in detail(client, job)


def test_the_rejected_rows_download_as_xlsx_and_the_download_is_audited(
    client, uploaded, django_capture_on_commit_callbacks, manager_a
):
    job = uploaded
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:job-mapping", args=[job.pk]), mapping_post(job))
    response = client.get(reverse("imports:job-errors", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert rows == [("Row", "Column", "Value", "Reason"),
                    (4, "联系电话", "*****", "Enter a valid mainland China mobile number (11 "
                     "digits, e.g. 13812345678).")]  # fmt: skip
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert (event.actor, event.target_id, event.changes) == (manager_a, str(job.pk),
                                                             {"rejected_rows": 1})  # fmt: skip


def test_a_mapping_without_the_required_fields_is_refused_with_their_names(client, uploaded):
    job = uploaded
    response = client.post(reverse("imports:job-mapping", args=[job.pk]),
                           mapping_post(job, {"col_0": "", "col_1": "", "col_2": ""}))  # fmt: skip
    assert response.status_code == 400
    assert (
        "Map a column to: Customer name; Mobile / VIN / Credit code." in response.content.decode()
    )
    job.refresh_from_db()
    assert job.status == JobStatus.DRAFT


def test_a_field_mapped_twice_is_refused(client, uploaded):
    response = client.post(reverse("imports:job-mapping", args=[uploaded.pk]),
                           mapping_post(uploaded, {"col_3": "vin"}))  # fmt: skip
    assert "VIN is mapped to two columns." in response.content.decode()


def test_the_next_file_of_the_same_source_reuses_the_confirmed_mapping(
    client, uploaded, django_capture_on_commit_callbacks, store_a
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:job-mapping", args=[uploaded.pk]),
                    mapping_post(uploaded, {"col_4": ""}))  # fmt: skip
    saved = ColumnMapping.objects.get(store=store_a, source_name="星瑞DMS", kind="customers")
    assert saved.columns["购车日期"] == ""
    upload(client, [HEADER, *GOOD], name="next.csv", store=store_a)
    job = ImportJob.objects.latest("pk")
    assert "4" not in job.mapping and job.mapping["0"] == "name"


def test_an_unreadable_file_is_refused_with_the_readers_message_and_no_job(client, manager_a):
    client.force_login(manager_a)
    response = upload(client, data=bytes(range(256)) * 20, name="x.csv")
    assert response.status_code == 200
    assert "This is not a CSV or Excel file" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_file_above_the_upload_limit_is_refused_with_the_limit(client, manager_a, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    client.force_login(manager_a)
    big = csv_bytes([HEADER, *GOOD * 20000])
    assert len(big) > 1024**2
    response = upload(client, data=big, name="big.csv")
    assert response.status_code == 200
    body = response.content.decode()
    assert "the largest file Dealercare imports is 1 MB" in body
    assert not ImportJob.objects.exists()


def test_a_wrong_file_type_is_refused(client, manager_a):
    client.force_login(manager_a)
    response = upload(client, [HEADER, *GOOD], name="x.pdf")
    assert "Upload a .csv, .txt, .xlsx or .xls file." in response.content.decode()


def test_a_follow_up_agent_imports_customers_but_not_repair_orders(client, agent_a):
    client.force_login(agent_a)
    response = upload(client, [["工单号", "进厂日期", "车主", "VIN"]], kind="service_visits")
    assert "You do not have permission to do this in this store." in response.content.decode()
    assert upload(client, [HEADER, *GOOD]).status_code == 302


def test_a_technician_has_no_import_pages(client, store_a, make_user):
    client.force_login(make_user(store_a, "technician"))
    assert client.get(reverse("imports:job-list")).status_code == 403
    assert client.get(reverse("imports:job-create")).status_code == 403


def test_the_job_list_shows_only_the_users_stores(client, uploaded, manager_b):
    assert "客户.csv" in client.get(reverse("imports:job-list")).content.decode()
    client.force_login(manager_b)
    response = client.get(reverse("imports:job-list"))
    assert response.status_code == 200
    assert "客户.csv" not in response.content.decode()


@pytest.mark.parametrize("name", ["job-detail", "job-progress", "job-errors"])
def test_a_job_of_another_store_is_not_found(client, uploaded, manager_b, name):
    client.force_login(manager_b)
    assert client.get(reverse(f"imports:{name}", args=[uploaded.pk])).status_code == 404


@pytest.mark.parametrize("name", ["job-mapping", "job-commit"])
def test_another_stores_job_cannot_be_changed(client, uploaded, manager_b, name):
    client.force_login(manager_b)
    response = client.post(reverse(f"imports:{name}", args=[uploaded.pk]), {"mode": "valid"})
    assert response.status_code == 404
    uploaded.refresh_from_db()
    assert uploaded.status == JobStatus.DRAFT


def test_repair_order_imports_are_hidden_from_users_without_operations(
    client, store_a, advisor_a, agent_a, job_for
):
    job = job_for(
        store_a, "service_visits", [["工单号", "进厂日期", "车主", "VIN"]], user=advisor_a
    )
    client.force_login(agent_a)
    assert client.get(reverse("imports:job-detail", args=[job.pk])).status_code == 404
    client.force_login(advisor_a)
    assert client.get(reverse("imports:job-detail", args=[job.pk])).status_code == 200


def test_progress_polls_while_running_and_reloads_the_page_when_done(client, uploaded):
    job = uploaded
    job.status, job.rows_total, job.rows_done = JobStatus.RUNNING, 200, 50
    job.heartbeat_at = services.timezone.now()
    job.save()
    response = client.get(reverse("imports:job-progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'hx-trigger="every 1s"' in body and "25%" in body
    assert "HX-Refresh" not in response
    job.status = JobStatus.PREVIEWED
    job.save()
    response = client.get(reverse("imports:job-progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"


def test_a_job_whose_worker_died_can_be_run_again(client, uploaded,
                                                  django_capture_on_commit_callbacks):  # fmt: skip
    job = uploaded
    job.status, job.phase = JobStatus.RUNNING, "commit"
    job.heartbeat_at = services.timezone.now() - services.timezone.timedelta(minutes=10)
    job.save()
    html = detail(client, job)
    assert 'data-testid="job-stale"' in html and 'data-testid="commit-again"' in html
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:job-commit", args=[job.pk]), {"mode": "valid"})
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert Customer.objects.count() == 2


def test_a_running_job_refuses_a_second_start(client, uploaded):
    job = uploaded
    job.status, job.heartbeat_at = JobStatus.RUNNING, services.timezone.now()
    job.save()
    response = client.post(
        reverse("imports:job-commit", args=[job.pk]), {"mode": "all"}, follow=True
    )
    assert "This import is running; wait for it to finish." in response.content.decode()


def test_the_nav_shows_imports_to_users_who_edit_customers(client, manager_a, store_a, make_user):
    client.force_login(manager_a)
    assert reverse("imports:job-list") in client.get(reverse("home")).content.decode()
    client.force_login(make_user(store_a, "technician"))
    assert reverse("imports:job-list") not in client.get(reverse("home")).content.decode()


def test_the_job_list_takes_a_fixed_number_of_queries(client, uploaded, store_a, job_for,
                                                      django_assert_max_num_queries):  # fmt: skip
    for i in range(5):
        job_for(store_a, "customers", [HEADER, *GOOD], name=f"f{i}.csv")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("imports:job-list")).status_code == 200
