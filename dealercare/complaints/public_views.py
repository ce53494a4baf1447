"""The public online complaint form (no login): pick the store, describe what happened, get a
reference number and the time the store will reply by. Spam defences in spam.py."""

from django.core import signing
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from dealercare.accounts.models import DealerGroup, Store

from . import services, spam
from .forms import PublicComplaintForm, issue_form_token

THANKS_SALT = "complaints.public-thanks"


def _client_ip(request):
    return request.META.get("REMOTE_ADDR") or ""


def _store(code):
    store = Store.objects.filter(code=code, is_active=True).select_related("group").first()
    if store is None:
        raise Http404(_("No such store."))
    return store


@require_GET
def index(request):
    """Enter the store code printed on the receipt or the store's poster."""
    code = (request.GET.get("code") or "").strip().upper()
    if code and Store.objects.filter(code=code, is_active=True).exists():
        return redirect("complaint-public:form", code)
    return render(request, "complaints/public/index.html", {"code": code, "not_found": bool(code)})


@require_GET
def store_list(request, group_code):
    """A dealer group's stores, to choose where the complaint goes."""
    group = DealerGroup.objects.filter(code=group_code).first()
    if group is None:
        raise Http404(_("No such dealer group."))
    stores = Store.objects.filter(group=group, is_active=True).order_by("city", "name")
    return render(request, "complaints/public/stores.html", {"group": group, "stores": stores})


@never_cache
@require_http_methods(["GET", "POST"])
def complaint_form(request, store_code):
    store = _store(store_code)
    form = PublicComplaintForm(request.POST or None, initial={"token": issue_form_token()})
    refused = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        refused = (
            (spam.MSG_REJECTED if data["website"] else None)
            or spam.check_token(data["token"])
            or next(iter(spam.content_problems(data["description"])), None)
            or spam.rate_limited(ip=_client_ip(request), mobile=data["mobile"])
        )
        if refused is None:
            complaint = services.public_complaint_submit(
                store=store, name=data["name"], mobile=data["mobile"],
                description=data["description"], customer_request=data["customer_request"],
                plate=data["plate"],
            )  # fmt: skip
            ticket = signing.dumps({"c": complaint.pk, "s": store.pk}, salt=THANKS_SALT)
            return redirect(reverse("complaint-public:thanks", args=[store.code]) + f"?t={ticket}")
        form.data = form.data.copy()
        form.data["token"] = issue_form_token()
    elif request.method == "POST":
        form.data = form.data.copy()
        form.data["token"] = issue_form_token()
    return render(request, "complaints/public/form.html", {
        "store": store, "form": form, "refused": refused,
    }, status=200)  # fmt: skip


@never_cache
@require_GET
def thanks(request, store_code):
    """The reference number and the promised reply time (from a signed ticket, an hour long)."""
    from .models import Complaint

    store = _store(store_code)
    try:
        ticket = signing.loads(request.GET.get("t", ""), salt=THANKS_SALT, max_age=3600)
    except signing.BadSignature:
        raise Http404(_("This page has expired.")) from None
    complaint = Complaint.objects.filter(pk=ticket.get("c"), store=store).first()
    if complaint is None or ticket.get("s") != store.pk:
        raise Http404(_("This page has expired."))
    return render(request, "complaints/public/thanks.html", {
        "store": store, "number": complaint.number,
        "reply_by": timezone.localtime(complaint.promised_reply_at, store.tzinfo),
    })  # fmt: skip
