"""The customer list as an XLSX file: masked unless revealable, formula-safe, audited."""

import tempfile
from dataclasses import dataclass
from typing import IO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from dealercare.accounts.access import access_for
from dealercare.accounts.roles import Capability
from dealercare.core import audit
from dealercare.core.models import AuditAction
from dealercare.core.validators import mask_mobile

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A spreadsheet runs a cell starting with one of these as a formula (CSV/formula injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
AUDIT_TARGET = ("customers.customer", "", "customer list")


def safe_cell(value):
    """A value that a spreadsheet shows as text, never runs: risky text gets a leading quote."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


@dataclass
class Export:
    file: IO[bytes]
    rows: int


def _header():
    return [
        _("Customer no."), _("Name"), _("Kind"), _("Mobile"), _("Type"), _("Tier"),
        _("Lifecycle"), _("Store"), _("Tags"), _("Plates"), _("City"), _("Last service visit"),
        _("Last delivery"), _("Accepts phone calls"), _("Accepts SMS"), _("Accepts marketing"),
        _("In archive since"),
    ]  # fmt: skip


def _yes_no(value):
    return _("yes") if value else _("no")


def customer_list_export(*, actor, customers, filters, store=None):
    """Write `customers` (a scoped, filtered queryset) to an XLSX temp file and audit the export.

    Mobiles are masked unless `actor` may reveal numbers in that customer's store.
    """
    access = access_for(actor)
    export_store_ids = set(access.store_ids(Capability.EXPORT_LISTS))
    reveal_store_ids = set(access.store_ids(Capability.REVEAL_PHONE))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Customers")[:31])
    sheet.append([safe_cell(h) for h in _header()])
    rows = unmasked = 0
    for c in customers.iterator(chunk_size=1000):
        if c.store_id not in export_store_ids:
            continue  # the caller scoped already; never trust it with personal data
        full = c.store_id in reveal_store_ids
        unmasked += bool(full and c.mobile)
        vehicles = getattr(c, "listed_vehicles", None) or c.vehicles.all()
        row = [
            c.number, c.name, c.get_kind_display(), c.mobile if full else mask_mobile(c.mobile),
            c.get_customer_type_display(), c.value_tier, c.get_lifecycle_state_display(),
            c.store.name, ", ".join(t.name for t in c.tags.all()),
            ", ".join(v.plate for v in vehicles if v.plate), c.city, c.last_visit_on,
            c.last_delivery_on, _yes_no(c.allow_phone), _yes_no(c.allow_sms),
            _yes_no(c.allow_marketing), timezone.localdate(c.created_at),
        ]  # fmt: skip
        sheet.append([safe_cell(v) for v in row])
        rows += 1
    file = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it after sending)
    workbook.save(file)
    file.seek(0)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action=AuditAction.EXPORT,
            target=AUDIT_TARGET,
            changes={"filters": filters, "rows": rows, "unmasked_mobiles": unmasked},
            store=store,
        )
    return Export(file=file, rows=rows)
