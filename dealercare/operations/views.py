"""Deliveries, service visits and prospects' inquiries: lists, a visit page and the entry forms.

Lists are scoped to the stores where the user sees customers; entry forms first pick a customer
of a store where the user may write (search by name, pinyin, mobile, plate...), then record the
event through operations.services. Times are entered and shown in the store's time zone.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from dealercare.accounts.access import access_for
from dealercare.accounts.forms import add_service_errors
from dealercare.accounts.roles import Capability
from dealercare.core.errors import ApplicationError, DuplicateError
from dealercare.core.validators import mask_mobile
from dealercare.customers import selectors as customer_selectors
from dealercare.customers import services as customer_services
from dealercare.customers.exports import plain_filters
from dealercare.customers.models import Vehicle

from . import exports, selectors, services
from .forms import (
    DeliveryFilterForm,
    DeliveryForm,
    InquiryFilterForm,
    InquiryForm,
    ProspectForm,
    ServiceVisitForm,
    VisitFilterForm,
)

PAGE_SIZE = 50
PICK_LIMIT = 20


def _require_anywhere(user, capability):
    if not access_for(user).has_anywhere(capability):
        raise PermissionDenied


def _list_page(request, *, form_class, select, template, title, capability, extra=None):
    """Render a filtered, paginated list (a partial for HTMX requests)."""
    _require_anywhere(request.user, Capability.VIEW_CUSTOMERS)
    stores = list(access_for(request.user).stores(Capability.VIEW_CUSTOMERS))
    filters = form_class(request.GET or None, stores=stores)
    rows = select(request.user, **filters.filters())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_title": title, "page_obj": page, "filters": filters,
        "show_store": len(stores) > 1,
        "can_create": access_for(request.user).has_anywhere(capability),
        **(extra or {}),
    }  # fmt: skip
    if request.htmx:
        return render(request, f"operations/_{template}", context)
    return render(request, f"operations/{template}", context)


@login_required
@require_safe
def delivery_list(request):
    """Deliveries of my stores, filtered by store, dates, consultant, status or a search."""
    return _list_page(
        request, form_class=DeliveryFilterForm, select=selectors.delivery_list,
        template="delivery_list.html", title=_("Deliveries"),
        capability=Capability.WRITE_OPERATIONS,
    )  # fmt: skip


@login_required
@require_safe
def visit_list(request):
    """Service visits of my stores, filtered by store, dates, type, status, advisor or search."""
    return _list_page(
        request, form_class=VisitFilterForm, select=selectors.service_visit_list,
        template="visit_list.html", title=_("Service visits"),
        capability=Capability.WRITE_OPERATIONS,
    )  # fmt: skip


def _export(request, *, form_class, select, export, list_name, store_refused):
    """The filtered list as an audited XLSX download, for users allowed to export."""
    _require_anywhere(request.user, Capability.EXPORT_LISTS)
    stores = list(access_for(request.user).stores(Capability.EXPORT_LISTS))
    filters = form_class(request.GET, stores=stores)
    if not filters.is_valid():
        refused = "store" in filters.errors
        messages.error(
            request, store_refused if refused else _("Correct the filters before exporting.")
        )
        return redirect(f"{reverse(list_name)}?{request.GET.urlencode()}")
    chosen = filters.cleaned_data["store"]
    return export(
        actor=request.user,
        rows=select(request.user, **filters.filters()),
        filters=plain_filters(filters.cleaned_data, stores),
        store=next((s for s in stores if s.pk == chosen), None),
    ).response()


@login_required
@require_GET
def delivery_export(request):
    """The filtered delivery list as XLSX; audited."""
    return _export(
        request, form_class=DeliveryFilterForm, select=selectors.delivery_list,
        export=lambda rows, **kw: exports.delivery_list_export(deliveries=rows, **kw),
        list_name="operations:delivery-list",
        store_refused=_("You may not export the deliveries of the chosen store."),
    )  # fmt: skip


@login_required
@require_GET
def visit_export(request):
    """The filtered service visit list as XLSX; audited."""
    return _export(
        request, form_class=VisitFilterForm, select=selectors.service_visit_list,
        export=lambda rows, **kw: exports.service_visit_list_export(visits=rows, **kw),
        list_name="operations:visit-list",
        store_refused=_("You may not export the service visits of the chosen store."),
    )  # fmt: skip


@login_required
@require_safe
def inquiry_list(request):
    """Prospects' inquiries of my stores."""
    return _list_page(
        request, form_class=InquiryFilterForm, select=selectors.inquiry_list,
        template="inquiry_list.html", title=_("Prospects"),
        capability=Capability.EDIT_CUSTOMERS,
    )  # fmt: skip


@login_required
@require_safe
def visit_detail(request, pk):
    """One repair order: vehicle, customer, advisor, technician, work and amounts."""
    _require_anywhere(request.user, Capability.VIEW_CUSTOMERS)
    visit = selectors.service_visit_get(request.user, pk)
    return render(request, "operations/visit_detail.html", {
        "page_title": _("Repair order %(no)s") % {"no": visit.repair_order_no}, "visit": visit,
    })  # fmt: skip


# --- entry forms ------------------------------------------------------------------------------


def _customer_pick(request, capability):
    """Step one of an entry form: search the customers of stores where I may write."""
    q = (request.GET.get("q") or "").strip()
    results = []
    if q:
        store_ids = access_for(request.user).store_ids(capability)
        found = customer_selectors.customer_search(
            request.user, q, limit=PICK_LIMIT, store_ids=store_ids
        )
        results = [{"customer": c, "mobile": mask_mobile(c.mobile),
                    "vehicles": list(c.vehicles.all())} for c in found]  # fmt: skip
    return {"q": q, "results": results, "searched": bool(q)}


def _ip(request):
    return request.META.get("REMOTE_ADDR") or None


def _apply_error(form, exc):
    """A service's refusal as form errors: per field where it names one."""
    if isinstance(exc, ValidationError):
        add_service_errors(form, exc)
        return
    field = exc.extra.get("field") if isinstance(exc, ApplicationError) else None
    form.add_error(field if field in form.fields else None, str(exc.message))


def _entry(request, *, capability, form_class, template, title, save, with_vehicles=True):
    """Pick a customer, then record an event for them (shared by deliveries and visits)."""
    _require_anywhere(request.user, capability)
    customer_id = request.POST.get("customer") or request.GET.get("customer")
    if not customer_id:
        context = {"page_title": title, "step": "pick", **_customer_pick(request, capability)}
        if request.htmx:
            return render(request, "operations/_customer_pick.html", context)
        return render(request, template, context)
    customer = customer_selectors.customer_get(request.user, customer_id, capability=capability)
    store = customer.store
    vehicles = Vehicle.objects.filter(owner=customer).order_by("-delivery_date", "-id")
    # Entered and shown in the store's own time zone, stored in UTC.
    with timezone.override(store.tzinfo):
        form = form_class(
            request.POST or None, store=store, vehicles=vehicles if with_vehicles else None
        )
        if request.method == "POST" and form.is_valid():
            try:
                obj, url, message = save(form, customer)
            except (ApplicationError, ValidationError) as exc:
                _apply_error(form, exc)
            else:
                messages.success(request, message)
                return redirect(url)
        return render(request, template, {
            "page_title": title, "step": "form", "customer": customer, "form": form,
            "has_vehicles": bool(vehicles) if with_vehicles else True,
            "mobile": mask_mobile(customer.mobile), "store_tz": store.timezone,
        })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def delivery_create(request):
    """Record a delivery: choose the customer, one of their vehicles, when and by whom."""

    def save(form, customer):
        delivery = services.delivery_create(
            actor=request.user, store=customer.store, customer=customer,
            vehicle=form.cleaned_data["vehicle"], fields=form.service_fields(),
        )  # fmt: skip
        return delivery, _customer_url(customer), _("Delivery recorded.")

    return _entry(
        request, capability=Capability.WRITE_OPERATIONS, form_class=DeliveryForm,
        template="operations/delivery_form.html", title=_("New delivery"), save=save,
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def visit_create(request):
    """Record a service visit (repair order) for a customer's vehicle."""

    def save(form, customer):
        visit = services.service_visit_create(
            actor=request.user, store=customer.store, customer=customer,
            vehicle=form.cleaned_data["vehicle"],
            repair_order_no=form.cleaned_data["repair_order_no"], fields=form.service_fields(),
        )  # fmt: skip
        return (
            visit,
            reverse("operations:visit-detail", args=[visit.pk]),
            _("Service visit recorded."),
        )

    return _entry(
        request, capability=Capability.WRITE_OPERATIONS, form_class=ServiceVisitForm,
        template="operations/visit_form.html", title=_("New service visit"), save=save,
    )  # fmt: skip


def _customer_url(customer):
    return reverse("customers:detail", args=[customer.pk])


@login_required
@require_http_methods(["GET", "POST"])
def inquiry_create(request):
    """Record a prospect's inquiry, for an existing customer or a new prospect."""
    capability = Capability.EDIT_CUSTOMERS
    _require_anywhere(request.user, capability)
    if request.POST.get("customer") or request.GET.get("customer"):

        def save(form, customer):
            inquiry = services.inquiry_create(
                actor=request.user, store=customer.store, customer=customer,
                fields=form.service_fields(),
            )  # fmt: skip
            return inquiry, _customer_url(customer), _("Inquiry recorded.")

        return _entry(
            request, capability=capability, form_class=InquiryForm, with_vehicles=False,
            template="operations/inquiry_form.html", title=_("New inquiry"), save=save,
        )  # fmt: skip
    return _new_prospect(request, capability)


def _new_prospect(request, capability):
    """Step one offers a search of existing customers and a form for a new prospect."""
    stores = list(access_for(request.user).stores(capability))
    wanted = request.POST.get("store") or request.GET.get("store")
    store = next((s for s in stores if str(s.pk) == str(wanted)), stores[0])
    prospect = ProspectForm(request.POST or None)
    inquiry = InquiryForm(request.POST or None, store=store)
    if request.method == "POST" and prospect.is_valid() and inquiry.is_valid():
        data = prospect.cleaned_data
        try:
            with transaction.atomic():
                customer = customer_services.customer_create(
                    actor=request.user, store=store,
                    fields={"name": data["name"], "gender": data["gender"],
                            "mobile": data["mobile"], "source": _source_of(inquiry)},
                )  # fmt: skip
                try:
                    services.inquiry_create(
                        actor=request.user, store=store, customer=customer,
                        fields=inquiry.service_fields(),
                    )  # fmt: skip
                except (ApplicationError, ValidationError) as exc:
                    _apply_error(inquiry, exc)
                    raise _Abort from exc
        except DuplicateError as exc:
            prospect.add_error("mobile", str(exc.message))
            duplicate = exc.existing
        except (ApplicationError, ValidationError) as exc:
            _apply_error(prospect, exc)
            duplicate = None
        except _Abort:
            duplicate = None
        else:
            messages.success(request, _("Prospect and inquiry recorded."))
            return redirect(_customer_url(customer))
    else:
        duplicate = None
    context = {
        "page_title": _("New prospect"), "step": "pick", "stores": stores, "store": store,
        "pick_title": _("An existing customer"),
        "prospect": prospect, "inquiry": inquiry, "duplicate": duplicate,
        **_customer_pick(request, capability),
    }  # fmt: skip
    if request.htmx and request.method == "GET" and "q" in request.GET:
        return render(request, "operations/_customer_pick.html", context)
    return render(request, "operations/inquiry_form.html", context)


class _Abort(Exception):
    """Roll back the new prospect when their inquiry is refused."""


_CHANNEL_SOURCE = {"walk_in": "walk_in", "phone": "phone", "online": "online", "event": "event",
                   "referral": "referral"}  # fmt: skip


def _source_of(inquiry_form):
    return _CHANNEL_SOURCE.get(inquiry_form.cleaned_data.get("channel"), "other")
