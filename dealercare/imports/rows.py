"""From raw cells (a file row) or values (an API item) to a CleanRow: typed values per entity
(customer, vehicle, event) and the reasons of every cell that could not be used; pure."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from dealercare.operations.choices import VisitStatus

from . import cleaning
from .columns import ALL_COLUMNS, CUSTOMER, EVENT, VEHICLE

MSG_OUT_BEFORE_IN = _("The vehicle cannot leave before it came in.")
MSG_FINISHED_NEEDS_OUT = _("A finished visit needs the time the vehicle left.")
MAX_ERROR_VALUE = 100


@dataclass(slots=True)
class RowError:
    """One reason a row was rejected: the field (key) it concerns, the value, the message."""

    number: int
    field: str
    value: str
    message: str


@dataclass(slots=True)
class CleanRow:
    number: int
    customer: dict = field(default_factory=dict)
    vehicle: dict = field(default_factory=dict)
    event: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)  # field key -> the value as given (error messages)
    errors: list = field(default_factory=list)

    def fail(self, field_key, message):
        self.errors.append(
            RowError(self.number, field_key, shown_value(field_key, self.raw.get(field_key)),
                     str(message))
        )  # fmt: skip


def shown_value(field_key, raw):
    """A rejected value as the error list shows it: short, and a phone number masked."""
    if cleaning.is_blank(raw):
        return ""
    text = cleaning.as_text(raw)
    if field_key in ("mobile", "phone_other"):
        from dealercare.core.validators import mask_mobile

        digits = "".join(ch for ch in text if ch.isdigit())
        return mask_mobile(digits) if len(digits) >= 8 else "*" * len(digits)
    if len(text) > MAX_ERROR_VALUE:
        return text[: MAX_ERROR_VALUE - 1] + "…"
    return text


_TARGET = {CUSTOMER: "customer", VEHICLE: "vehicle", EVENT: "event"}


class RowBuilder:
    """Converts rows for a fixed set of fields: `plan` is [(cell index or value key, field key)]."""

    def __init__(self, plan, tz):
        self.tz = tz
        self.plan_spec = list(plan)  # as given: a cleaning process builds its own from it
        self.plan = [(where, ALL_COLUMNS[key]) for where, key in plan]

    def build(self, number, cells):
        """A CleanRow from a list of cells (index plan) or a dict of values (key plan)."""
        row = CleanRow(number)
        is_list = isinstance(cells, list | tuple)
        width = len(cells) if is_list else 0
        tz = self.tz
        for where, col in self.plan:
            raw = (cells[where] if where < width else None) if is_list else cells.get(where)
            if raw is None or raw == "" or (isinstance(raw, str) and not raw.strip()):
                continue
            try:
                value = col.convert(raw, tz)
            except cleaning.CellError as error:
                row.raw[col.key] = raw
                row.fail(col.key, error.message)
                continue
            if value is None:
                continue
            row.raw[col.key] = raw
            getattr(row, _TARGET[col.entity])[col.attr] = value
        if row.event:
            check_visit(row)
        return row


def check_visit(row):
    """Rules of a repair order that need two cells: out after in; a date out means finished
    (unless the file says otherwise). The engine checks the merged record again."""
    event = row.event
    if "repair_order_no" not in event and "date_in" not in event and "date_out" not in event:
        return
    date_in, date_out = event.get("date_in"), event.get("date_out")
    if date_in and date_out and date_out < date_in:
        row.fail("date_out", MSG_OUT_BEFORE_IN)
    if "status" not in event and date_out:
        event["status"] = VisitStatus.FINISHED
