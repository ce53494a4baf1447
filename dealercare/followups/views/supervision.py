"""The supervisor's side of the queue: every task of the supervised stores, filtered; assigning
and reassigning tasks to agents, cancelling one with a reason; each agent's load and the
forbidden phrases found in their notes (with the notes behind the counts)."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dealercare.accounts.access import access_for
from dealercare.accounts.models import StoreMembership, User
from dealercare.accounts.roles import Capability, capabilities_of
from dealercare.core.errors import ApplicationError
from dealercare.core.validators import mask_mobile

from .. import queue, reports, selectors, services
from ..choices import OPEN_STATUSES, TaskKind, TaskStatus
from ..models import FollowUpTask

C = Capability
PAGE_SIZE = 50
MAX_BULK = 500
POOL = "pool"


def require_supervisor(user):
    if not access_for(user).has_anywhere(C.SUPERVISE_FOLLOWUPS):
        raise PermissionDenied


def supervised_tasks(user):
    """Every task of the stores where `user` supervises follow-ups."""
    return FollowUpTask.objects.filter(
        store_id__in=access_for(user).store_ids(C.SUPERVISE_FOLLOWUPS)
    ).select_related("customer", "vehicle", "store", "owner", "claimed_by")


def agents_of(store_ids) -> list[User]:
    """The users who may work follow-ups in any of `store_ids` (by their role there)."""
    rows = StoreMembership.objects.filter(store_id__in=store_ids, user__is_active=True).values_list(
        "user_id", "role"
    )
    ids = {user_id for user_id, role in rows if C.WORK_FOLLOWUPS in capabilities_of(role)}
    return list(User.objects.filter(pk__in=ids).order_by("display_name", "username"))


def _name(user):
    return (user.display_name or user.username) if user else ""


class QueueFilterForm(forms.Form):
    store = forms.TypedChoiceField(
        label=gettext_lazy("store"), required=False, coerce=int, empty_value=None
    )
    kind = forms.ChoiceField(label=gettext_lazy("task kind"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("status"), required=False)
    agent = forms.ChoiceField(label=gettext_lazy("assigned to"), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)
    due_from = forms.DateField(
        label=gettext_lazy("due from"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    due_to = forms.DateField(
        label=gettext_lazy("due to"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip

    def __init__(self, *args, stores, agents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = [("", _("All stores")),
                                        *[(s.pk, f"{s.code} {s.name}") for s in stores]]  # fmt: skip
        self.fields["kind"].choices = [("", _("All kinds")), *TaskKind.choices]
        self.fields["status"].choices = [
            ("", _("Open (waiting or in progress)")), ("all", _("All statuses")),
            *TaskStatus.choices,
        ]  # fmt: skip
        self.fields["agent"].choices = [("", _("Anyone")), (POOL, _("The pool (nobody)")),
                                        *[(str(a.pk), _name(a)) for a in agents]]  # fmt: skip
        for bound in self:
            widget = bound.field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            else:
                css = "form-select" if isinstance(widget, forms.Select) else "form-control"
                widget.attrs["class"] = css + (" is-invalid" if bound.errors else "")

    def clean(self):
        data = super().clean()
        if data.get("due_from") and data.get("due_to") and data["due_to"] < data["due_from"]:
            self.add_error("due_to", _("The end date is before the start date."))
        return data

    def apply(self, tasks, tz, now):
        """`tasks` narrowed by the valid filters (an invalid form filters nothing but status)."""
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status", "")
        if status == "":
            tasks = tasks.filter(status__in=OPEN_STATUSES)
        elif status != "all":
            tasks = tasks.filter(status=status)
        if data.get("store"):
            tasks = tasks.filter(store_id=data["store"])
        if data.get("kind"):
            tasks = tasks.filter(kind=data["kind"])
        agent = data.get("agent")
        if agent == POOL:
            tasks = tasks.filter(owner__isnull=True)
        elif agent:
            tasks = tasks.filter(Q(owner_id=int(agent)) | Q(claimed_by_id=int(agent)))
        if data.get("overdue"):
            tasks = tasks.filter(status__in=OPEN_STATUSES, due_at__lt=now)
        if data.get("due_from"):
            day = data["due_from"]
            tasks = tasks.filter(due_at__gte=reports.Period(day, day).bounds(tz)[0])
        if data.get("due_to"):
            day = data["due_to"]
            tasks = tasks.filter(due_at__lt=reports.Period(day, day).bounds(tz)[1])
        return tasks


def _mobiles(user, tasks):
    """Each task's customer mobile as this user may see it (masked without REVEAL_PHONE)."""
    access = access_for(user)
    for task in tasks:
        mobile = task.customer.mobile
        task.mobile_shown = (
            mobile if access.has(C.REVEAL_PHONE, task.store_id) else mask_mobile(mobile)
        )
    return tasks


@login_required
@require_GET
def supervision_queue(request):
    """The whole queue of the supervised stores with filters, load and forbidden phrases."""
    require_supervisor(request.user)
    access = access_for(request.user)
    stores = list(access.stores(C.SUPERVISE_FOLLOWUPS))
    store_ids = [s.pk for s in stores]
    agents = agents_of(store_ids)
    form = QueueFilterForm(request.GET or None, stores=stores, agents=agents)
    now = timezone.now()
    tz = stores[0].tzinfo if stores else None
    tasks = form.apply(supervised_tasks(request.user), tz, now).order_by("due_at", "priority", "pk")
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    _mobiles(request.user, page.object_list)
    names = {a.pk: _name(a) for a in agents}
    load = selectors.agent_load(request.user, now=now)
    missing = {row["agent"] for row in load} - set(names) - {None}
    names |= {u.pk: _name(u) for u in User.objects.filter(pk__in=missing)}
    for row in load:
        row["name"] = names.get(row["agent"]) if row["agent"] else _("The pool (nobody)")
    since = now - datetime.timedelta(days=30)
    phrase_counts = selectors.forbidden_phrase_counts(request.user, since=since)
    phrases = sorted(
        ({"agent": agent_id, "name": names.get(agent_id, _("Unknown")),
          "total": sum(counter.values()), "phrases": counter.most_common()}
         for agent_id, counter in phrase_counts.items()),
        key=lambda r: -r["total"],
    )  # fmt: skip
    context = {
        "page_title": _("Follow-up supervision"),
        "form": form,
        "page": page,
        "now": now,
        "agents": agents,
        "summary": selectors.queue_summary(request.user, now=now),
        "load": load,
        "phrases": phrases,
        "multi_store": len(stores) > 1,
        "max_bulk": MAX_BULK,
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "queue-results":
        return render(request, "followups/supervision/_results.html", context)
    return render(request, "followups/supervision/queue.html", context)


@login_required
@require_POST
def supervision_assign(request):
    """Give the ticked tasks to an agent (or back to the pool); each one checked on its own."""
    require_supervisor(request.user)
    back = request.POST.get("next") or reverse("followups:supervision")
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("followups:supervision")
    ids = [int(pk) for pk in request.POST.getlist("task") if pk.isdigit()][: MAX_BULK + 1]
    if not ids:
        messages.error(request, _("Tick the follow-ups to assign first."))
        return redirect(back)
    if len(ids) > MAX_BULK:
        messages.error(request, _("Assign at most %(n)s follow-ups at a time.") % {"n": MAX_BULK})
        return redirect(back)
    target = request.POST.get("agent", "")
    agent = None
    if target != POOL:
        agent = User.objects.filter(pk=int(target) if target.isdigit() else 0).first()
        if agent is None:
            messages.error(request, _("Choose the agent to give the follow-ups to."))
            return redirect(back)
    tasks = list(supervised_tasks(request.user).filter(pk__in=ids))
    if not tasks:
        raise Http404
    done, refused = 0, []
    for task in tasks:
        try:
            queue.assign(task=task, agent=agent, by=request.user)
            done += 1
        except (ApplicationError, PermissionDenied) as error:
            refused.append(f"#{task.pk}: {getattr(error, 'message', None) or error}")
    if done:
        who = _name(agent) if agent else _("the pool")
        messages.success(
            request, _("%(n)s follow-up(s) given to %(who)s.") % {"n": done, "who": who}
        )
    if refused:
        messages.error(request, _("Not assigned: %(list)s") % {"list": "; ".join(refused[:20])})
    return redirect(back)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=gettext_lazy("Kept in the audit log, e.g. “the customer moved away”."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def supervision_cancel(request, pk):
    """Close one open task that should not be worked, with a reason (audited)."""
    try:
        task = supervised_tasks(request.user).get(pk=pk)
    except FollowUpTask.DoesNotExist:
        raise Http404 from None
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.task_cancel(task=task, by=request.user, reason=form.cleaned_data["reason"])
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Follow-up #%(pk)s cancelled.") % {"pk": task.pk})
            return redirect("followups:supervision")
    _mobiles(request.user, [task])
    return render(
        request,
        "followups/supervision/cancel.html",
        {"page_title": _("Cancel a follow-up"), "task": task, "form": form},
    )


@login_required
@require_GET
def supervision_phrases(request):
    """The notes behind the forbidden-phrase counts (one agent's, or everyone's), 30 days."""
    require_supervisor(request.user)
    agent = request.GET.get("agent", "")
    agent_id = int(agent) if agent.isdigit() else None
    days = 30
    since = timezone.now() - datetime.timedelta(days=days)
    agents = agents_of(access_for(request.user).store_ids(C.SUPERVISE_FOLLOWUPS))
    attempts = reports.forbidden_phrase_attempts(request.user, agent_id=agent_id, since=since)
    page = Paginator(attempts, PAGE_SIZE).get_page(request.GET.get("page"))
    _mobiles(request.user, [attempt.task for attempt in page.object_list])
    return render(
        request,
        "followups/supervision/phrases.html",
        {
            "page_title": _("Forbidden phrases in notes"),
            "page": page,
            "agent": next((a for a in agents if a.pk == agent_id), None),
            "days": days,
        },
    )
