"""Login, the home dashboard, store settings, and users and roles: thin views over services."""

import datetime

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from dealercare.core.errors import ApplicationError
from dealercare.customers.choices import LifecycleState

from . import selectors, services
from .access import access_for
from .forms import (
    LoginForm,
    MembershipForm,
    StoreCreateForm,
    StoreSettingsForm,
    UserCreateForm,
    UserFilterForm,
    add_service_errors,
)
from .roles import Capability, Role

PAGE_SIZE = 50


def client_ip(request):
    return request.META.get("REMOTE_ADDR") or None


def _require_anywhere(user, capability):
    if not access_for(user).has_anywhere(capability):
        raise PermissionDenied


class LoginView(auth_views.LoginView):
    """Django's login with the Tabler card; a logged-in user goes straight home."""

    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Log out (POST only, as Django requires) and go back to the login page."""


@login_required
@require_safe
def home(request):
    """The dashboard: each of my stores' customers by lifecycle, recent deliveries and visits."""
    rows, totals = selectors.dashboard(request.user)
    return render(request, "accounts/home.html", {
        "page_title": _("Home"), "rows": rows, "totals": totals,
        "lifecycle_states": LifecycleState.choices,
        "since": selectors.RECENT_DAYS,
        "since_date": timezone.localdate() - datetime.timedelta(days=selectors.RECENT_DAYS),
        "show_totals": len(rows) > 1,
    })  # fmt: skip


# --- stores -----------------------------------------------------------------------------------


@login_required
@require_safe
def store_list(request):
    """The stores I manage (a group admin: every store of the group)."""
    user = request.user
    if not (access_for(user).has_anywhere(Capability.MANAGE_STORE) or user.is_group_admin):
        raise PermissionDenied
    return render(request, "accounts/store_list.html", {
        "page_title": _("Stores"), "stores": selectors.stores_for_settings(user),
        "can_create": user.is_group_admin,
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def store_create(request):
    """A group admin opens a new store."""
    if not request.user.is_group_admin:
        raise PermissionDenied
    form = StoreCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            store = services.store_create(
                actor=request.user, fields=form.changed_fields(), ip_address=client_ip(request)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Store %(code)s created.") % {"code": store.code})
            return redirect("store-settings", pk=store.pk)
    return render(request, "accounts/store_create.html", {
        "page_title": _("New store"), "form": form,
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def store_settings(request, pk):
    """Edit a store's settings: hours, lifecycle and tier thresholds, hotline, time zone."""
    _require_anywhere(request.user, Capability.MANAGE_STORE)
    store = selectors.store_for_settings(request.user, pk)
    form = StoreSettingsForm(request.POST or None, store=store)
    if request.method == "POST" and form.is_valid():
        try:
            services.store_update_settings(
                actor=request.user, store=store, fields=form.changed_fields(),
                ip_address=client_ip(request),
            )  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("store-settings", pk=store.pk)
    return render(request, "accounts/store_settings.html", {
        "page_title": _("Settings of %(store)s") % {"store": store.name},
        "store": store, "form": form,
    })  # fmt: skip


# --- users and roles --------------------------------------------------------------------------


@login_required
@require_safe
def user_list(request):
    """People holding roles in the stores where I manage users."""
    _require_anywhere(request.user, Capability.MANAGE_USERS)
    stores = list(access_for(request.user).stores(Capability.MANAGE_USERS))
    filters = UserFilterForm(request.GET or None, stores=stores)
    users = selectors.users_for_manager(request.user, **filters.filters())
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {
        "page_title": _("Users and roles"), "page_obj": page, "filters": filters,
    })  # fmt: skip


def _grantable_anywhere(actor, stores):
    roles = set()
    for store in stores:
        roles.update(services.grantable_roles(actor, store))
    return [r for r in Role if r in roles]


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request):
    """Create a user with a role in one of my stores."""
    _require_anywhere(request.user, Capability.MANAGE_USERS)
    stores = list(access_for(request.user).stores(Capability.MANAGE_USERS))
    form = UserCreateForm(
        request.POST or None, stores=stores, roles=_grantable_anywhere(request.user, stores)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=request.user, username=data["username"], display_name=data["display_name"],
                password=data["password"], store=form.stores[data["store"]], role=data["role"],
                ip_address=client_ip(request),
            )  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("User %(username)s created.") % {"username": user.username})
            return redirect("user-edit", pk=user.pk)
    return render(request, "accounts/user_create.html", {
        "page_title": _("New user"), "form": form,
    })  # fmt: skip


def _user_edit_context(request, target, **extra):
    actor = request.user
    stores = list(access_for(actor).stores(Capability.MANAGE_USERS))
    held = {m.store_id: m for m in target.visible_memberships}
    rows = [
        {"store": s, "membership": held.get(s.pk),
         "roles": services.grantable_roles(actor, s)}
        for s in stores
    ]  # fmt: skip
    is_self = target.pk == actor.pk
    whole = services.can_manage_whole_user(actor, target)
    return {
        "page_title": str(target), "target": target, "rows": rows, "is_self": is_self,
        "can_edit_roles": not is_self and (actor.is_group_admin or not target.is_group_admin),
        "can_set_active": whole,
        "can_set_group_admin": actor.is_group_admin and not is_self,
        "can_rotate_token": whole or is_self,
        "has_token": hasattr(target, "auth_token"),
        **extra,
    }  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def user_edit(request, pk):
    """A user's roles per store, active flag, group admin flag and API token."""
    _require_anywhere(request.user, Capability.MANAGE_USERS)
    target = selectors.user_for_manager(request.user, pk)
    if request.method == "POST":
        return _user_edit_post(request, target)
    return render(request, "accounts/user_edit.html", _user_edit_context(request, target))


def _user_edit_post(request, target):
    actor, ip = request.user, client_ip(request)
    action = request.POST.get("action")
    try:
        if action in ("role", "remove"):
            form = MembershipForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Choose a valid role."))
                return redirect("user-edit", pk=target.pk)
            store = get_object_or_404(
                access_for(actor).stores(Capability.MANAGE_USERS), pk=form.cleaned_data["store"]
            )
            role = form.cleaned_data["role"]
            if action == "remove" or not role:
                services.membership_remove(actor=actor, user=target, store=store, ip_address=ip)
                messages.success(request, _("Role in %(store)s removed.") % {"store": store.code})
            else:
                services.membership_set(
                    actor=actor, user=target, store=store, role=role, ip_address=ip
                )
                messages.success(request, _("Role in %(store)s saved.") % {"store": store.code})
        elif action == "active":
            is_active = request.POST.get("value") == "1"
            services.user_set_active(actor=actor, user=target, is_active=is_active, ip_address=ip)
            messages.success(
                request, _("User reactivated.") if is_active else _("User deactivated.")
            )
        elif action == "group_admin":
            value = request.POST.get("value") == "1"
            services.user_set_group_admin(
                actor=actor, user=target, is_group_admin=value, ip_address=ip
            )
            messages.success(
                request, _("Group admin granted.") if value else _("Group admin revoked.")
            )
        elif action == "token":
            key = services.api_token_rotate(actor=actor, user=target, ip_address=ip)
            # Rendered, not redirected: the key is shown this once and stored nowhere else.
            target = selectors.user_for_manager(actor, target.pk)
            return render(
                request, "accounts/user_edit.html",
                _user_edit_context(request, target, new_token=key),
            )  # fmt: skip
        else:
            messages.error(request, _("Unknown action."))
    except (ApplicationError, ValidationError) as exc:
        text = exc.message if isinstance(exc, ApplicationError) else " ".join(exc.messages)
        messages.error(request, text)
    return redirect("user-edit", pk=target.pk)
