"""Complaint pages: the list, intake, the complaint with its flow, log and attachments.

Thin: parse, call a selector or a service, render. Reports and exports are in report_views.py,
the public online form in public_views.py.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dealercare.accounts.access import MSG_NO_PERMISSION, access_for
from dealercare.accounts.models import User
from dealercare.accounts.roles import Capability, Role, capabilities_of
from dealercare.core.errors import ApplicationError, DuplicateError
from dealercare.core.validators import mask_mobile
from dealercare.customers import selectors as customer_selectors
from dealercare.customers import services as customer_services

from . import flow, selectors, services
from .choices import (
    THREE_CHANGES,
    ActionKind,
    ComplaintChannel,
    ComplaintStatus,
    CustomerSatisfaction,
    Department,
    Severity,
)
from .deadlines import clock_for, step_status
from .forms import ActionForm, AttachmentForm, ClassifyForm, IntakeForm, TransitionForm
from .models import ComplaintCategory, ComplaintReason

C = Capability
# Roles that may own a complaint in their store (roles.py decides, not this list).
HANDLER_ROLES = [r.value for r in Role if C.HANDLE_COMPLAINTS in capabilities_of(r)]


def require_anywhere(user, capability):
    if not access_for(user).has_anywhere(capability):
        raise PermissionDenied(MSG_NO_PERMISSION)


def shown_mobile(user, store_id, mobile):
    """For audited files (annex exports): the number in full where the user may reveal numbers
    in that store, else masked. Screens always mask: the full number comes only from the
    customer's audited reveal."""
    if access_for(user).has(C.REVEAL_PHONE, store_id):
        return mobile
    return mask_mobile(mobile)


# --- list ---------------------------------------------------------------------------------------


@login_required
@require_GET
def complaint_list(request):
    require_anywhere(request.user, C.VIEW_COMPLAINTS)
    g = request.GET
    stores = access_for(request.user).stores(C.VIEW_COMPLAINTS)
    store = g.get("store", "")
    store_id = int(store) if store.isdigit() else None
    qs = selectors.complaint_list(
        request.user, store=store_id, status=g.get("status", "open" if "status" not in g else ""),
        severity=g.get("severity", ""), category=g.get("category", ""),
        channel=g.get("channel", ""), department=g.get("department", ""),
        mine=g.get("mine") == "1", overdue=g.get("overdue") == "1", q=g.get("q", ""),
    )  # fmt: skip
    page = selectors.paginate(qs, g.get("after", ""))
    now = timezone.now()
    params = g.copy()
    params.pop("after", None)
    return render(request, "complaints/complaint_list.html", {
        "page_title": _("Complaints"), "page": page, "stores": stores, "now": now,
        "statuses": ComplaintStatus.choices, "severities": Severity.choices,
        "channels": ComplaintChannel.choices, "departments": Department.choices,
        "filters": g, "base_query": params.urlencode(),
        "can_export": access_for(request.user).has_anywhere(C.EXPORT_LISTS),
        "can_create": access_for(request.user).has_anywhere(C.HANDLE_COMPLAINTS),
    })  # fmt: skip


# --- intake -------------------------------------------------------------------------------------

PREFILL = ("channel", "description", "origin_type", "origin_id", "customer", "vehicle")


def _prefill(request, stores):
    """Initial values from the query string (contract 1): customer, vehicle, channel, origin."""
    initial = {k: request.GET[k] for k in PREFILL if request.GET.get(k)}
    customer = None
    if str(initial.get("customer", "")).isdigit():
        customer = (
            customer_selectors.customers_for_user(request.user)
            .filter(pk=int(initial["customer"]), store__in=stores)
            .select_related("store")
            .first()
        )
    if customer is None:
        initial.pop("customer", None)
        initial.pop("vehicle", None)
    else:
        initial["store"] = customer.store_id
    if initial.get("channel") not in ComplaintChannel.values:
        initial.pop("channel", None)
    if initial.get("origin_type") == "followup_task":
        initial.setdefault("channel", ComplaintChannel.FOLLOWUP)
    if initial.get("origin_type") == "survey_response":
        initial.setdefault("channel", ComplaintChannel.SURVEY)
    return initial, customer


def _intake_customer(request, form):
    """The chosen customer (in scope, in the form's store) or a new one from name + mobile."""
    data, store = form.cleaned_data, form.cleaned_data["store"]
    if data.get("customer"):
        customer = (
            customer_selectors.customers_for_user(request.user)
            .filter(pk=data["customer"], store=store)
            .first()
        )
        if customer is None:
            form.add_error("customer", _("No such customer in this store."))
        return customer
    try:
        return customer_services.customer_create(
            actor=request.user, store=store,
            fields={"name": data["new_customer_name"], "mobile": data["new_customer_mobile"],
                    "source": "phone"},
        )  # fmt: skip
    except DuplicateError as error:
        form.add_error("new_customer_mobile", error.message)
    except ValidationError as error:
        form.add_error("new_customer_name", error)
    except PermissionDenied:
        form.add_error("new_customer_name", _("You may not create customers in this store."))
    return None


def _category_and_reason(form, store):
    data = form.cleaned_data
    category = reason = None
    if data.get("category"):
        category = ComplaintCategory.objects.filter(pk=data["category"], store=store).first()
        if category is None:
            form.add_error("category", _("No such category in this store."))
    if data.get("reason"):
        reason = ComplaintReason.objects.filter(pk=data["reason"], category__store=store).first()
        if reason is None:
            form.add_error("reason", _("No such reason in this store."))
        elif category is None:
            category = reason.category
    return category, reason


@login_required
@require_http_methods(["GET", "POST"])
def complaint_create(request):
    require_anywhere(request.user, C.HANDLE_COMPLAINTS)
    stores = access_for(request.user).stores(C.HANDLE_COMPLAINTS)
    initial, customer = _prefill(request, stores)
    form = IntakeForm(request.POST or None, stores=stores, initial=initial)
    if request.method == "POST" and form.is_valid():
        store = form.cleaned_data["store"]
        category, reason = _category_and_reason(form, store)
        vehicle = None
        if not form.errors:
            customer = _intake_customer(request, form)
        if customer is not None and form.cleaned_data.get("vehicle"):
            vehicle = (
                customer_selectors.vehicles_for_user(request.user)
                .filter(pk=form.cleaned_data["vehicle"], owner=customer)
                .first()
            )
        if not form.errors and customer is not None:
            data = form.cleaned_data
            try:
                complaint = services.complaint_create(
                    actor=request.user, store=store, customer=customer, vehicle=vehicle,
                    channel=data["channel"], description=data["description"],
                    customer_request=data["customer_request"],
                    promised_reply_at=data["promised_reply_at"],
                    received_at=data["received_at"], category=category, reason=reason,
                    severity=data["severity"], origin_type=data["origin_type"],
                    origin_id=data["origin_id"],
                )  # fmt: skip
            except ValidationError as error:
                form.add_error(None, error)
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                local = timezone.localtime(complaint.promised_reply_at, store.tzinfo)
                messages.success(request, _(
                    "Complaint %(number)s recorded. Tell the customer they will hear back by "
                    "%(when)s.") % {"number": complaint.number,
                                    "when": local.strftime("%Y-%m-%d %H:%M")})  # fmt: skip
                return redirect("complaints:detail", complaint.pk)
    store = stores.first() if not customer else customer.store
    if form.is_bound and form.is_valid():
        store = form.cleaned_data["store"]
    return render(request, "complaints/complaint_form.html", {
        "page_title": _("Record a complaint"), "form": form, "customer": customer,
        "customer_mobile": mask_mobile(customer.mobile)
        if customer else "",
        "vehicles": list(customer.vehicles.all()) if customer else [],
        "categories": selectors.categories_for_store(store) if store else [],
    })  # fmt: skip


@login_required
@require_GET
def customer_lookup(request):
    """HTMX: customers matching the typed text, to pick one for the complaint."""
    require_anywhere(request.user, C.HANDLE_COMPLAINTS)
    q = request.GET.get("q", "").strip()
    store_ids = access_for(request.user).store_ids(C.HANDLE_COMPLAINTS)
    found = customer_selectors.customer_search(request.user, q, limit=10, store_ids=store_ids) if (
        len(q) >= 2) else []  # fmt: skip
    rows = [{"customer": c, "mobile": shown_mobile(request.user, c.store_id, c.mobile),
             "vehicles": list(c.vehicles.all())} for c in found]  # fmt: skip
    return render(request, "complaints/_customer_lookup.html", {"rows": rows, "q": q})


# --- one complaint ------------------------------------------------------------------------------

TRANSITION_STYLE = {
    flow.Transition.CUSTOMER_NEGOTIATES: "btn-outline-warning",
    flow.Transition.REOPEN: "btn-outline-danger",
}


@login_required
@require_GET
def complaint_detail(request, pk):
    require_anywhere(request.user, C.VIEW_COMPLAINTS)
    data = selectors.complaint_detail(request.user, pk)
    complaint = data["complaint"]
    user = request.user
    clock = clock_for(complaint.store)
    now = timezone.now()
    can_work = services.may_work_on(user, complaint) and access_for(user).has(
        C.HANDLE_COMPLAINTS, complaint.store_id
    )
    transitions = [
        {"value": t.value, "label": ActionKind(t.value).label,
         "style": TRANSITION_STYLE.get(t, "btn-primary")}
        for t in flow.allowed(complaint.status) if services.may_fire(user, complaint, t)
    ] if can_work else []  # fmt: skip
    is_manager = access_for(user).has(C.MANAGE_COMPLAINTS, complaint.store_id)
    handlers = (
        User.objects.filter(memberships__store_id=complaint.store_id, is_active=True,
                            memberships__role__in=HANDLER_ROLES)
        .distinct()
        .order_by("display_name", "username")
        if is_manager
        else []
    )  # fmt: skip
    return render(request, "complaints/complaint_detail.html", {
        **data, "page_title": _("Complaint %(number)s") % {"number": complaint.number},
        "mobile": mask_mobile(complaint.contact_mobile),
        "ack_status": step_status(complaint, "acknowledge", now, clock),
        "solution_status": step_status(complaint, "solution", now, clock),
        "sla_labels": {"ok": _("On time"), "nearing": _("Nearly due"),
                       "breached": _("Past the limit")},
        "transitions": transitions, "can_work": can_work, "is_manager": is_manager,
        "handlers": handlers, "departments": Department.choices,
        "satisfactions": CustomerSatisfaction.choices, "severities": Severity.choices,
        "manual_actions": [(k.value, k.label) for k in services_manual_actions()],
        "three_changes": [k.value for k in THREE_CHANGES],
        "categories": selectors.categories_for_store(complaint.store) if can_work else [],
        "can_export": access_for(user).has(C.EXPORT_LISTS, complaint.store_id),
        "tz": complaint.store.tzinfo,
    })  # fmt: skip


def services_manual_actions():
    from .choices import MANUAL_ACTIONS

    return MANUAL_ACTIONS


def _back(complaint_or_pk):
    pk = getattr(complaint_or_pk, "pk", complaint_or_pk)
    return redirect(reverse("complaints:detail", args=[pk]))


def _handler(request, complaint, owner_id):
    if not owner_id:
        return None
    owner = User.objects.filter(pk=owner_id, is_active=True).first()
    if owner is None or not access_for(owner).has(C.HANDLE_COMPLAINTS, complaint.store_id):
        raise ApplicationError(_("Choose a handler of this store."))
    return owner


def _on_complaint(request, pk, form, invalid, act):
    """The shape of the complaint page's forms: gate, load the complaint (404 outside the user's
    stores), validate, act, report the outcome and go back to the complaint.

    ``act(complaint, data)`` calls the service and returns the success message; a refusal
    (ApplicationError, ValidationError) is shown instead and nothing is saved.
    """
    require_anywhere(request.user, C.HANDLE_COMPLAINTS)
    complaint = selectors.complaint_get(request.user, pk)
    bound = form(request.POST, request.FILES)
    if not bound.is_valid():
        messages.error(request, invalid)
        return _back(complaint)
    try:
        done = act(complaint, bound.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return _back(complaint)


@login_required
@require_POST
def complaint_transition(request, pk):
    def act(complaint, data):
        services.complaint_transition(
            actor=request.user, complaint=complaint, transition=data["transition"],
            note=data["note"], owner=_handler(request, complaint, data["owner"]),
            department=data["department"], solution=data["solution"], result=data["result"],
            satisfaction=data["satisfaction"], prevention=data["prevention"],
        )  # fmt: skip
        return _("Done: %(step)s.") % {"step": ActionKind(data["transition"]).label}

    return _on_complaint(request, pk, TransitionForm, _("Choose a step to take."), act)


@login_required
@require_POST
def complaint_action(request, pk):
    def act(complaint, data):
        services.complaint_record_action(
            actor=request.user, complaint=complaint, kind=data["kind"], note=data["note"],
            owner=_handler(request, complaint, data["owner"]), when=data["when"],
        )  # fmt: skip
        return _("Recorded: %(what)s.") % {"what": ActionKind(data["kind"]).label}

    return _on_complaint(request, pk, ActionForm, _("Choose what to record."), act)


@login_required
@require_POST
def complaint_classify(request, pk):
    def act(complaint, data):
        category = ComplaintCategory.objects.filter(
            pk=data["category"], store_id=complaint.store_id
        ).first() if data["category"] else None  # fmt: skip
        reason = ComplaintReason.objects.filter(
            pk=data["reason"], category__store_id=complaint.store_id
        ).select_related("category").first() if data["reason"] else None  # fmt: skip
        if reason is not None and category is None:
            category = reason.category
        services.complaint_classify(actor=request.user, complaint=complaint, category=category,
                                    reason=reason, severity=data["severity"])  # fmt: skip
        return _("Category and severity saved.")

    return _on_complaint(request, pk, ClassifyForm, _("Choose the severity."), act)


@login_required
@require_POST
def attachment_upload(request, pk):
    def act(complaint, data):
        services.attachment_add(actor=request.user, complaint=complaint, upload=data["file"])
        return _("File attached.")

    return _on_complaint(request, pk, AttachmentForm, _("Choose a file to attach."), act)


@login_required
@require_GET
def attachment_download(request, pk):
    """Only through here, for users who may see the complaint; never run by the browser."""
    require_anywhere(request.user, C.VIEW_COMPLAINTS)
    attachment = selectors.attachment_get(request.user, pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404(_("The file is missing.")) from None
    return attachment_response(handle, attachment)


def attachment_response(handle, attachment):
    """A file response with safe headers: the sniffed type, nosniff, a CSP sandbox, and
    'attachment' (download) for anything that is not an image."""
    inline = attachment.kind == "image"
    response = FileResponse(
        handle,
        content_type=attachment.content_type,
        as_attachment=not inline,
        filename=attachment.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


# --- notifications ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def notification_list(request):
    if request.method == "POST":
        services.notifications_mark_read(user=request.user)
        return redirect("complaints:notifications")
    return render(request, "complaints/notification_list.html", {
        "page_title": _("Notifications"),
        "notifications": selectors.notifications_for(request.user),
    })  # fmt: skip
