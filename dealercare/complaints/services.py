"""Every write to complaints: atomic, validated, audited, side effects (notifications, the
satisfaction-check follow-up) on commit. Views and the API call these; nothing else writes."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dealercare.accounts.access import MSG_NO_PERMISSION, access_for
from dealercare.accounts.models import Store
from dealercare.accounts.roles import Capability, Role
from dealercare.core import audit
from dealercare.core.errors import ApplicationError
from dealercare.core.models import AuditAction
from dealercare.customers.choices import CustomerSource, LifecycleState
from dealercare.customers.models import Customer

from . import flow, sniffing
from .choices import (
    MANUAL_ACTIONS,
    ActionKind,
    ComplaintChannel,
    CustomerSatisfaction,
    Department,
    Severity,
    SlaStep,
)
from .deadlines import clock_for, refresh_due_times
from .defaults import DEFAULT_CATEGORIES, REPEAT_WINDOW_DAYS
from .flow import Transition
from .models import (
    Complaint,
    ComplaintAction,
    ComplaintAttachment,
    ComplaintCategory,
    ComplaintReason,
    MajorIncidentReport,
    Notification,
)
from .notifications import notify_many, users_with_roles

C = Capability

MSG_NOT_ALLOWED = gettext_lazy("%(transition)s is not possible while the complaint is %(status)s.")
MSG_NOT_OWNER = gettext_lazy("Only the complaint's owner or a CS manager may do this.")
MSG_OWNER_REQUIRED = gettext_lazy("Choose the owner and the department.")
MSG_OWNER_CANNOT_HANDLE = gettext_lazy("The chosen owner cannot handle complaints in this store.")
MSG_SOLUTION_REQUIRED = gettext_lazy("Describe the solution proposed to the customer.")
MSG_NOTE_REQUIRED = gettext_lazy("Write what the customer said.")
MSG_SATISFACTION_REQUIRED = gettext_lazy("Record how satisfied the customer is.")
MSG_REPORT_REQUIRED = gettext_lazy(
    "A major complaint needs its major-incident report before it can be closed."
)
MSG_NOT_MAJOR = gettext_lazy("Only a major complaint has a major-incident report.")
MSG_ALREADY_WAITING = gettext_lazy("The complaint is already waiting for the customer.")
MSG_NOT_WAITING = gettext_lazy("The complaint is not waiting for the customer.")
MSG_CLOSED = gettext_lazy("The complaint is closed; reopen it first.")
MSG_UNKNOWN_ACTION = gettext_lazy("Unknown action.")
MSG_FILE_TYPE = gettext_lazy(
    "%(name)s: this kind of file is not accepted (photos, recordings, PDF and Office documents "
    "only)."
)
MSG_FILE_SIZE = gettext_lazy("%(name)s is larger than %(limit)s MB.")
MSG_FILE_EMPTY = gettext_lazy("%(name)s is empty.")
MSG_CATEGORY_STORE = gettext_lazy("The category belongs to another store.")

DEFAULT_MAX_ATTACHMENT_MB = 20


def _now(now=None):
    return now or timezone.now()


def _actor(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _audit(actor, action, complaint, changes=None, reason=""):
    audit.record(actor=actor, action=action, target=complaint, changes=changes or {},
                 reason=reason)  # fmt: skip


def _log(complaint, kind, *, actor=None, at=None, note="", from_status="", to_status="",
         data=None):  # fmt: skip
    return ComplaintAction.objects.create(
        complaint=complaint, kind=kind, actor=_actor(actor), at=_now(at), note=note,
        from_status=from_status, to_status=to_status, data=data or {},
    )  # fmt: skip


# --- categories ---------------------------------------------------------------------------------


def categories_seed_defaults(store) -> int:
    """Give `store` seed 001's categories and reasons it lacks; returns how many categories were
    added. Idempotent: edited or deactivated ones stay as they are."""
    have = set(ComplaintCategory.objects.filter(store=store).values_list("code", flat=True))
    added = 0
    for order, (code, name, reasons) in enumerate(DEFAULT_CATEGORIES):
        if code in have:
            continue
        category = ComplaintCategory.objects.create(store=store, code=code, name=name, order=order)
        ComplaintReason.objects.bulk_create(
            ComplaintReason(category=category, code=rcode, name=rname, order=i)
            for i, (rcode, rname) in enumerate(reasons)
        )
        added += 1
    return added


@transaction.atomic
def category_save(*, actor, store, category=None, name, code="", order=0, is_active=True):
    """Create or edit a category of the store (CS manager)."""
    access_for(actor).require(C.MANAGE_COMPLAINTS, store)
    category = category or ComplaintCategory(store=store, code=code)
    if category.store_id != store.pk:
        raise ApplicationError(MSG_CATEGORY_STORE)
    before = audit.snapshot(category, ("name", "order", "is_active")) if category.pk else {}
    category.name, category.order, category.is_active = name, order, is_active
    category.full_clean()
    category.save()
    audit.record(
        actor=actor, action=AuditAction.SETTINGS, target=category, store=store,
        changes=audit.field_changes(before, audit.snapshot(category, ("name", "order",
                                    "is_active")), ("name", "order", "is_active")),
    )  # fmt: skip
    return category


@transaction.atomic
def reason_save(*, actor, category, reason=None, name, code="", order=0, is_active=True):
    """Create or edit a reason within a category (CS manager)."""
    access_for(actor).require(C.MANAGE_COMPLAINTS, category.store_id)
    reason = reason or ComplaintReason(category=category, code=code)
    if reason.category_id != category.pk:
        raise ApplicationError(MSG_CATEGORY_STORE)
    reason.name, reason.order, reason.is_active = name, order, is_active
    reason.full_clean()
    reason.save()
    audit.record(actor=actor, action=AuditAction.SETTINGS, target=reason,
                 store=category.store, changes={"name": [None, name]})  # fmt: skip
    return reason


MSG_LIMIT_INVALID = gettext_lazy("%(severity)s / %(step)s: give a whole number from 1 to 999.")


@transaction.atomic
def time_limits_save(*, actor, store, limits):
    """Set the store's time limits: {(severity, step): (amount, unit)}; all or nothing."""
    from .models import TimeLimit
    from .sla import LimitUnit

    access_for(actor).require(C.MANAGE_COMPLAINTS, store)
    before = {(t.severity, t.step): (t.amount, t.unit) for t in TimeLimit.objects.filter(
        store=store)}  # fmt: skip
    for (severity, step), (amount, unit) in limits.items():
        if not isinstance(amount, int) or not 1 <= amount <= 999 or unit not in set(LimitUnit):
            raise ApplicationError(
                MSG_LIMIT_INVALID
                % {"severity": Severity(severity).label, "step": SlaStep(step).label}
            )
        TimeLimit.objects.update_or_create(
            store=store, severity=severity, step=step,
            defaults={"amount": amount, "unit": str(unit)},
        )  # fmt: skip
    audit.record(
        actor=actor, action=AuditAction.SETTINGS, store=store,
        target=("complaints.timelimit", str(store.pk), f"{store.code} complaint time limits"),
        changes={f"{sev}/{step}": [list(before.get((sev, step), ())), list(value)]
                 for (sev, step), value in limits.items()
                 if tuple(before.get((sev, step), ())) != tuple(value)},
    )  # fmt: skip


# --- intake -------------------------------------------------------------------------------------


def _next_number(store) -> str:
    """The store's next reference number (GZ01-T000123); the store row is locked meanwhile."""
    locked = Store.objects.select_for_update().get(pk=store.pk)
    last = (
        Complaint.objects.filter(store=locked).order_by("-id").values_list("number", flat=True)
    ).first()
    seq = int(last.rsplit("T", 1)[1]) + 1 if last else 1
    return f"{locked.code}-T{seq:06d}"


def _find_repeat(complaint):
    """The latest earlier complaint of the same customer or vehicle within the repeat window."""
    since = complaint.received_at - datetime.timedelta(days=REPEAT_WINDOW_DAYS)
    same = Q(customer_id=complaint.customer_id)
    if complaint.vehicle_id:
        same |= Q(vehicle_id=complaint.vehicle_id)
    return (
        Complaint.objects.filter(same, store_id=complaint.store_id, received_at__gte=since,
                                 received_at__lte=complaint.received_at)
        .exclude(pk=complaint.pk)
        .order_by("-received_at", "-id")
        .first()
    )  # fmt: skip


def complaint_create(
    *,
    actor,
    store,
    customer,
    vehicle=None,
    channel,
    description,
    customer_request="",
    promised_reply_at=None,
    received_at=None,
    category=None,
    reason=None,
    severity=Severity.NORMAL,
    contact_name="",
    contact_mobile="",
    origin_type="",
    origin_id=None,
    now=None,
) -> Complaint:
    """Record a complaint from any channel; the reply time defaults to the acknowledgement
    deadline. A major one is announced to the CS manager and general manager at once.

    `actor` None is the public online form (no login).
    """
    if actor is not None:
        access_for(actor).require(C.HANDLE_COMPLAINTS, store)
    now = _now(now)
    with transaction.atomic():
        complaint = Complaint(
            store=store, customer=customer, vehicle=vehicle, channel=channel,
            received_at=received_at or now, description=(description or "").strip(),
            customer_request=(customer_request or "").strip(), category=category, reason=reason,
            severity=severity, contact_name=contact_name or customer.name,
            contact_mobile=contact_mobile or customer.mobile, origin_type=origin_type or "",
            origin_id=origin_id, created_by=_actor(actor),
        )  # fmt: skip
        clock = clock_for(store)
        refresh_due_times(complaint, clock)
        complaint.promised_reply_at = promised_reply_at or complaint.acknowledge_due_at
        complaint.number = "pending"
        complaint.full_clean(exclude=["number"])
        complaint.number = _next_number(store)
        repeat = _find_repeat(complaint)
        complaint.repeat_of = repeat
        complaint.save()
        _log(complaint, ActionKind.RECEIVED, actor=actor, at=complaint.received_at,
             to_status=complaint.status, note=complaint.description[:500],
             data={"channel": channel, "repeat_of": repeat.number if repeat else None,
                   "origin": [origin_type, origin_id] if origin_type else None})  # fmt: skip
        _audit(actor, AuditAction.CREATE, complaint,
               changes={"channel": [None, channel], "severity": [None, severity]})  # fmt: skip
        if complaint.is_major:
            _announce_major(complaint, now)
    return complaint


def _announce_major(complaint, now):
    """重大投诉: the CS manager and the store's general manager hear of it at once."""
    recipients = users_with_roles(complaint.store_id, [Role.CS_MANAGER, Role.GENERAL_MANAGER])
    title = _("Major complaint %(number)s: %(customer)s") % {
        "number": complaint.number,
        "customer": complaint.customer.name,
    }
    body = f"{complaint.description[:500]}\n{reverse('complaints:detail', args=[complaint.pk])}"
    notify_many(
        [(u, complaint.store_id, complaint.pk, f"major:{complaint.pk}", title, body)
         for u in recipients],
        now=now,
    )  # fmt: skip


# --- who may act --------------------------------------------------------------------------------


def may_work_on(user, complaint) -> bool:
    """A CS manager of the store, or a handler who owns the complaint (or it has no owner)."""
    acc = access_for(user)
    if acc.has(C.MANAGE_COMPLAINTS, complaint.store_id):
        return True
    return acc.has(C.HANDLE_COMPLAINTS, complaint.store_id) and complaint.owner_id in (
        None,
        user.pk,
    )


def may_fire(user, complaint, transition) -> bool:
    acc = access_for(user)
    if flow.needs_manager(transition):
        return acc.has(C.MANAGE_COMPLAINTS, complaint.store_id)
    return may_work_on(user, complaint)


def _require_work(user, complaint, transition=None):
    access_for(user).require(C.HANDLE_COMPLAINTS, complaint.store_id)
    allowed = may_fire(user, complaint, transition) if transition else may_work_on(user, complaint)
    if not allowed:
        raise PermissionDenied(MSG_NOT_OWNER if not transition or not flow.needs_manager(
            transition) else MSG_NO_PERMISSION)  # fmt: skip


# --- the flow -----------------------------------------------------------------------------------


def _end_wait(complaint, now):
    if complaint.waiting_since is None:
        return
    pauses = list(complaint.pauses or [])
    if pauses and pauses[-1][1] is None:
        pauses[-1] = [pauses[-1][0], now.isoformat()]
    complaint.pauses = pauses
    complaint.waiting_since = None


AUDITED = ("status", "owner", "department", "solution", "result", "satisfaction",
           "severity", "category", "reason", "promised_reply_at")  # fmt: skip


def complaint_transition(
    *,
    actor,
    complaint,
    transition,
    note="",
    owner=None,
    department="",
    solution="",
    result="",
    satisfaction="",
    prevention="",
    now=None,
) -> Complaint:
    """Take one step of the flow (flow.TABLE), logging who, when and what was said."""
    transition = Transition(transition)
    _require_work(actor, complaint, transition)
    now = _now(now)
    with transaction.atomic():
        complaint = (
            Complaint.objects.select_for_update()
            .select_related("store", "customer")
            .get(pk=complaint.pk)
        )
        before = audit.snapshot(complaint, AUDITED)
        try:
            target = flow.apply(complaint.status, transition)
        except flow.TransitionError:
            raise ApplicationError(
                MSG_NOT_ALLOWED % {"transition": _transition_label(transition),
                                   "status": complaint.get_status_display()},
                code="transition",
            ) from None  # fmt: skip
        data = {}
        if transition == Transition.ACKNOWLEDGE:
            complaint.acknowledged_at = complaint.acknowledged_at or now
        elif transition == Transition.ASSIGN:
            if owner is None or not department:
                raise ApplicationError(MSG_OWNER_REQUIRED, code="owner")
            if department not in Department.values:
                raise ApplicationError(MSG_OWNER_REQUIRED, code="owner")
            if not access_for(owner).has(C.HANDLE_COMPLAINTS, complaint.store_id):
                raise ApplicationError(MSG_OWNER_CANNOT_HANDLE, code="owner")
            complaint.acknowledged_at = complaint.acknowledged_at or now
            complaint.assigned_at = now
            data = {"owner": owner.pk, "owner_name": str(owner), "department": department}
            complaint.owner, complaint.department = owner, department
        elif transition == Transition.PROPOSE:
            if not (solution or "").strip():
                raise ApplicationError(MSG_SOLUTION_REQUIRED, code="solution")
            complaint.solution = solution.strip()
            complaint.solution_proposed_at = complaint.solution_proposed_at or now
            data = {"solution": complaint.solution}
        elif transition == Transition.CUSTOMER_NEGOTIATES:
            if not (note or "").strip():
                raise ApplicationError(MSG_NOTE_REQUIRED, code="note")
        elif transition == Transition.RESOLVE:
            complaint.result = (result or complaint.result or "").strip()
            complaint.resolved_at = now
            _end_wait(complaint, now)
        elif transition == Transition.CONFIRM_SATISFACTION:
            if satisfaction not in CustomerSatisfaction.values:
                raise ApplicationError(MSG_SATISFACTION_REQUIRED, code="satisfaction")
            complaint.satisfaction = satisfaction
            complaint.satisfaction_confirmed_at = now
        elif transition == Transition.CLOSE:
            if (
                complaint.is_major
                and not MajorIncidentReport.objects.filter(complaint=complaint).exists()
            ):
                raise ApplicationError(MSG_REPORT_REQUIRED, code="report_required")
            if prevention:
                complaint.prevention = prevention.strip()
            complaint.closed_at = now
            _end_wait(complaint, now)
        elif transition == Transition.REOPEN:
            complaint.reopened_count += 1
            complaint.closed_at = None
            complaint.resolved_at = None
            complaint.satisfaction_confirmed_at = None
            complaint.satisfaction = ""
        from_status = complaint.status
        complaint.status = target
        complaint.save()
        _log(complaint, transition.value, actor=actor, at=now, note=(note or "").strip(),
             from_status=from_status, to_status=target, data=data)  # fmt: skip
        _audit(
            actor,
            AuditAction.UPDATE,
            complaint,
            changes=audit.field_changes(before, audit.snapshot(complaint, AUDITED), AUDITED),
        )
        if transition == Transition.ASSIGN and owner.pk != getattr(actor, "pk", None):
            title = _("Complaint %(number)s was assigned to you") % {"number": complaint.number}
            notify_many(
                [
                    (
                        owner,
                        complaint.store_id,
                        complaint.pk,
                        f"assign:{complaint.pk}:{now.timestamp():.0f}",
                        title,
                        reverse("complaints:detail", args=[complaint.pk]),
                    )
                ],
                now=now,
            )
        if transition in (Transition.CLOSE, Transition.REOPEN):
            # Contract 2: a closed complaint gets its satisfaction-check call (cancelled again
            # when it is reopened); a failure there never undoes the step.
            closed = complaint
            transaction.on_commit(lambda: _sync_followups(closed))
    return complaint


def _sync_followups(complaint):
    from dealercare.followups.services import on_event_saved

    on_event_saved(complaint)


def _transition_label(transition):
    return str(ActionKind(transition.value).label)


def complaint_record_action(*, actor, complaint, kind, note="", owner=None, when=None, now=None):
    """A manual line in the log: a note, a call to the customer, waiting for (or hearing back
    from) the customer, which pauses (resumes) the time limits, or one of the "three changes"
    (handler, place, time). Changing the handler to another person needs a CS manager."""
    kind = ActionKind(kind)
    if kind not in MANUAL_ACTIONS:
        raise ApplicationError(MSG_UNKNOWN_ACTION)
    _require_work(actor, complaint)
    now = _now(now)
    with transaction.atomic():
        complaint = (
            Complaint.objects.select_for_update().select_related("store").get(pk=complaint.pk)
        )
        if complaint.closed_at is not None:
            raise ApplicationError(MSG_CLOSED, code="closed")
        data = {}
        if kind in (ActionKind.NOTE, ActionKind.CUSTOMER_CONTACTED, ActionKind.CUSTOMER_REPLIED,
                    ActionKind.CHANGE_PLACE) and not (note or "").strip():  # fmt: skip
            raise ApplicationError(MSG_NOTE_REQUIRED, code="note")
        if kind == ActionKind.WAIT_FOR_CUSTOMER:
            if complaint.waiting_since is not None:
                raise ApplicationError(MSG_ALREADY_WAITING, code="waiting")
            complaint.waiting_since = now
            complaint.pauses = [*(complaint.pauses or []), [now.isoformat(), None]]
        elif kind == ActionKind.CUSTOMER_REPLIED:
            if complaint.waiting_since is None:
                raise ApplicationError(MSG_NOT_WAITING, code="waiting")
            _end_wait(complaint, now)
        elif kind == ActionKind.CHANGE_HANDLER and owner is not None:
            access_for(actor).require(C.MANAGE_COMPLAINTS, complaint.store_id)
            if not access_for(owner).has(C.HANDLE_COMPLAINTS, complaint.store_id):
                raise ApplicationError(MSG_OWNER_CANNOT_HANDLE, code="owner")
            data = {"from": str(complaint.owner or ""), "to": str(owner), "owner": owner.pk}
            complaint.owner = owner
        elif kind == ActionKind.CHANGE_TIME and when is not None:
            data = {"from": complaint.promised_reply_at.isoformat(), "to": when.isoformat()}
            complaint.promised_reply_at = when
        if kind in (ActionKind.WAIT_FOR_CUSTOMER, ActionKind.CUSTOMER_REPLIED):
            refresh_due_times(complaint, clock_for(complaint.store))
        complaint.save()
        action = _log(
            complaint,
            kind,
            actor=actor,
            at=now,
            note=(note or "").strip(),
            from_status=complaint.status,
            to_status=complaint.status,
            data=data,
        )
    return action


def complaint_classify(*, actor, complaint, category=None, reason=None, severity=None, now=None):
    """Set the category, reason and severity; turning major tells management at once and
    shortens the limits (due times recomputed)."""
    _require_work(actor, complaint)
    now = _now(now)
    with transaction.atomic():
        complaint = (
            Complaint.objects.select_for_update()
            .select_related("store", "customer")
            .get(pk=complaint.pk)
        )
        if category is not None and category.store_id != complaint.store_id:
            raise ApplicationError(MSG_CATEGORY_STORE)
        before = audit.snapshot(complaint, AUDITED)
        was_major = complaint.is_major
        complaint.category, complaint.reason = category, reason
        if severity:
            complaint.severity = severity
        complaint.full_clean()
        refresh_due_times(complaint, clock_for(complaint.store))
        complaint.save()
        changes = audit.field_changes(before, audit.snapshot(complaint, AUDITED), AUDITED)
        _log(complaint, ActionKind.CLASSIFIED, actor=actor, at=now, data=changes,
             from_status=complaint.status, to_status=complaint.status)  # fmt: skip
        _audit(actor, AuditAction.UPDATE, complaint, changes=changes)
        if complaint.is_major and not was_major:
            _announce_major(complaint, now)
    return complaint


def major_report_save(*, actor, complaint, fields, now=None):
    """Write or update the major-incident report (annex 8) of a major complaint."""
    _require_work(actor, complaint)
    if not complaint.is_major:
        raise ApplicationError(MSG_NOT_MAJOR, code="not_major")
    with transaction.atomic():
        report = MajorIncidentReport.objects.filter(complaint=complaint).first()
        before = audit.snapshot(report, MajorIncidentReport.FIELDS) if report else {}
        report = report or MajorIncidentReport(complaint=complaint, store_id=complaint.store_id)
        for name in MajorIncidentReport.FIELDS:
            if name in fields:
                setattr(report, name, fields[name])
        report.reported_by = _actor(actor)
        report.full_clean()
        report.save()
        changes = audit.field_changes(
            before, audit.snapshot(report, MajorIncidentReport.FIELDS), MajorIncidentReport.FIELDS
        )
        _log(complaint, ActionKind.REPORT, actor=actor, at=_now(now), note=report.title)
        audit.record(actor=actor, action=AuditAction.UPDATE if before else AuditAction.CREATE,
                     target=report, changes=changes)  # fmt: skip
    return report


# --- attachments --------------------------------------------------------------------------------


def max_attachment_bytes():
    from django.conf import settings

    mb = getattr(settings, "COMPLAINT_ATTACHMENT_MAX_MB", DEFAULT_MAX_ATTACHMENT_MB)
    return int(mb) * 1024 * 1024


def attachment_add(*, actor, complaint, upload, now=None) -> ComplaintAttachment:
    """Store a photo, recording or document, after checking its size and its real type."""
    _require_work(actor, complaint)
    name = (getattr(upload, "name", "") or "file")[-200:]
    limit = max_attachment_bytes()
    if upload.size == 0:
        raise ApplicationError(MSG_FILE_EMPTY % {"name": name}, code="file")
    if upload.size > limit:
        raise ApplicationError(MSG_FILE_SIZE % {"name": name, "limit": limit // (1024 * 1024)},
                               code="file_size")  # fmt: skip
    upload.seek(0)
    head = upload.read(sniffing.HEAD_BYTES)
    upload.seek(0)
    kind = sniffing.sniff(head, upload.file if hasattr(upload, "file") else upload)
    if kind is None:
        raise ApplicationError(MSG_FILE_TYPE % {"name": name}, code="file_type")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    upload.name = f"{secrets.token_hex(16)}.{kind.extension}"
    with transaction.atomic():
        attachment = ComplaintAttachment(
            complaint=complaint, store_id=complaint.store_id, original_name=name,
            content_type=kind.content_type, kind=kind.kind, size=upload.size,
            sha256=digest.hexdigest(), uploaded_by=_actor(actor),
        )  # fmt: skip
        attachment.file.save(upload.name, upload, save=False)
        attachment.save()
        _log(complaint, ActionKind.ATTACHMENT, actor=actor, at=_now(now), note=name,
             data={"attachment": attachment.pk, "type": kind.content_type})  # fmt: skip
    return attachment


# --- notifications ------------------------------------------------------------------------------


def notifications_mark_read(*, user, ids=None, now=None):
    """Mark the user's notifications (all, or `ids`) as read; returns how many changed."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=_now(now))


# --- the public online form ---------------------------------------------------------------------


def public_complaint_submit(*, store, name, mobile, description, customer_request="", plate="",
                            now=None) -> Complaint:  # fmt: skip
    """A complaint from the public online form: the customer is matched by mobile within the
    store, or recorded as a new prospect-like customer (source online)."""
    from dealercare.customers.services import rebuild_search_terms, reserve_customer_numbers

    now = _now(now)
    with transaction.atomic():
        customer = Customer.objects.filter(
            store=store, mobile=mobile, merged_into__isnull=True
        ).first()
        created = customer is None
        if created:
            customer = Customer(
                store=store, name=name, mobile=mobile, source=CustomerSource.ONLINE,
                lifecycle_state=LifecycleState.PROSPECT, allow_marketing=False,
                notes=_("Created from the online complaint form."),
            )  # fmt: skip
            customer.full_clean(exclude=["number"], validate_constraints=False)
            customer.number = reserve_customer_numbers(store, 1)[0]
            customer.save()
            rebuild_search_terms([customer.pk])
            audit.record(actor=None, action=AuditAction.CREATE, target=customer,
                         reason="online complaint form")  # fmt: skip
        vehicle = None
        if plate:
            vehicle = customer.vehicles.filter(plate=plate).first() if not created else None
        request = customer_request
        if plate and vehicle is None:
            request = f"{customer_request}\n[{_('Plate given')}: {plate}]".strip()
        return complaint_create(
            actor=None, store=store, customer=customer, vehicle=vehicle,
            channel=ComplaintChannel.ONLINE, description=description, customer_request=request,
            contact_name=name, contact_mobile=mobile, now=now,
        )  # fmt: skip
