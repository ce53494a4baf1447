"""Customer and vehicle pages: thin views over selectors (reads) and services (writes)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dealercare.accounts.access import MSG_NO_PERMISSION, access_for
from dealercare.accounts.roles import Capability
from dealercare.core.errors import ApplicationError, DuplicateError
from dealercare.core.validators import normalize_mobile, normalize_plate, normalize_vin
from dealercare.operations.selectors import deliveries_for_user, service_visits_for_user

from . import exports, selectors, services
from .choices import CustomerKind
from .forms import (
    ConsentForm,
    ContactFormSet,
    CustomerFilterForm,
    CustomerForm,
    FirstVehicleForm,
    MergeForm,
    RevealForm,
    TransferForm,
    VehicleFilterForm,
    VehicleForm,
    contact_changes,
)
from .models import Customer
from .services import MSG_MERGE_MERGED, MSG_MERGE_SAME, MSG_MERGE_STORES
from .timeline import customer_timeline

PAGE_SIZE = 50
QUICK_SEARCH_LIMIT = 10

C = Capability


def _require_anywhere(user, capability):
    if not access_for(user).has_anywhere(capability):
        raise PermissionDenied(MSG_NO_PERMISSION)


def _partial(request):
    """An HTMX request that wants only a fragment (not a boosted full-page navigation)."""
    return bool(request.htmx) and not request.htmx.boosted


def _client_ip(request):
    return request.META.get("REMOTE_ADDR") or None


def _add_validation_errors(error, *forms):
    """Put a service's ValidationError on the form that has the field, else on the first form."""
    if not hasattr(error, "error_dict"):
        forms[0].add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form = next((f for f in forms if field in f.fields), None)
        if form is None:
            forms[0].add_error(None, errors)
        else:
            form.add_error(field, errors)


def _duplicate_link(error, form, field_name, html_name=None):
    """Show a DuplicateError on its field and return the link to the existing record."""
    form.add_error(field_name if field_name in form.fields else None, error.message)
    existing_id = error.extra.get("existing_id")
    if existing_id:
        url = reverse("customers:detail", args=[existing_id])
        label = _("Open existing customer")
    else:
        url = reverse("customers:vehicle-detail", args=[error.extra["existing_vehicle_id"]])
        label = _("Open existing vehicle")
    return {"field": html_name or field_name, "url": url, "label": label}


class _Outcome:
    """What a form's service call gave: the result, or the duplicate link to show (if any)."""

    def __init__(self, result=None, duplicate=None, ok=False):
        self.result, self.duplicate, self.ok = result, duplicate, ok


def _submit(call, form, *, extra_forms=(), duplicate_on=None):
    """Run a service for a valid form; its refusals land on the form's fields.

    `duplicate_on(err)` returns (form, field, html_name) where a DuplicateError is shown.
    """
    try:
        return _Outcome(result=call(), ok=True)
    except DuplicateError as err:
        target, field, html_name = duplicate_on(err)
        return _Outcome(duplicate=_duplicate_link(err, target, field, html_name))
    except ValidationError as err:
        _add_validation_errors(err, form, *extra_forms)
    except ApplicationError as err:
        form.add_error(None, err.message)
    return _Outcome()


def _redirect_if_merged(request, customer):
    if customer.merged_into_id:
        messages.info(
            request,
            _("%(old)s was merged into %(new)s; this is the customer that was kept.")
            % {"old": customer, "new": customer.merged_into},
        )
        return redirect("customers:detail", pk=customer.merged_into_id)
    return None


# --- customer list, search, export ------------------------------------------------------------


@login_required
@require_GET
def customer_list(request):
    """The filtered, searchable customer list; HTMX gets the results table only."""
    _require_anywhere(request.user, C.VIEW_CUSTOMERS)
    form = CustomerFilterForm(request.GET, user=request.user)
    page = Paginator(form.customers(), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_title": _("Customers"),
        "form": form,
        "page": page,
        "searching": bool(form.is_valid() and form.cleaned_data["q"]),
        "multi_store": len(form.store_ids) > 1,
        "can_export": access_for(request.user).has_anywhere(C.EXPORT_LISTS),
        "can_create": access_for(request.user).has_anywhere(C.EDIT_CUSTOMERS),
    }
    if _partial(request):
        return render(request, "customers/_customer_results.html", context)
    return render(request, "customers/customer_list.html", context)


@login_required
@require_GET
def customer_search(request):
    """Quick-search results (search box, merge and transfer pickers) or a duplicate hint."""
    _require_anywhere(request.user, C.VIEW_CUSTOMERS)
    check = request.GET.get("check")
    if check in ("mobile", "vin"):
        return _duplicate_hint(request, check)
    q = request.GET.get("q", "").strip()
    pick = request.GET.get("pick")
    store_ids, exclude, link = None, set(), None
    if pick == "merge":
        customer = selectors.customer_get(request.user, request.GET.get("for"))
        access_for(request.user).require(C.MERGE_CUSTOMERS, customer.store_id)
        store_ids, exclude = [customer.store_id], {customer.pk}
        base = reverse("customers:merge", args=[customer.pk])
        link = lambda c: f"{base}?{urlencode({'other': c.pk})}"  # noqa: E731
    elif pick == "transfer":
        vehicle = selectors.vehicle_get(request.user, request.GET.get("vehicle"))
        access_for(request.user).require(C.EDIT_CUSTOMERS, vehicle.store_id)
        store_ids, exclude = [vehicle.store_id], {vehicle.owner_id}
        base = reverse("customers:vehicle-transfer", args=[vehicle.pk])
        link = lambda c: f"{base}?{urlencode({'new_owner': c.pk})}"  # noqa: E731
    results = []
    if q:
        found = selectors.customer_search(
            request.user, q, limit=QUICK_SEARCH_LIMIT + len(exclude), store_ids=store_ids
        )
        results = [c for c in found if c.pk not in exclude][:QUICK_SEARCH_LIMIT]
    items = [(c, link(c) if link else reverse("customers:detail", args=[c.pk])) for c in results]
    return render(
        request,
        "customers/_search_results.html",
        {"items": items, "q": q, "pick": pick, "more_url": _list_url(q) if not pick else None},
    )


def _list_url(q):
    return f"{reverse('customers:list')}?{urlencode({'q': q})}" if q else ""


def _duplicate_hint(request, check):
    """'Already exists: <link>' for a mobile or VIN typed into a form, within the chosen store."""
    raw = request.GET.get(check) or request.GET.get(f"vehicle-{check}") or ""
    allowed = access_for(request.user).store_ids(C.VIEW_CUSTOMERS)
    store = request.GET.get("store", "")
    if store:
        allowed = [s for s in allowed if str(s) == store]
    exclude = request.GET.get("exclude", "")
    exclude = int(exclude) if exclude.isdigit() else None
    customer = vehicle = None
    if check == "mobile":
        mobile = normalize_mobile(raw)
        if mobile and allowed:
            customer = (
                selectors.customers_for_user(request.user)
                .filter(store_id__in=allowed, mobile=mobile)
                .exclude(pk=exclude)
                .first()
            )
    else:
        vin = normalize_vin(raw)
        if len(vin) == 17 and allowed:
            vehicle = (
                selectors.vehicles_for_user(request.user)
                .filter(store_id__in=allowed, vin=vin)
                .exclude(pk=exclude)
                .select_related("owner")
                .first()
            )
            customer = vehicle.owner if vehicle else None
    return render(
        request,
        "customers/_duplicate_hint.html",
        {"check": check, "customer": customer, "vehicle": vehicle},
    )


@login_required
@require_GET
def customer_export(request):
    """The filtered list as XLSX, for users allowed to export; audited."""
    _require_anywhere(request.user, C.EXPORT_LISTS)
    form = CustomerFilterForm(request.GET, user=request.user, capability=C.EXPORT_LISTS)
    if not form.is_valid():
        messages.error(request, _("You may not export the customers of the chosen store."))
        return redirect(f"{reverse('customers:list')}?{request.GET.urlencode()}")
    export = exports.customer_list_export(
        actor=request.user,
        customers=form.customers(),
        filters=form.applied_filters(),
        store=form.cleaned_data["store"],
    )
    return export.response()


# --- customer 360 -----------------------------------------------------------------------------


@login_required
@require_GET
def customer_detail(request, pk):
    """The customer 360 page: profile, vehicles, contacts, consent, timeline."""
    data = selectors.customer_detail(request.user, pk)
    customer = data["customer"]
    if response := _redirect_if_merged(request, customer):
        return response
    access = access_for(request.user)
    timeline = customer_timeline(customer, request.user)
    counts = {}
    for entry in timeline:
        counts[entry.kind] = counts.get(entry.kind, 0) + 1
    return render(
        request,
        "customers/customer_detail.html",
        {
            **data,
            "page_title": customer.name,
            "timeline": timeline,
            "counts": counts,
            "can_reveal": access.has(C.REVEAL_PHONE, customer.store_id),
            "can_edit": access.has(C.EDIT_CUSTOMERS, customer.store_id),
            "can_merge": access.has(C.MERGE_CUSTOMERS, customer.store_id),
            "consent_form": ConsentForm(),
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def customer_reveal_phone(request, pk):
    """Ask why, then show the full mobile number; each reveal is audited with its reason."""
    customer = selectors.customer_get(request.user, pk)
    access_for(request.user).require(C.REVEAL_PHONE, customer.store_id)
    form = RevealForm(request.POST or None)
    context = {"customer": customer, "form": form, "page_title": _("Show full mobile number")}
    if request.method == "POST" and form.is_valid():
        try:
            mobile = services.mobile_reveal(
                actor=request.user,
                customer=customer,
                reason=form.cleaned_data["reason"],
                ip_address=_client_ip(request),
            )
        except ApplicationError as err:
            form.add_error("reason", err.message)
        else:
            context["mobile"] = mobile
            template = "_reveal_done.html" if _partial(request) else "reveal_phone.html"
            return render(request, f"customers/{template}", context)
    if _partial(request):
        template = "_reveal_form.html" if request.method == "POST" else "_reveal_modal.html"
        return render(request, f"customers/{template}", context)
    return render(request, "customers/reveal_phone.html", context)


@login_required
@require_POST
def customer_consent(request, pk):
    """Record a customer's yes or no to a channel, with how it was given."""
    customer = selectors.customer_get(request.user, pk)
    if response := _redirect_if_merged(request, customer):
        return response
    access_for(request.user).require(C.EDIT_CUSTOMERS, customer.store_id)
    form = ConsentForm(request.POST)
    saved = False
    if form.is_valid():
        try:
            services.consent_set(actor=request.user, customer=customer, **form.cleaned_data)
        except ValidationError as err:
            _add_validation_errors(err, form)
        else:
            saved = True
    if not _partial(request):
        if saved:
            messages.success(request, _("Consent recorded."))
        else:
            errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
            messages.error(request, _("The consent was not recorded: %(e)s") % {"e": errors})
        return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/_consent_card.html",
        {
            "customer": customer,
            "consents": list(customer.consents.select_related("recorded_by")[:20]),
            "consent_form": ConsentForm() if saved else form,
            "can_edit": True,
            "saved": saved,
        },
    )


# --- create / edit ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def customer_create(request):
    """A new person or company customer, optionally with its first vehicle."""
    _require_anywhere(request.user, C.EDIT_CUSTOMERS)
    data = request.POST or None
    form = CustomerForm(data, user=request.user)
    contacts = ContactFormSet(data, instance=form.instance, prefix="contacts")
    vehicle_form = FirstVehicleForm(data, prefix="vehicle")
    duplicate = None
    if request.method == "POST":
        is_company = form.data.get("kind") == CustomerKind.COMPANY
        wants_vehicle = vehicle_form.has_changed()
        valid = [
            form.is_valid(),
            contacts.is_valid() if is_company else True,
            vehicle_form.is_valid() if wants_vehicle else True,
        ]
        if all(valid):
            to_save = contact_changes(contacts)[0] if is_company else []
            outcome = _submit(
                lambda: services.customer_create_with_vehicle(
                    actor=request.user,
                    store=form.cleaned_data["store"],
                    fields=form.customer_fields(),
                    tags=form.tag_names(),
                    contacts=[{k: v for k, v in c.items() if k != "id"} for c in to_save],
                    vehicle_fields=vehicle_form.vehicle_fields() if wants_vehicle else None,
                ),
                form,
                extra_forms=[vehicle_form],
                duplicate_on=lambda err: (
                    (vehicle_form, "vin", "vehicle-vin")
                    if err.extra.get("field") == "vin"
                    else (form, "mobile", None)
                ),
            )
            duplicate = outcome.duplicate
            if outcome.ok:
                customer = outcome.result
                messages.success(request, _("Customer %(c)s created.") % {"c": customer})
                return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/customer_form.html",
        {
            "page_title": _("New customer"),
            "form": form,
            "contacts": contacts,
            "vehicle_form": vehicle_form,
            "duplicate": duplicate,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def customer_edit(request, pk):
    """Change a customer's profile, tags, consent flags and (companies) key contacts."""
    customer = selectors.customer_get(request.user, pk)
    if response := _redirect_if_merged(request, customer):
        return response
    access_for(request.user).require(C.EDIT_CUSTOMERS, customer.store_id)
    data = request.POST or None
    form = CustomerForm(data, instance=customer, user=request.user)
    contacts = ContactFormSet(data, instance=customer, prefix="contacts")
    duplicate = None
    if request.method == "POST":
        is_company = form.data.get("kind") == CustomerKind.COMPANY
        if form.is_valid() and (contacts.is_valid() if is_company else True):
            to_save, to_delete = contact_changes(contacts) if is_company else (None, ())
            outcome = _submit(
                lambda: services.customer_edit(
                    actor=request.user,
                    customer=customer,
                    fields=form.customer_fields(),
                    tags=form.tag_names(),
                    contacts=to_save,
                    delete_contact_ids=to_delete,
                ),
                form,
                duplicate_on=lambda err: (form, "mobile", None),
            )
            duplicate = outcome.duplicate
            if outcome.ok:
                messages.success(request, _("Changes saved."))
                return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/customer_form.html",
        {
            "page_title": _("Edit %(c)s") % {"c": customer},
            "customer": customer,
            "form": form,
            "contacts": contacts,
            "duplicate": duplicate,
        },
    )


# --- merge ------------------------------------------------------------------------------------


def _merge_profiles(first, second):
    """Both customers with the counts the merge preview compares, in two queries."""
    stats = {
        row["pk"]: row
        for row in Customer.objects.filter(pk__in=[first.pk, second.pk])
        .annotate(
            vehicle_count=Count("vehicles", distinct=True),
            visit_count=Count("service_visits", distinct=True),
            delivery_count=Count("deliveries", distinct=True),
            contact_count=Count("contacts", distinct=True),
        )
        .values("pk", "vehicle_count", "visit_count", "delivery_count", "contact_count")
    }
    return [{"customer": c, **stats.get(c.pk, {})} for c in (first, second)]


@login_required
@require_http_methods(["GET", "POST"])
def customer_merge(request, pk):
    """Pick a duplicate of the same store, compare both, give a reason, merge."""
    customer = selectors.customer_get(request.user, pk)
    access_for(request.user).require(C.MERGE_CUSTOMERS, customer.store_id)
    if response := _redirect_if_merged(request, customer):
        return response
    other_id = request.POST.get("other") or request.GET.get("other")
    other, problem = None, None
    if other_id:
        other = selectors.customer_get(request.user, other_id, C.MERGE_CUSTOMERS)
        if other.pk == customer.pk:
            problem = MSG_MERGE_SAME
        elif other.store_id != customer.store_id:
            problem = MSG_MERGE_STORES
        elif other.merged_into_id:
            problem = MSG_MERGE_MERGED % {"number": other.merged_into.number}
    form = MergeForm(request.POST or None, initial={"other": other.pk if other else None})
    if request.method == "POST" and other and not problem and form.is_valid():
        keep_this = form.cleaned_data["keep"] == MergeForm.KEEP_THIS
        target, source = (customer, other) if keep_this else (other, customer)
        try:
            services.customer_merge(
                actor=request.user, source=source, target=target, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as err:
            form.add_error(None, err.message)
        else:
            messages.success(
                request,
                _("%(source)s was merged into %(target)s; its whole history is kept there.")
                % {"source": source, "target": target},
            )
            return redirect("customers:detail", pk=target.pk)
    return render(
        request,
        "customers/customer_merge.html",
        {
            "page_title": _("Merge duplicates of %(c)s") % {"c": customer},
            "customer": customer,
            "other": other,
            "problem": problem,
            "form": form,
            "profiles": _merge_profiles(customer, other) if other and not problem else None,
        },
    )


# --- vehicles ---------------------------------------------------------------------------------


@login_required
@require_GET
def vehicle_list(request):
    """Vehicles of the user's stores, by store, brand, plate, VIN or owner."""
    _require_anywhere(request.user, C.VIEW_CUSTOMERS)
    form = VehicleFilterForm(request.GET, user=request.user)
    qs = _vehicles_matching(request.user, form)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_title": _("Vehicles"),
        "form": form,
        "page": page,
        "multi_store": len(access_for(request.user).store_ids(C.VIEW_CUSTOMERS)) > 1,
    }
    if _partial(request):
        return render(request, "customers/_vehicle_results.html", context)
    return render(request, "customers/vehicle_list.html", context)


def _vehicles_matching(user, form):
    """Scoped vehicles matching the list's filters, newest first (none if the filters are bad)."""
    qs = selectors.vehicles_for_user(user).select_related("store", "owner")
    if not form.is_valid():
        return qs.none()
    data = form.cleaned_data
    if data["store"]:
        qs = qs.filter(store=data["store"])
    if data["brand"]:
        qs = qs.filter(brand=data["brand"])
    if q := data["q"].strip():
        owners = [c.pk for c in selectors.customer_search(user, q, limit=50)]
        match = Q(owner__name__contains=q) | Q(owner_id__in=owners)
        if plate := normalize_plate(q):
            match |= Q(plate__contains=plate)
        if vin := normalize_vin(q):
            match |= Q(vin__contains=vin)
        qs = qs.filter(match)
    return qs.order_by("-created_at", "-id")


@login_required
@require_GET
def vehicle_export(request):
    """The filtered vehicle list as XLSX, for users allowed to export; audited."""
    _require_anywhere(request.user, C.EXPORT_LISTS)
    form = VehicleFilterForm(request.GET, user=request.user)
    store = form.cleaned_data.get("store") if form.is_valid() else None
    refusal = None
    if "store" in form.errors or (
        store and not access_for(request.user).has(C.EXPORT_LISTS, store)
    ):
        refusal = _("You may not export the vehicles of the chosen store.")
    elif form.errors:
        refusal = _("Correct the filters before exporting.")
    if refusal:
        messages.error(request, refusal)
        return redirect(f"{reverse('customers:vehicle-list')}?{request.GET.urlencode()}")
    export = exports.vehicle_list_export(
        actor=request.user,
        vehicles=_vehicles_matching(request.user, form),
        filters=exports.plain_filters(form.cleaned_data),
        store=store,
    )
    return export.response()


@login_required
@require_GET
def vehicle_detail(request, pk):
    """A vehicle: its data, owner, ownership history, deliveries and service visits."""
    vehicle = selectors.vehicle_get(request.user, pk)
    return render(
        request,
        "customers/vehicle_detail.html",
        {
            "page_title": str(vehicle),
            "vehicle": vehicle,
            "ownerships": selectors.vehicle_ownerships(vehicle),
            "deliveries": list(deliveries_for_user(request.user).filter(vehicle=vehicle)),
            "visits": list(service_visits_for_user(request.user).filter(vehicle=vehicle)),
            "can_edit": access_for(request.user).has(C.EDIT_CUSTOMERS, vehicle.store_id),
        },
    )


def _vehicle_form_page(request, *, form, title, cancel_url, duplicate=None, customer=None):
    return render(
        request,
        "customers/vehicle_form.html",
        {
            "page_title": title,
            "form": form,
            "cancel_url": cancel_url,
            "duplicate": duplicate,
            "customer": customer,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def vehicle_create(request, pk):
    """Register another vehicle for a customer."""
    customer = selectors.customer_get(request.user, pk)
    if response := _redirect_if_merged(request, customer):
        return response
    access_for(request.user).require(C.EDIT_CUSTOMERS, customer.store_id)
    form = VehicleForm(request.POST or None, store_id=customer.store_id)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        outcome = _submit(
            lambda: services.vehicle_create(
                actor=request.user,
                store=customer.store,
                owner=customer,
                fields=form.vehicle_fields(),
            ),
            form,
            duplicate_on=lambda err: (form, "vin", None),
        )
        duplicate = outcome.duplicate
        if outcome.ok:
            vehicle = outcome.result
            messages.success(request, _("Vehicle %(v)s added.") % {"v": vehicle})
            return redirect("customers:vehicle-detail", pk=vehicle.pk)
    return _vehicle_form_page(
        request,
        form=form,
        title=_("New vehicle for %(c)s") % {"c": customer},
        cancel_url=reverse("customers:detail", args=[customer.pk]),
        duplicate=duplicate,
        customer=customer,
    )


@login_required
@require_http_methods(["GET", "POST"])
def vehicle_edit(request, pk):
    """Change a vehicle's data; each changed field is audited."""
    vehicle = selectors.vehicle_get(request.user, pk)
    access_for(request.user).require(C.EDIT_CUSTOMERS, vehicle.store_id)
    form = VehicleForm(request.POST or None, instance=vehicle)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        outcome = _submit(
            lambda: services.vehicle_update(
                actor=request.user, vehicle=vehicle, fields=form.vehicle_fields()
            ),
            form,
            duplicate_on=lambda err: (form, "vin", None),
        )
        duplicate = outcome.duplicate
        if outcome.ok:
            messages.success(request, _("Changes saved."))
            return redirect("customers:vehicle-detail", pk=vehicle.pk)
    return _vehicle_form_page(
        request,
        form=form,
        title=_("Edit vehicle %(v)s") % {"v": vehicle},
        cancel_url=reverse("customers:vehicle-detail", args=[vehicle.pk]),
        duplicate=duplicate,
    )


@login_required
@require_http_methods(["GET", "POST"])
def vehicle_transfer(request, pk):
    """Give a vehicle a new owner of the same store; the ownership history is kept."""
    vehicle = selectors.vehicle_get(request.user, pk)
    access_for(request.user).require(C.EDIT_CUSTOMERS, vehicle.store_id)
    candidates = selectors.customers_for_user(request.user, C.EDIT_CUSTOMERS).filter(
        store_id=vehicle.store_id
    )
    if vehicle.owner_id:
        candidates = candidates.exclude(pk=vehicle.owner_id)
    if request.method == "POST":
        form = TransferForm(request.POST, candidates=candidates)
    else:
        form = TransferForm(
            {"new_owner": request.GET["new_owner"], "on_date": timezone.localdate()}
            if request.GET.get("new_owner")
            else None,
            candidates=candidates,
        )
    new_owner = None
    if form.is_bound:
        form.is_valid()
        new_owner = form.cleaned_data.get("new_owner")
    if request.method == "POST" and form.is_valid():
        try:
            services.vehicle_transfer(
                actor=request.user,
                vehicle=vehicle,
                new_owner=new_owner,
                on_date=form.cleaned_data["on_date"],
            )
        except ApplicationError as err:
            form.add_error(None, err.message)
        else:
            messages.success(
                request,
                _("%(v)s now belongs to %(c)s.") % {"v": vehicle, "c": new_owner},
            )
            return redirect("customers:vehicle-detail", pk=vehicle.pk)
    return render(
        request,
        "customers/vehicle_transfer.html",
        {
            "page_title": _("Transfer %(v)s to a new owner") % {"v": vehicle},
            "vehicle": vehicle,
            "form": form,
            "new_owner": new_owner,
        },
    )
