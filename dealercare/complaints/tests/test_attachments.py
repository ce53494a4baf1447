"""Attachments: type by content, size limit, private storage, download only with access and
with safe headers."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dealercare.complaints import services, sniffing
from dealercare.complaints.models import ComplaintAttachment
from dealercare.core.errors import ApplicationError

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


def docx_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0rest", "image/jpeg"),
        (PNG, "image/png"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "audio/wav"),
        (b"#!AMR\n", "audio/amr"),
        (b"ID3\x04\x00", "audio/mpeg"),
        (b"\x00\x00\x00\x20ftypM4A ", "audio/mp4"),
        (PDF, "application/pdf"),
        (b"<html><script>alert(1)</script>", None),
        (b"<?xml version='1.0'?><svg onload='x'>", None),
        (b"MZ\x90\x00", None),
        (b"PK\x03\x04notreallyazip", None),
    ],
)
def test_sniffing_reads_the_content_not_the_name(head, expected):
    found = sniffing.sniff(head, io.BytesIO(head))
    assert (found.content_type if found else None) == expected


def test_a_docx_is_recognised_and_a_plain_zip_is_not():
    assert sniffing.sniff(docx_bytes()[:8], io.BytesIO(docx_bytes())) == sniffing.DOCX
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("evil.html", "<script>")
    assert sniffing.sniff(plain.getvalue()[:8], plain) is None


def test_an_html_file_named_like_a_photo_is_refused(make_complaint, agent_a):
    upload = SimpleUploadedFile("photo.jpg", b"<html><script>alert(1)</script></html>",
                                content_type="image/jpeg")  # fmt: skip
    with pytest.raises(ApplicationError) as error:
        services.attachment_add(actor=agent_a, complaint=make_complaint(), upload=upload)
    assert error.value.code == "file_type"
    assert "photo.jpg: this kind of file is not accepted" in str(error.value.message)
    assert not ComplaintAttachment.objects.exists()


def test_a_file_over_the_limit_is_refused(make_complaint, agent_a, settings):
    settings.COMPLAINT_ATTACHMENT_MAX_MB = 1
    upload = SimpleUploadedFile("big.png", PNG + b"0" * (1024 * 1024))
    with pytest.raises(ApplicationError) as error:
        services.attachment_add(actor=agent_a, complaint=make_complaint(), upload=upload)
    assert str(error.value.message) == "big.png is larger than 1 MB."


def test_a_photo_is_stored_outside_media_under_a_random_name(make_complaint, agent_a, settings):
    attachment = services.attachment_add(
        actor=agent_a,
        complaint=make_complaint(),
        upload=SimpleUploadedFile("../../etc/x.php.png", PNG),
    )
    assert attachment.content_type == "image/png" and attachment.kind == "image"
    path = attachment.file.path
    assert path.startswith(str(settings.COMPLAINT_ATTACHMENT_ROOT))
    assert not path.startswith(str(settings.MEDIA_ROOT))
    assert path.endswith(".png") and "php" not in path and ".." not in path
    assert attachment.complaint.actions.filter(kind="attachment").exists()


def test_download_headers_are_safe(client, make_complaint, agent_a):
    complaint = make_complaint()
    photo = services.attachment_add(
        actor=agent_a, complaint=complaint, upload=SimpleUploadedFile("现场照片.png", PNG)
    )
    document = services.attachment_add(
        actor=agent_a, complaint=complaint, upload=SimpleUploadedFile("invoice.pdf", PDF)
    )
    client.force_login(agent_a)
    image = client.get(reverse("complaints:attachment", args=[photo.pk]))
    assert image["Content-Type"] == "image/png"
    assert image["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in image["Content-Security-Policy"]
    assert image["Content-Disposition"].startswith("inline")
    pdf = client.get(reverse("complaints:attachment", args=[document.pk]))
    assert pdf["Content-Disposition"].startswith("attachment")
    assert b"".join(pdf.streaming_content) == PDF


def test_only_users_who_see_the_complaint_download(client, make_complaint, agent_a, manager_b,
                                                   advisor_a):  # fmt: skip
    photo = services.attachment_add(
        actor=agent_a, complaint=make_complaint(), upload=SimpleUploadedFile("p.png", PNG)
    )
    client.force_login(manager_b)
    assert client.get(reverse("complaints:attachment", args=[photo.pk])).status_code == 404
    client.force_login(advisor_a)
    assert client.get(reverse("complaints:attachment", args=[photo.pk])).status_code == 403


def test_upload_through_the_page(client, make_complaint, agent_a):
    complaint = make_complaint()
    client.force_login(agent_a)
    response = client.post(reverse("complaints:attachment-upload", args=[complaint.pk]),
                           {"file": SimpleUploadedFile("a.svg", b"<svg onload=alert(1)>")},
                           follow=True)  # fmt: skip
    assert "a.svg: this kind of file is not accepted" in response.content.decode()
    client.post(reverse("complaints:attachment-upload", args=[complaint.pk]),
                {"file": SimpleUploadedFile("a.png", PNG)})  # fmt: skip
    assert complaint.attachments.count() == 1
