"""The complaint flow as a state table (DOMAIN §5); pure, no database.

received → acknowledged → assigned (department and owner) → investigating → solution proposed →
customer accepts (or negotiates, back to proposing) → resolved → satisfaction confirmed → closed;
a resolved, confirmed or closed complaint may be reopened. Services ask `apply()` for the next
status and `allowed()` for the buttons to show; who may fire a transition is `needs_manager()`.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Where a complaint stands."""

    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    ASSIGNED = "assigned"
    INVESTIGATING = "investigating"
    SOLUTION_PROPOSED = "solution_proposed"
    NEGOTIATING = "negotiating"
    ACCEPTED = "accepted"
    RESOLVED = "resolved"
    SATISFACTION_CONFIRMED = "satisfaction_confirmed"
    CLOSED = "closed"


class Transition(StrEnum):
    """A step a person takes on a complaint."""

    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    INVESTIGATE = "investigate"
    PROPOSE = "propose"
    CUSTOMER_ACCEPTS = "customer_accepts"
    CUSTOMER_NEGOTIATES = "customer_negotiates"
    RESOLVE = "resolve"
    CONFIRM_SATISFACTION = "confirm_satisfaction"
    CLOSE = "close"
    REOPEN = "reopen"


S, T = Status, Transition

# transition -> (statuses it may start from, status it leads to)
TABLE: dict[Transition, tuple[frozenset[Status], Status]] = {
    T.ACKNOWLEDGE: (frozenset({S.RECEIVED}), S.ACKNOWLEDGED),
    # Assigning a received complaint acknowledges it too; reassigning keeps the work going.
    T.ASSIGN: (frozenset({S.RECEIVED, S.ACKNOWLEDGED, S.ASSIGNED, S.INVESTIGATING}), S.ASSIGNED),
    T.INVESTIGATE: (frozenset({S.ASSIGNED}), S.INVESTIGATING),
    T.PROPOSE: (frozenset({S.ASSIGNED, S.INVESTIGATING, S.NEGOTIATING}), S.SOLUTION_PROPOSED),
    T.CUSTOMER_ACCEPTS: (frozenset({S.SOLUTION_PROPOSED}), S.ACCEPTED),
    T.CUSTOMER_NEGOTIATES: (frozenset({S.SOLUTION_PROPOSED}), S.NEGOTIATING),
    T.RESOLVE: (frozenset({S.ACCEPTED}), S.RESOLVED),
    T.CONFIRM_SATISFACTION: (frozenset({S.RESOLVED}), S.SATISFACTION_CONFIRMED),
    T.CLOSE: (frozenset({S.SATISFACTION_CONFIRMED}), S.CLOSED),
    T.REOPEN: (frozenset({S.RESOLVED, S.SATISFACTION_CONFIRMED, S.CLOSED}), S.INVESTIGATING),
}

# Assigning work and reopening a finished case are the CS manager's (MANAGE_COMPLAINTS).
MANAGER_TRANSITIONS = frozenset({T.ASSIGN, T.REOPEN})
OPEN_STATUSES = frozenset(Status) - {S.CLOSED}
# The acknowledgement limit stops once acknowledged; the solution limit once one is proposed.
ACKNOWLEDGED_STATUSES = frozenset(Status) - {S.RECEIVED}
SOLUTION_STATUSES = frozenset(
    {S.SOLUTION_PROPOSED, S.ACCEPTED, S.RESOLVED, S.SATISFACTION_CONFIRMED, S.CLOSED}
)


class TransitionError(ValueError):
    """The transition cannot start from the complaint's status."""

    def __init__(self, status: Status, transition: Transition):
        super().__init__(f"{transition} is not possible from {status}.")
        self.status = status
        self.transition = transition


def apply(status: Status | str, transition: Transition | str) -> Status:
    """The status after `transition`, or TransitionError when it cannot start from `status`."""
    status, transition = Status(status), Transition(transition)
    sources, target = TABLE[transition]
    if status not in sources:
        raise TransitionError(status, transition)
    return target


def allowed(status: Status | str) -> tuple[Transition, ...]:
    """The transitions that may start from `status`, in the table's order."""
    status = Status(status)
    return tuple(t for t, (sources, _target) in TABLE.items() if status in sources)


def needs_manager(transition: Transition | str) -> bool:
    """True when only a CS manager (not the complaint's owner) may fire `transition`."""
    return Transition(transition) in MANAGER_TRANSITIONS


def is_open(status: Status | str) -> bool:
    return Status(status) in OPEN_STATUSES
