"""Forms of the agent's pages: the call console's attempt, hand-offs and their status changes."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from dealercare.accounts.roles import Role
from dealercare.core.workdays import from_local

from .choices import AttemptOutcome, CallSatisfaction, Department, HandOffStatus
from .handoffs import owner_choices

# The console's hotkeys: digit → outcome (shown on the buttons, used by the keyboard script).
OUTCOME_KEYS = (
    ("1", AttemptOutcome.REACHED),
    ("2", AttemptOutcome.NO_ANSWER),
    ("3", AttemptOutcome.BUSY),
    ("4", AttemptOutcome.WRONG_NUMBER),
    ("5", AttemptOutcome.REFUSED),
    ("6", AttemptOutcome.CALL_BACK),
)
MSG_CALL_BACK_REQUIRED = _("Give the time the customer asked to be called back.")
MSG_STOP_CALLS_REFUSED = _("Tick this only with the outcome “Refused the call”.")


class AttemptForm(forms.Form):
    """One call's outcome; the call-back time is typed on the store's wall clock."""

    outcome = forms.ChoiceField(label=_("Outcome"), choices=AttemptOutcome.choices)
    satisfaction = forms.ChoiceField(
        label=_("Customer satisfaction"),
        choices=[("", "—"), *CallSatisfaction.choices],
        required=False,
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea)
    stop_calls = forms.BooleanField(
        label=_("The customer asks not to be called again: follow-ups go by SMS"),
        required=False,
    )
    call_back_at = forms.DateTimeField(
        label=_("Call back at"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, store=None, **kwargs):
        self.store = store
        super().__init__(*args, **kwargs)

    def clean_call_back_at(self):
        value = self.cleaned_data.get("call_back_at")
        if value is None or self.store is None:
            return value
        # The agent types the store's local time, whatever the server's zone.
        return from_local(value.replace(tzinfo=None), self.store.tzinfo)

    def clean(self):
        data = super().clean()
        if data.get("outcome") == AttemptOutcome.CALL_BACK and not data.get("call_back_at"):
            self.add_error("call_back_at", MSG_CALL_BACK_REQUIRED)
        if data.get("outcome") != AttemptOutcome.REACHED:
            data["satisfaction"] = ""
        if data.get("stop_calls") and data.get("outcome") != AttemptOutcome.REFUSED:
            self.add_error("stop_calls", MSG_STOP_CALLS_REFUSED)
        return data


class HandOffForm(forms.Form):
    """A problem found on a call, handed to a department with an owner and a due date."""

    department = forms.ChoiceField(label=_("Department"), choices=Department.choices)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int)
    due_on = forms.DateField(
        label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, store, department=None, **kwargs):
        super().__init__(*args, **kwargs)
        rows = owner_choices(store, department)
        self.owners = {user.pk: user for user, _role in rows}
        self.fields["owner"].choices = [
            (user.pk, f"{user} · {Role(role).label}") for user, role in rows
        ]

    def clean_owner(self):
        return self.owners.get(self.cleaned_data["owner"])


class HandOffMoveForm(forms.Form):
    """The next step of a hand-off, with a note (the result, when resolving)."""

    status = forms.ChoiceField(label=_("New status"), choices=HandOffStatus.choices)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


def default_due_on(today: dt.date) -> dt.date:
    """A hand-off is due in 3 days unless the agent says otherwise (the solution time limit of
    DOMAIN §5 is 3 working days; the owner can agree another date)."""
    return today + dt.timedelta(days=3)
