"""Who may use each complaint URL (collected by core/tests/test_permission_matrix.py)."""

from types import SimpleNamespace

from dealercare.testing.permissions import ANY, PUBLIC, C, Entry, Gate

from ..models import Complaint, ComplaintAction, ComplaintAttachment, MajorIncidentReport
from .factories import ComplaintFactory

V, H, M, X = C.VIEW_COMPLAINTS, C.HANDLE_COMPLAINTS, C.MANAGE_COMPLAINTS, C.EXPORT_LISTS

TABLE = {
    # --- pages: 403 without the capability anywhere; ids of other stores are 404 -------------
    "complaints:list": Entry(Gate(V)),
    "complaints:create": Entry(Gate(H), post=Gate(H)),  # an empty form is redisplayed
    "complaints:customer-lookup": Entry(Gate(H)),
    "complaints:export": Entry(Gate(X)),
    "complaints:statistics": Entry(Gate(M)),
    "complaints:statistics-xlsx": Entry(Gate(X)),  # and M: every role holding X holds M
    "complaints:analysis": Entry(Gate(M)),
    "complaints:categories": Entry(Gate(M), post=Gate(M)),
    "complaints:notifications": Entry(Gate(ANY), post=Gate(ANY, 302)),
    "complaints:detail": Entry(Gate(V), ("complaint",)),
    # POST only; an empty POST is refused with a message and back to the complaint (302).
    "complaints:transition": Entry(Gate(ANY, 405), ("complaint",), post=Gate(H, 302)),
    "complaints:action": Entry(Gate(ANY, 405), ("complaint",), post=Gate(H, 302)),
    "complaints:classify": Entry(Gate(ANY, 405), ("complaint",), post=Gate(H, 302)),
    "complaints:attachment-upload": Entry(Gate(ANY, 405), ("complaint",), post=Gate(H, 302)),
    "complaints:attachment": Entry(Gate(V), ("complaint_attachment",)),
    "complaints:record": Entry(Gate(V), ("complaint",)),
    "complaints:record-xlsx": Entry(Gate(X), ("complaint",)),
    # The report of a major complaint: seen with V, written with H (an empty form: 200).
    "complaints:report": Entry(Gate(V), ("major_complaint",), post=Gate(H)),
    "complaints:report-xlsx": Entry(Gate(X), ("major_complaint",)),
    "complaints:report-pdf": Entry(Gate(X), ("major_complaint",)),
    # --- the public form: no login (an empty POST redisplays the form) --------------------------
    "complaint-public:index": Entry(Gate(PUBLIC)),
    "complaint-public:stores": Entry(Gate(PUBLIC), ("public_group",)),
    "complaint-public:form": Entry(Gate(PUBLIC), ("public_store",), post=Gate(PUBLIC)),
    # Without a valid ticket the thanks page is 404 for everyone.
    "complaint-public:thanks": Entry(Gate(PUBLIC, 404), ("public_store",)),
    # --- API: 403 for roles without VIEW_COMPLAINTS (permission class first) --------------------
    "api-complaint-list": Entry(Gate(V), post=Gate(H, 400)),
    "api-complaint-detail": Entry(Gate(V), ("complaint",)),
    "api-complaint-transition": Entry(Gate(V, 405), ("complaint",), post=Gate(H, 400)),
    "api-complaint-actions": Entry(Gate(V), ("complaint",), post=Gate(H, 400)),
    "api-complaint-attachments": Entry(Gate(V), ("complaint",), post=Gate(H, 400)),
    "api-complaint-category-list": Entry(Gate(V)),
}


def build(world):
    store = world["store"]
    complaint = ComplaintFactory(store=store, customer=world["customer"], vehicle=world["vehicle"])
    major = ComplaintFactory(store=store, customer=world["customer"], severity="major")
    MajorIncidentReport.objects.create(
        complaint=major, store=store, title="矩阵重大投诉", summary="经过", cause="原因",
        handling="处理", result="结果", prevention="措施",
    )  # fmt: skip
    attachment = ComplaintAttachment(
        complaint=complaint, store=store, original_name="photo.png", content_type="image/png",
        kind="image", size=8, sha256="0" * 64,
    )  # fmt: skip
    attachment.file.save("matrix.png", __import__("io").BytesIO(b"\x89PNG\r\n\x1a\n"), save=False)
    attachment.save()
    return {
        "complaint": complaint, "major_complaint": major, "complaint_attachment": attachment,
        # The public URLs take codes, not ids: objects whose "pk" is the code.
        "public_group": SimpleNamespace(pk=world["group"].code),
        "public_store": SimpleNamespace(pk=store.code),
    }  # fmt: skip


def counts():
    return {
        "complaints": Complaint.objects.count(),
        "complaint_actions": ComplaintAction.objects.count(),
        "complaint_attachments": ComplaintAttachment.objects.count(),
        "major_reports": MajorIncidentReport.objects.count(),
        "complaint_statuses": sorted(Complaint.objects.values_list("status", flat=True)),
    }
