"""Importing an external research firm's results from an Excel workbook (DOMAIN §4).

The first sheet has a header row: ``customer_no`` or ``mobile`` (who answered), ``answered_on``
(the interview date), optionally ``ref`` (the study's own response id), then one column per
item of the chosen questionnaire, named by the item's code or its exact question. The results
are kept apart (source = external, channel = external) and may come with the study's own
dimension weights. All or nothing: every row is checked first; any error (row, column, reason)
refuses the whole file and nothing is written.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from dealercare.accounts.access import access_for
from dealercare.accounts.roles import Capability
from dealercare.core import audit
from dealercare.core.errors import ApplicationError
from dealercare.core.models import AuditAction
from dealercare.core.validators import normalize_mobile
from dealercare.customers.models import Customer

from . import scoring, services
from .choices import ResponseChannel, ResponseSource
from .models import ExternalImport

MAX_ROWS = 20000
MAX_ERRORS = 200
WHO_COLUMNS = ("customer_no", "mobile")
DATE_COLUMN = "answered_on"
REF_COLUMN = "ref"
HEADER_ALIASES = {
    "客户编号": "customer_no", "customer no.": "customer_no", "手机": "mobile",
    "手机号": "mobile", "日期": "answered_on", "调查日期": "answered_on", "编号": "ref",
}  # fmt: skip


@dataclass(frozen=True)
class RowError:
    """One reason a row was refused: Excel row number, column header, why."""

    row: int
    column: str
    reason: str

    def as_dict(self):
        return {"row": self.row, "column": self.column, "reason": self.reason}


def parse_weights(text) -> dict[str, str]:
    """The study's weights from "code=weight" lines or a {code: weight} mapping, normalised
    exactly ("22, 18, 20, 20, 20" become 11/50 ...); {} when none are given."""
    if not text:
        return {}
    if isinstance(text, dict):
        pairs = list(text.items())
    else:
        pairs = []
        for line in str(text).replace(";", "\n").replace(",", "\n").splitlines():
            if not line.strip():
                continue
            if "=" not in line:
                raise ApplicationError(
                    _("Write each weight as dimension=weight; “%(line)s” is not.")
                    % {"line": line.strip()}
                )
            code, weight = line.split("=", 1)
            pairs.append((code.strip(), weight.strip()))
    try:
        shares = scoring.normalise_weights({code: str(weight) for code, weight in pairs})
    except ValueError as error:
        raise ApplicationError(str(error)) from error
    return {code: str(share) for code, share in shares.items()}


def read_rows(data: bytes):
    """(header, rows) of the first sheet: header as normalised names, rows as lists of cells."""
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (CalamineError, ValueError, IndexError, OSError):
        raise ApplicationError(
            _("The file cannot be read as an Excel workbook (.xlsx). Save it again and retry.")
        ) from None
    rows = [row for row in rows if any(str(cell).strip() for cell in row)]
    if not rows:
        raise ApplicationError(_("The workbook is empty."))
    header = [HEADER_ALIASES.get(str(c).strip(), str(c).strip()) for c in rows[0]]
    if len(rows) - 1 > MAX_ROWS:
        raise ApplicationError(_("At most %(max)s rows per file.") % {"max": MAX_ROWS})
    return header, rows[1:]


def _date(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _cell(value):
    """A cell as the answer services expect: whole floats become ints, blanks None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, float):
        return str(value)
    return value


def external_import(*, actor, store, questionnaire, study, file_name, data, weights=None):
    """Check every row, then import all of them in one transaction (or none)."""
    access_for(actor).require(Capability.MANAGE_SURVEYS, store)
    version = services.published_version(questionnaire)
    if version is None:
        raise ApplicationError(services.MSG_NOT_PUBLISHED)
    study = (study or "").strip()
    if not study:
        raise ApplicationError(_("Name the study (e.g. the research firm and the wave)."))
    shares = parse_weights(weights)
    header, rows = read_rows(data)
    items = list(version.items.select_related("dimension"))
    by_header = {item.code: item for item in items} | {item.text: item for item in items}
    errors = []
    if not any(name in header for name in WHO_COLUMNS):
        errors.append(RowError(1, "customer_no", _("A column customer_no or mobile is needed.")))
    if DATE_COLUMN not in header:
        errors.append(RowError(1, DATE_COLUMN, _("A column answered_on is needed.")))
    known = {*WHO_COLUMNS, DATE_COLUMN, REF_COLUMN}
    unknown = [name for name in header if name and name not in known and name not in by_header]
    for name in unknown:
        errors.append(RowError(1, name, _("Not an item of this questionnaire.")))
    if shares:
        dimensions = {item.dimension.code for item in items if item.is_scored}
        for code in shares:
            if code not in dimensions:
                errors.append(
                    RowError(
                        0,
                        "weights",
                        _("“%(code)s” is not a dimension of this questionnaire.") % {"code": code},
                    )  # fmt: skip
                )
    if errors:
        raise _refused(errors)
    customers = _customers(store, header, rows)
    parsed = []
    for offset, row in enumerate(rows):
        number = offset + 2
        values = dict(zip(header, row, strict=False))
        customer = _who(customers, values)
        if customer is None:
            errors.append(RowError(number, "customer_no", _("No such customer in this store.")))
        day = _date(values.get(DATE_COLUMN))
        if day is None:
            errors.append(RowError(number, DATE_COLUMN, _("A date like 2026-03-31 is needed.")))
        answers = {
            by_header[name].code: _cell(value)
            for name, value in values.items()
            if name in by_header and _cell(value) is not None
        }
        try:
            services.clean_answers(items, answers)
        except ApplicationError as error:
            column = error.extra.get("item") or _column_of(error, items)
            errors.append(RowError(number, column, str(error.message)))
        if len(errors) >= MAX_ERRORS:
            break
        parsed.append((customer, day, answers, str(values.get(REF_COLUMN) or "")[:60]))
    if errors:
        raise _refused(errors)
    return _write(actor, store, version, study, file_name, shares, parsed)


def _column_of(error, items):
    message = str(error.message)
    return next((item.code for item in items if f"“{item.text}”" in message), "")


def _refused(errors):
    return ApplicationError(
        _("The file was not imported: %(count)s problem(s). Nothing was saved.")
        % {"count": len(errors)},
        extra={"errors": [error.as_dict() for error in errors[:MAX_ERRORS]]},
    )


def _customers(store, header, rows):
    numbers, mobiles = set(), set()
    for row in rows:
        values = dict(zip(header, row, strict=False))
        if values.get("customer_no"):
            numbers.add(str(values["customer_no"]).strip())
        if values.get("mobile"):
            mobiles.add(normalize_mobile(str(_cell(values["mobile"]))) or "")
    found = Customer.objects.filter(store=store, merged_into__isnull=True).filter(
        number__in=numbers
    ) | Customer.objects.filter(store=store, merged_into__isnull=True, mobile__in=mobiles)
    by_number, by_mobile = {}, {}
    for customer in found.select_related("store"):
        by_number[customer.number] = customer
        by_mobile.setdefault(customer.mobile, customer)
    return by_number, by_mobile


def _who(customers, values):
    by_number, by_mobile = customers
    if values.get("customer_no"):
        return by_number.get(str(values["customer_no"]).strip())
    if values.get("mobile"):
        return by_mobile.get(normalize_mobile(str(_cell(values["mobile"]))) or "")
    return None


@transaction.atomic
def _write(actor, store, version, study, file_name, shares, parsed):
    batch = ExternalImport.objects.create(
        store=store, study=study[:100], file_name=file_name[:200], dimension_weights=shares,
        imported_by=actor,
    )  # fmt: skip
    weights = {k: scoring.exact(v) for k, v in shares.items()} or None
    tz = store.tzinfo
    for customer, day, answers, ref in parsed:
        answered_at = datetime.datetime.combine(day, datetime.time(12, 0), tzinfo=tz)
        services.response_record(
            actor=actor, store=store, version=version, customer=customer,
            channel=ResponseChannel.EXTERNAL, answers=answers, answered_at=answered_at,
            source=ResponseSource.EXTERNAL, external_import=batch, external_ref=ref,
            weights=weights, enforce_interval=False,
        )  # fmt: skip
    batch.responses_count = len(parsed)
    batch.save(update_fields=["responses_count", "updated_at"])
    audit.record(actor=actor, action=AuditAction.CREATE, target=batch, store=store,
                 changes={"responses": len(parsed)})  # fmt: skip
    return batch
