"""The agent's pages: "My follow-ups", "Next call", the call console (attempts, live
forbidden-phrase warning) and hand-offs to the service or sales department. Thin: reads through
followups.selectors / handoffs, writes through followups.queue / handoffs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dealercare.accounts.access import MSG_NO_PERMISSION, access_for
from dealercare.accounts.roles import Capability
from dealercare.core.errors import ApplicationError
from dealercare.core.workdays import to_local
from dealercare.customers.timeline import customer_timeline

from .. import handoffs, queue, selectors
from ..choices import AttemptOutcome, Channel, HandOffStatus, TaskStatus
from ..events import source_for_type
from ..forms import OUTCOME_KEYS, AttemptForm, HandOffForm, HandOffMoveForm, default_due_on
from ..models import FollowUpTask
from ..scripts import FORBIDDEN_PHRASES, STANDARD_PHRASES, forbidden_phrases_in, render_script
from ..services import script_values

C = Capability
TIMELINE_LIMIT = 30


def _require_anywhere(user, capability):
    if not access_for(user).has_anywhere(capability):
        raise PermissionDenied(MSG_NO_PERMISSION)


def _partial(request):
    return bool(request.htmx) and not request.htmx.boosted


# --- my follow-ups and "next" ---------------------------------------------------------------


def queue_counts(user, now):
    """The agent's figures: what they hold, what is due for them now, and how much is late."""
    store_ids = access_for(user).store_ids(C.WORK_FOLLOWUPS)
    mine = Q(owner=user) | Q(claimed_by=user)
    pool = Q(owner__isnull=True) | Q(owner=user)
    callable_now = Q(status=TaskStatus.PENDING, channel=Channel.PHONE, window_start__lte=now)
    return FollowUpTask.objects.filter(
        store_id__in=store_ids, status__in=(TaskStatus.PENDING, TaskStatus.CLAIMED)
    ).aggregate(
        mine=Count("pk", filter=mine),
        mine_overdue=Count("pk", filter=mine & Q(due_at__lt=now)),
        due_now=Count("pk", filter=callable_now & pool),
        overdue=Count("pk", filter=callable_now & pool & Q(due_at__lt=now)),
    )


@login_required
@require_GET
def my_queue(request):
    """The agent's claimed and assigned tasks, the day's figures and the big "Next call"."""
    _require_anywhere(request.user, C.WORK_FOLLOWUPS)
    now = timezone.now()
    tasks = list(selectors.agent_open_tasks(request.user).select_related("store", "claimed_by"))
    for task in tasks:
        task.is_overdue = task.due_at < now
        task.is_due = task.window_start <= now
    return render(
        request,
        "followups/my_queue.html",
        {
            "page_title": _("My follow-ups"),
            "tasks": tasks,
            "counts": queue_counts(request.user, now),
            "nothing_due": request.GET.get("empty") == "1",
        },
    )


@login_required
@require_POST
def claim_next(request):
    """Claim the most urgent task the agent may call now and open its console."""
    _require_anywhere(request.user, C.WORK_FOLLOWUPS)
    task = queue.claim_next(request.user)
    if task is None:
        messages.info(request, _("Nothing is due right now. Well done!"))
        return redirect(f"{reverse('followups:my-queue')}?empty=1")
    return redirect("followups:console", pk=task.pk)


@login_required
@require_POST
def release(request, pk):
    """Hand a claimed task back to the pool without calling."""
    task = selectors.task_get(request.user, pk)
    try:
        queue.release(task=task, agent=request.user)
    except ApplicationError as err:
        messages.error(request, err.message)
        return redirect("followups:console", pk=task.pk)
    messages.info(request, _("The follow-up went back to the queue."))
    return redirect("followups:my-queue")


# --- the call console -------------------------------------------------------------------------


def complaint_url(task, notes=""):
    """The complaint intake prefilled from this call (contract 1), or "" before complaints
    exist."""
    try:
        base = reverse("complaints:create")
    except NoReverseMatch:
        return ""
    params = {
        "customer": task.customer_id, "channel": "followup", "origin_type": "followup_task",
        "origin_id": task.pk,
    }  # fmt: skip
    if task.vehicle_id:
        params["vehicle"] = task.vehicle_id
    if notes:
        params["description"] = notes
    return f"{base}?{urlencode(params)}"


def task_event(task):
    """The event behind the task, as label/value rows for the console."""
    source = source_for_type(task.event_type)
    event = None
    if source is not None:
        event = source.model.objects.filter(pk=task.event_id, store_id=task.store_id).first()
    tz = task.store.tzinfo
    rows = [(_("Time"), to_local(task.event_at, tz).strftime("%Y-%m-%d %H:%M"))]
    if event is None:
        return {"label": task.get_event_type_display(), "rows": rows, "object": None}
    fields = {field.name: field for field in event._meta.concrete_fields}
    for name in (
        "order_no", "consultant_name", "repair_order_no", "advisor_name", "technician_name",
        "fault_description", "work_summary", "mileage_km", "number", "description",
    ):  # fmt: skip
        field = fields.get(name)  # the event kinds differ in fields
        if field is None:
            continue
        value = getattr(event, name, "")
        if value not in ("", None):
            rows.append((str(field.verbose_name).capitalize(), value))
    if hasattr(event, "get_status_display"):
        rows.append((_("Status"), event.get_status_display()))
    return {"label": task.get_event_type_display(), "rows": rows, "object": event}


def _console_context(request, task, form):
    user = request.user
    access = access_for(user)
    now = timezone.now()
    customer = task.customer
    values = script_values(task, agent=user, now=now)
    template = task.rule.script_for(customer.customer_type)
    phrases = [
        (code, label, [render_script(text, values) for text in texts])
        for code, label, texts in STANDARD_PHRASES
    ]
    notes = form.data.get("notes", "") if form.is_bound else ""
    return {
        "page_title": _("Call: %(name)s") % {"name": customer.name},
        "task": task,
        "customer": customer,
        "vehicle": task.vehicle,
        "event": task_event(task),
        "script": render_script(template, values),
        "phrases": phrases,
        "forbidden": FORBIDDEN_PHRASES,
        "found_phrases": forbidden_phrases_in(notes),
        "attempts": list(selectors.task_attempts(task)),
        "timeline": customer_timeline(customer, user, limit=TIMELINE_LIMIT),
        "form": form,
        "outcome_keys": OUTCOME_KEYS,
        "reached": AttemptOutcome.REACHED,
        "call_back": AttemptOutcome.CALL_BACK,
        "is_mine": task.status == TaskStatus.CLAIMED and task.claimed_by_id == user.pk,
        "claimed_by_other": task.status == TaskStatus.CLAIMED and task.claimed_by_id != user.pk,
        "can_reveal": access.has(C.REVEAL_PHONE, task.store_id),
        "complaint_url": complaint_url(task),
        "handoffs": list(task.handoffs.select_related("owner").order_by("pk")),
        "is_overdue": task.is_open and task.due_at < now,
    }


@login_required
@require_GET
def console(request, pk):
    """The call console: customer, vehicle, event, timeline, script, phrases, outcome."""
    task = selectors.task_get(request.user, pk)
    form = AttemptForm(store=task.store)
    return render(request, "followups/console.html", _console_context(request, task, form))


@login_required
@require_POST
def attempt(request, pk):
    """Record the call's outcome; then back to "My follow-ups", or straight to the next call."""
    task = selectors.task_get(request.user, pk)
    form = AttemptForm(request.POST, store=task.store)
    if form.is_valid():
        data = form.cleaned_data
        try:
            recorded = queue.record_attempt(
                task=task, agent=request.user, outcome=data["outcome"], notes=data["notes"],
                call_back_at=data["call_back_at"], satisfaction=data["satisfaction"],
                stop_calls=data["stop_calls"],
            )  # fmt: skip
        except ApplicationError as err:
            field = err.extra.get("field")
            form.add_error(field if field in form.fields else None, err.message)
        else:
            messages.success(
                request,
                _("Recorded: %(outcome)s.") % {"outcome": recorded.get_outcome_display()},
            )
            if recorded.forbidden_phrases:
                messages.warning(
                    request,
                    _("Your notes contain phrases we never say to a customer: %(p)s")
                    % {"p": "、".join(recorded.forbidden_phrases)},
                )
            if request.POST.get("then") == "next":
                return claim_next(request)
            return redirect("followups:my-queue")
    task.refresh_from_db()
    return render(request, "followups/console.html", _console_context(request, task, form))


@login_required
@require_POST
def phrase_check(request):
    """The live warning under the notes (HTMX): the forbidden phrases typed so far."""
    _require_anywhere(request.user, C.WORK_FOLLOWUPS)
    found = forbidden_phrases_in(request.POST.get("notes", ""))
    return render(request, "followups/_phrase_warning.html", {"found_phrases": found})


# --- hand-offs --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def handoff_create(request, pk):
    """Hand a problem found on this call to the service or sales department."""
    task = selectors.task_get(request.user, pk)
    access_for(request.user).require(C.WORK_FOLLOWUPS, task.store_id)
    department = request.POST.get("department") or request.GET.get("department")
    today = to_local(timezone.now(), task.store.tzinfo).date()
    form = HandOffForm(
        request.POST or None,
        store=task.store,
        department=department,
        initial={"due_on": default_due_on(today), "department": department,
                 "description": request.GET.get("description", "")},
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            handoff = handoffs.handoff_create(
                actor=request.user, task=task, customer=task.customer, vehicle=task.vehicle,
                department=data["department"], owner=data["owner"], due_on=data["due_on"],
                description=data["description"],
            )  # fmt: skip
        except ApplicationError as err:
            field = err.extra.get("field")
            form.add_error(field if field in form.fields else None, err.message)
        else:
            messages.success(request, _("Handed off to %(owner)s.") % {"owner": handoff.owner})
            return redirect("followups:console", pk=task.pk)
    return render(
        request,
        "followups/handoff_form.html",
        {"page_title": _("Hand off a problem"), "task": task, "form": form},
    )


@login_required
@require_GET
def handoff_list(request):
    """Hand-offs: mine, my department's, all (supervisors)."""
    user = request.user
    if not handoffs.may_list_handoffs(user):
        raise PermissionDenied(MSG_NO_PERMISSION)
    tabs = [("mine", _("Mine"))]
    if handoffs.user_departments(user):
        tabs.append(("department", _("My department")))
    if access_for(user).has_anywhere(C.SUPERVISE_FOLLOWUPS):
        tabs.append(("all", _("All")))
    scope = request.GET.get("scope", "mine")
    if scope not in dict(tabs):
        scope = "mine"
    status = request.GET.get("status", "open")
    rows = list(handoffs.handoff_list(user, scope=scope, status=status)[:500])
    today = timezone.localdate()
    for row in rows:
        row.is_late = row.is_open and row.due_on < today
    return render(
        request,
        "followups/handoff_list.html",
        {
            "page_title": _("Hand-offs"),
            "tabs": tabs,
            "scope": scope,
            "status": status,
            "statuses": [("open", _("Not closed")), *HandOffStatus.choices, ("any", _("Any"))],
            "handoffs": rows,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def handoff_detail(request, pk):
    """One hand-off, its history, and the step the user may take next."""
    handoff = handoffs.handoff_get(request.user, pk)
    form = HandOffMoveForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                handoffs.handoff_move(
                    actor=request.user, handoff=handoff, status=form.cleaned_data["status"],
                    note=form.cleaned_data["note"],
                )  # fmt: skip
            except ApplicationError as err:
                messages.error(request, err.message)
            else:
                messages.success(request, _("Hand-off updated."))
        else:
            messages.error(request, _("Choose the new status."))
        return redirect("followups:handoff-detail", pk=handoff.pk)
    targets = handoffs.allowed_targets(request.user, handoff)
    return render(
        request,
        "followups/handoff_detail.html",
        {
            "page_title": _("Hand-off #%(pk)s") % {"pk": handoff.pk},
            "handoff": handoff,
            "updates": list(handoffs.handoff_updates(handoff)),
            "targets": [(value, HandOffStatus(value).label) for value in targets],
            "resolved": HandOffStatus.RESOLVED,
            "form": form,
        },
    )
