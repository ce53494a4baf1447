"""Store B's complaint records, id-guessed and searched by core/tests/test_store_isolation.py."""

import io

from ..models import ComplaintAttachment, ComplaintCategory, MajorIncidentReport
from .factories import ComplaintFactory

B_IDS = {"complaint": 900501, "complaint_attachment": 900502, "complaint_category": 900503,
         "major_report": 900504, "major_complaint": 900505}  # fmt: skip
B_MARKERS = ("乙店投诉隔离标记", "乙店重大投诉报告", "乙店类别隔离", "乙店附件.png", "SZ01-T900501")


def build_store_b(b):
    store, customer = b["store_b"], b["b_customer"]
    complaint = ComplaintFactory(
        id=B_IDS["complaint"], store=store, customer=customer, vehicle=b["b_vehicle"],
        number="SZ01-T900501", description="乙店投诉隔离标记", contact_mobile=customer.mobile,
    )  # fmt: skip
    major = ComplaintFactory(id=B_IDS["major_complaint"], store=store, customer=customer,
                             number="SZ01-T900505", severity="major")  # fmt: skip
    MajorIncidentReport.objects.create(
        id=B_IDS["major_report"], complaint=major, store=store, title="乙店重大投诉报告",
        summary="乙店重大投诉报告", cause="x", handling="x", result="x", prevention="x",
    )  # fmt: skip
    ComplaintCategory.objects.create(id=B_IDS["complaint_category"], store=store, code="b_only",
                                     name="乙店类别隔离")  # fmt: skip
    attachment = ComplaintAttachment(
        id=B_IDS["complaint_attachment"], complaint=complaint, store=store,
        original_name="乙店附件.png", content_type="image/png", kind="image", size=8,
        sha256="0" * 64,
    )  # fmt: skip
    attachment.file.save("b.png", io.BytesIO(b"\x89PNG\r\n\x1a\n"), save=False)
    attachment.save()
