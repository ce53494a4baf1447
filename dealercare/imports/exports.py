"""The rejected rows of an import as an XLSX file (row, column, value, reason), audited."""

import tempfile

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from dealercare.core import audit
from dealercare.core.models import AuditAction

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A spreadsheet runs a cell starting with one of these as a formula (formula injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text a spreadsheet shows and never runs: risky text gets a leading quote."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def rejected_rows_xlsx(*, actor, job):
    """An open temporary file with the job's rejected rows; the download is audited."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Rejected rows")[:31])
    sheet.append([_("Row"), _("Column"), _("Value"), _("Reason")])
    count = 0
    for error in job.row_errors.order_by("row_number", "id").iterator(chunk_size=2000):
        sheet.append([error.row_number, safe_cell(error.column), safe_cell(error.value),
                      safe_cell(error.message)])  # fmt: skip
        count += 1
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115  (FileResponse closes it)
    workbook.save(handle)
    handle.seek(0)
    audit.record(
        actor=actor, action=AuditAction.EXPORT, store=job.store,
        target=("imports.importjob", str(job.pk), str(job)[:200]),
        changes={"rejected_rows": count},
    )  # fmt: skip
    return handle
