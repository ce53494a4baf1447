"""The CS manager's follow-up rules: the store's list and the edit form (window, customer types,
channel, scripts, SMS text, attempts), with a preview of the window for an example event."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from dealercare.accounts.access import access_for
from dealercare.accounts.roles import Capability
from dealercare.core.errors import ApplicationError
from dealercare.core.workdays import from_local, to_local
from dealercare.customers.choices import CustomerType

from .. import rules, selectors, services
from ..choices import Channel, TaskKind
from ..models import FollowUpRule
from ..scripts import PLACEHOLDERS

C = Capability
HOURS, DAY = "hours", "day"


def _rules(user):
    return selectors.rules_for_user(user, C.MANAGE_STORE)


@login_required
@require_GET
def rule_list(request):
    """The follow-up rules of the stores the user manages, per store."""
    access = access_for(request.user)
    if not access.has_anywhere(C.MANAGE_STORE):
        raise PermissionDenied
    for store in access.stores(C.MANAGE_STORE):
        services.store_rules(store)  # a store without rules gets the defaults to edit
    rules_by_store = {}
    for rule in _rules(request.user).order_by("store__code", "event", "id"):
        rules_by_store.setdefault(rule.store, []).append(rule)
    return render(
        request,
        "followups/supervision/rule_list.html",
        {"page_title": _("Follow-up rules"), "rules_by_store": rules_by_store},
    )


class RuleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("name"), max_length=100, required=False)
    kind = forms.ChoiceField(label=gettext_lazy("task kind"), choices=TaskKind.choices)
    opens = forms.ChoiceField(
        label=gettext_lazy("The window opens"),
        choices=[
            (HOURS, gettext_lazy("some hours after the event")),
            (DAY, gettext_lazy("on a day after the event")),
        ],  # fmt: skip
        widget=forms.RadioSelect,
    )
    earliest_hours = forms.IntegerField(
        label=gettext_lazy("hours after the event"), min_value=0, max_value=24 * 60, required=False
    )
    earliest_day = forms.IntegerField(
        label=gettext_lazy("opens on day"), min_value=0, max_value=366, required=False,
        help_text=gettext_lazy("Day 0 is the day of the event."),
    )  # fmt: skip
    earliest_working_days = forms.BooleanField(
        label=gettext_lazy("count working days to the opening day"), required=False
    )
    due_day = forms.IntegerField(
        label=gettext_lazy("due by the end of day"), min_value=0, max_value=366, required=False,
        help_text=gettext_lazy("Empty: due by the end of the calling day it opens."),
    )  # fmt: skip
    due_working_days = forms.BooleanField(
        label=gettext_lazy("count working days to the due day"), required=False
    )
    customer_types = forms.MultipleChoiceField(
        label=gettext_lazy("customer types"), choices=CustomerType.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every customer type."),
    )  # fmt: skip
    channel = forms.ChoiceField(label=gettext_lazy("channel"), choices=Channel.choices)
    script_template = forms.CharField(
        label=gettext_lazy("script"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    script_template_vip = forms.CharField(
        label=gettext_lazy("script for VIP customers"), required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )  # fmt: skip
    script_template_enterprise = forms.CharField(
        label=gettext_lazy("script for enterprise customers"), required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )  # fmt: skip
    sms_template = forms.CharField(
        label=gettext_lazy("SMS text"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    max_attempts = forms.IntegerField(
        label=gettext_lazy("attempts before unreachable"), min_value=1, max_value=10
    )
    is_active = forms.BooleanField(label=gettext_lazy("active"), required=False)
    example = forms.DateTimeField(
        label=gettext_lazy("Example event time"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )  # fmt: skip

    def __init__(self, *args, rule, **kwargs):
        self.rule = rule
        super().__init__(*args, **kwargs)
        for bound in self:
            widget = bound.field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif not isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
                css = "form-select" if isinstance(widget, forms.Select) else "form-control"
                widget.attrs["class"] = css + (" is-invalid" if bound.errors else "")

    @classmethod
    def initial_for(cls, rule, example):
        initial = {name: getattr(rule, name) for name in FollowUpRule.EDITABLE_FIELDS}
        initial["opens"] = HOURS if rule.earliest_hours is not None else DAY
        initial["example"] = example
        return initial

    def clean(self):
        data = super().clean()
        opens = data.get("opens")
        if opens == HOURS:
            if data.get("earliest_hours") is None:
                self.add_error("earliest_hours", _("Give the hours after the event."))
            data["earliest_day"] = None
            data["earliest_working_days"] = False
        elif opens == DAY:
            if data.get("earliest_day") is None:
                self.add_error("earliest_day", _("Give the day the window opens."))
            data["earliest_hours"] = None
        unknown = self._unknown_placeholders(data)
        for name, names in unknown.items():
            self.add_error(
                name,
                _("Unknown placeholders: %(names)s. Use: %(known)s")
                % {"names": ", ".join(names), "known": ", ".join(sorted(PLACEHOLDERS))},
            )
        return data

    @staticmethod
    def _unknown_placeholders(data):
        import re

        unknown = {}
        for name in ("script_template", "script_template_vip", "script_template_enterprise",
                     "sms_template"):  # fmt: skip
            found = set(re.findall(r"\{(\w+)\}", data.get(name) or ""))
            missing = sorted(found - set(PLACEHOLDERS))
            if missing:
                unknown[name] = missing
        return unknown

    def rule_fields(self):
        return {name: self.cleaned_data[name] for name in FollowUpRule.EDITABLE_FIELDS}

    def window_rule(self):
        data = self.cleaned_data
        return rules.WindowRule(
            code=self.rule.code, event=rules.Event(self.rule.event),
            earliest_hours=data.get("earliest_hours"), earliest_day=data.get("earliest_day"),
            earliest_working_days=data.get("earliest_working_days", False),
            due_day=data.get("due_day"), due_working_days=data.get("due_working_days", False),
        )  # fmt: skip


def preview(rule, window_rule, example_local: datetime.datetime):
    """The window of `window_rule` for events at the example time and at two telling moments
    (19:30, after calling hours; the next Friday 16:00, before a weekend), in the store's zone."""
    store = rule.store
    schedule = services.store_schedule(store)
    tz = store.tzinfo
    day = example_local.date()
    friday = day + datetime.timedelta(days=(4 - day.weekday()) % 7)
    examples = [
        (_("Your example"), example_local),
        (_("Evening, after calling hours"), datetime.datetime.combine(day, datetime.time(19, 30))),
        (_("Friday afternoon"), datetime.datetime.combine(friday, datetime.time(16, 0))),
    ]
    rows = []
    for label, local in examples:
        try:
            window = schedule.window(window_rule, from_local(local, tz))
        except ValueError as error:
            return [], str(error)
        rows.append({
            "label": label, "event": local,
            "opens": to_local(window.window_start, tz), "due": to_local(window.due_at, tz),
        })  # fmt: skip
    warnings = {
        schedule.calendar.warning_for(row[key].date())
        for row in rows for key in ("event", "due")
    } - {None}  # fmt: skip
    return rows, " ".join(sorted(warnings))


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request, pk):
    """Edit one rule; "Preview" shows the window for the form's values without saving."""
    try:
        rule = _rules(request.user).get(pk=pk)
    except (FollowUpRule.DoesNotExist, ValueError):
        raise Http404 from None
    tz = rule.store.tzinfo
    now_local = to_local(timezone.now(), tz).replace(second=0, microsecond=0, tzinfo=None)
    if request.method == "POST":
        form = RuleForm(request.POST, rule=rule)
    else:
        form = RuleForm(initial=RuleForm.initial_for(rule, now_local), rule=rule)
    preview_rows, preview_warning = [], ""
    if request.method == "POST" and form.is_valid() and "preview" not in request.POST:
        try:
            services.rule_update(actor=request.user, rule=rule, fields=form.rule_fields())
        except ValidationError as error:
            _add_model_errors(form, error)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Rule “%(rule)s” saved.") % {"rule": rule})
            return redirect("followups:rule-list")
    if form.is_bound and form.is_valid():
        window_rule, example = form.window_rule(), form.cleaned_data.get("example")
    else:
        window_rule, example = rule.window_rule(), None
    example = example.replace(tzinfo=None) if example else now_local
    if not form.is_bound or form.is_valid():
        preview_rows, preview_warning = preview(rule, window_rule, example)
    return render(
        request,
        "followups/supervision/rule_form.html",
        {
            "page_title": _("Edit follow-up rule"),
            "rule": rule,
            "form": form,
            "preview_rows": preview_rows,
            "preview_warning": preview_warning,
            "placeholders": sorted(PLACEHOLDERS),
        },
    )


def _add_model_errors(form, error: ValidationError):
    """The model's validation errors on the form's fields (or on top when it has no such one)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)
