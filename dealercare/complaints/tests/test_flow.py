"""The complaint flow's state table (pure)."""

import pytest

from dealercare.complaints import flow
from dealercare.complaints.flow import Status as S
from dealercare.complaints.flow import Transition as T


@pytest.mark.parametrize(
    ("status", "transition", "after"),
    [
        (S.RECEIVED, T.ACKNOWLEDGE, S.ACKNOWLEDGED),
        (S.RECEIVED, T.ASSIGN, S.ASSIGNED),
        (S.ACKNOWLEDGED, T.ASSIGN, S.ASSIGNED),
        (S.INVESTIGATING, T.ASSIGN, S.ASSIGNED),
        (S.ASSIGNED, T.INVESTIGATE, S.INVESTIGATING),
        (S.ASSIGNED, T.PROPOSE, S.SOLUTION_PROPOSED),
        (S.INVESTIGATING, T.PROPOSE, S.SOLUTION_PROPOSED),
        (S.SOLUTION_PROPOSED, T.CUSTOMER_ACCEPTS, S.ACCEPTED),
        (S.SOLUTION_PROPOSED, T.CUSTOMER_NEGOTIATES, S.NEGOTIATING),
        (S.NEGOTIATING, T.PROPOSE, S.SOLUTION_PROPOSED),
        (S.ACCEPTED, T.RESOLVE, S.RESOLVED),
        (S.RESOLVED, T.CONFIRM_SATISFACTION, S.SATISFACTION_CONFIRMED),
        (S.SATISFACTION_CONFIRMED, T.CLOSE, S.CLOSED),
        (S.CLOSED, T.REOPEN, S.INVESTIGATING),
        (S.RESOLVED, T.REOPEN, S.INVESTIGATING),
    ],
)
def test_each_step_leads_where_the_table_says(status, transition, after):
    assert flow.apply(status, transition) == after


@pytest.mark.parametrize(
    ("status", "transition"),
    [
        (S.RECEIVED, T.PROPOSE),
        (S.RECEIVED, T.CLOSE),
        (S.ACKNOWLEDGED, T.ACKNOWLEDGE),
        (S.SOLUTION_PROPOSED, T.RESOLVE),
        (S.ACCEPTED, T.CLOSE),
        (S.RESOLVED, T.CLOSE),
        (S.CLOSED, T.ASSIGN),
        (S.INVESTIGATING, T.REOPEN),
        (S.NEGOTIATING, T.CUSTOMER_ACCEPTS),
    ],
)
def test_a_step_out_of_order_is_refused(status, transition):
    with pytest.raises(flow.TransitionError) as error:
        flow.apply(status, transition)
    assert error.value.status == status
    assert error.value.transition == transition


def test_every_status_but_closed_is_open_and_every_status_has_a_way_on():
    assert {s for s in S if flow.is_open(s)} == set(S) - {S.CLOSED}
    assert all(flow.allowed(s) for s in S)


def test_the_buttons_offered_follow_the_table():
    assert flow.allowed(S.SOLUTION_PROPOSED) == (T.CUSTOMER_ACCEPTS, T.CUSTOMER_NEGOTIATES)
    assert flow.allowed(S.CLOSED) == (T.REOPEN,)
    assert T.ACKNOWLEDGE in flow.allowed(S.RECEIVED)


def test_only_assigning_and_reopening_need_a_manager():
    assert {t for t in T if flow.needs_manager(t)} == {T.ASSIGN, T.REOPEN}


def test_the_happy_path_reaches_closed_from_received():
    status = S.RECEIVED
    for step in (T.ACKNOWLEDGE, T.ASSIGN, T.INVESTIGATE, T.PROPOSE, T.CUSTOMER_NEGOTIATES,
                 T.PROPOSE, T.CUSTOMER_ACCEPTS, T.RESOLVE, T.CONFIRM_SATISFACTION, T.CLOSE):  # fmt: skip
        status = flow.apply(status, step)
    assert status == S.CLOSED
