"""Every write to stores, users and roles: checked against the actor's rights, atomic, audited.

Nobody raises their own privileges: an actor never changes their own roles, activity or group
admin flag, never grants a role with more capabilities than they hold in that store, and only a
group admin grants or revokes group admin.
"""

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token

from dealercare.core import audit
from dealercare.core.errors import ApplicationError
from dealercare.core.models import AuditAction

from .access import access_for
from .models import Store, StoreMembership, User
from .roles import Capability, Role, capabilities_of

MSG_GROUP_ADMIN_ONLY = _("Only a group admin can do this.")
MSG_OWN_ACCOUNT = _("You cannot change your own roles or access.")
MSG_ROLE_TOO_HIGH = _("You cannot grant a role with more rights than your own in this store.")
MSG_ROLE_TOO_HIGH_REMOVE = _("You cannot change a role with more rights than your own.")
MSG_OTHER_STORES = _("This user also works in stores you do not manage; ask a group admin.")
MSG_ADMIN_TARGET = _("Only a group admin can change a group admin.")
MSG_OTHER_GROUP = _("This user belongs to another dealer group.")
MSG_USERNAME_TAKEN = _("This username is already taken.")
MSG_NO_ROLE = _("This user has no role in this store.")
MSG_UNKNOWN_ROLE = _("Choose a valid role.")
MSG_UNKNOWN_FIELDS = _("Unknown fields: %(f)s")

# Fields a group admin gives a new store; everything else is a setting with a default.
STORE_CREATE_FIELDS = ("code", *Store.SETTINGS_FIELDS)


def _repr(user):
    return f"{user.display_name} ({user.username})" if user.display_name else user.username


def _check_fields(fields, allowed):
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ApplicationError(MSG_UNKNOWN_FIELDS % {"f": ", ".join(sorted(unknown))})


def _check_not_self_or_admin(actor, user):
    if user.pk == actor.pk:
        raise PermissionDenied(MSG_OWN_ACCOUNT)
    if user.is_group_admin and not actor.is_group_admin:
        raise PermissionDenied(MSG_ADMIN_TARGET)


def _check_grantable(actor, store, role):
    """The role's capabilities must all be ones the actor holds in that store."""
    try:
        role = Role(role)
    except ValueError:
        raise ValidationError({"role": MSG_UNKNOWN_ROLE}) from None
    held = access_for(actor).by_store.get(store.pk, frozenset())
    if not capabilities_of(role) <= held:
        raise PermissionDenied(MSG_ROLE_TOO_HIGH)
    return role


def _check_same_group(user, store):
    if user.dealer_group_id and user.dealer_group_id != store.group_id:
        raise PermissionDenied(MSG_OTHER_GROUP)


def grantable_roles(actor, store):
    """The roles `actor` may give in `store` (none without MANAGE_USERS there)."""
    held = access_for(actor).by_store.get(getattr(store, "pk", store), frozenset())
    if Capability.MANAGE_USERS not in held:
        return []
    return [role for role in Role if capabilities_of(role) <= held]


def can_manage_whole_user(actor, user):
    """Whether `actor` may change what affects all of `user`'s stores (activity, API token)."""
    try:
        _check_manages_whole_user(actor, user)
    except PermissionDenied:
        return False
    return True


def _check_manages_whole_user(actor, user, *, allow_self=False):
    """Changes that act in every store of the user need MANAGE_USERS in all of them."""
    if not (allow_self and user.pk == actor.pk):
        _check_not_self_or_admin(actor, user)
    acc = access_for(actor)
    if actor.is_group_admin and user.dealer_group_id not in (None, actor.dealer_group_id):
        raise PermissionDenied(MSG_OTHER_GROUP)
    store_ids = _store_ids_of(user)
    if not store_ids and not actor.is_group_admin and user.pk != actor.pk:
        raise PermissionDenied(MSG_OTHER_STORES)
    for store_id in store_ids:
        if not acc.has(Capability.MANAGE_USERS, store_id):
            raise PermissionDenied(MSG_OTHER_STORES)
    return store_ids


def _store_ids_of(user):
    return sorted(StoreMembership.objects.filter(user=user).values_list("store_id", flat=True))


def _record_for_stores(*, actor, user, store_ids, changes, ip_address):
    """One audit event per store of the user, so each store's audit log shows it."""
    targets = store_ids or [None]
    stores = Store.objects.in_bulk([s for s in targets if s])
    for store_id in targets:
        audit.record(
            actor=actor, action=AuditAction.ROLE_CHANGE, target=_target(user),
            changes=changes, store=stores.get(store_id), ip_address=ip_address,
        )  # fmt: skip


def _target(user):
    return ("accounts.user", str(user.pk), _repr(user))


# --- stores -----------------------------------------------------------------------------------


@transaction.atomic
def store_create(*, actor, fields, ip_address=None):
    """A group admin opens a new store in their dealer group."""
    if not actor.is_group_admin or not actor.dealer_group_id:
        raise PermissionDenied(MSG_GROUP_ADMIN_ONLY)
    _check_fields(fields, STORE_CREATE_FIELDS)
    fields = dict(fields)
    fields["code"] = (fields.get("code") or "").strip().upper()
    store = Store(group_id=actor.dealer_group_id)
    for name, value in fields.items():
        setattr(store, name, value)
    store.full_clean()
    store.save()
    audit.record(
        actor=actor, action=AuditAction.CREATE, target=store, store=store,
        changes=audit.field_changes({}, audit.snapshot(store, STORE_CREATE_FIELDS),
                                    STORE_CREATE_FIELDS),
        ip_address=ip_address,
    )  # fmt: skip
    return store


@transaction.atomic
def store_update_settings(*, actor, store, fields, ip_address=None):
    """Change a store's settings (hours, thresholds, hotline...); each change is audited."""
    access_for(actor).require(Capability.MANAGE_STORE, store)
    _check_fields(fields, Store.SETTINGS_FIELDS)
    store = Store.objects.select_for_update().get(pk=store.pk)
    before = audit.snapshot(store, Store.SETTINGS_FIELDS)
    for name, value in fields.items():
        setattr(store, name, value)
    store.full_clean()
    changes = audit.field_changes(
        before, audit.snapshot(store, Store.SETTINGS_FIELDS), Store.SETTINGS_FIELDS
    )
    if changes:
        store.save()
        audit.record(
            actor=actor, action=AuditAction.SETTINGS, target=store, store=store,
            changes=changes, ip_address=ip_address,
        )  # fmt: skip
    return store


# --- users and roles --------------------------------------------------------------------------


@transaction.atomic
def user_create(*, actor, username, display_name, password, store, role, ip_address=None):
    """Create a user with a role in one of the actor's stores; the password must pass Django's
    validators."""
    access_for(actor).require(Capability.MANAGE_USERS, store)
    role = _check_grantable(actor, store, role)
    username = (username or "").strip()
    user = User(username=username, display_name=(display_name or "").strip(),
                dealer_group_id=store.group_id)  # fmt: skip
    errors = {}
    try:
        user.full_clean(exclude=["password"], validate_unique=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if username and User.objects.filter(username__iexact=username).exists():
        errors.setdefault("username", []).append(str(MSG_USERNAME_TAKEN))
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.save()
    StoreMembership.objects.create(user=user, store=store, role=role)
    audit.record(
        actor=actor, action=AuditAction.ROLE_CHANGE, target=_target(user), store=store,
        changes={"username": [None, user.username], "display_name": [None, user.display_name],
                 "role": [None, role.value]},
        ip_address=ip_address,
    )  # fmt: skip
    return user


@transaction.atomic
def membership_set(*, actor, user, store, role, ip_address=None):
    """Give `user` a role in `store`, or change the role they hold there."""
    access_for(actor).require(Capability.MANAGE_USERS, store)
    _check_not_self_or_admin(actor, user)
    _check_same_group(user, store)
    role = _check_grantable(actor, store, role)
    membership = StoreMembership.objects.select_for_update().filter(user=user, store=store).first()
    old_role = membership.role if membership else None
    if old_role == role:
        return membership
    if old_role:
        _check_grantable(actor, store, old_role)  # nobody demotes someone above them
        membership.role = role
        membership.save(update_fields=["role"])
    else:
        membership = StoreMembership.objects.create(user=user, store=store, role=role)
    if not user.dealer_group_id:
        user.dealer_group_id = store.group_id
        user.save(update_fields=["dealer_group"])
    audit.record(
        actor=actor, action=AuditAction.ROLE_CHANGE, target=_target(user), store=store,
        changes={"role": [old_role, role.value]}, ip_address=ip_address,
    )  # fmt: skip
    return membership


@transaction.atomic
def membership_remove(*, actor, user, store, ip_address=None):
    """Take away the role `user` holds in `store`."""
    access_for(actor).require(Capability.MANAGE_USERS, store)
    _check_not_self_or_admin(actor, user)
    membership = StoreMembership.objects.select_for_update().filter(user=user, store=store).first()
    if membership is None:
        raise ApplicationError(MSG_NO_ROLE)
    held = access_for(actor).by_store.get(store.pk, frozenset())
    if not capabilities_of(membership.role) <= held:
        raise PermissionDenied(MSG_ROLE_TOO_HIGH_REMOVE)
    membership.delete()
    audit.record(
        actor=actor, action=AuditAction.ROLE_CHANGE, target=_target(user), store=store,
        changes={"role": [membership.role, None]}, ip_address=ip_address,
    )  # fmt: skip


@transaction.atomic
def user_set_active(*, actor, user, is_active, ip_address=None):
    """Deactivate (cannot log in, API token stops working) or reactivate a user."""
    store_ids = _check_manages_whole_user(actor, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active == is_active:
        return user
    user.is_active = is_active
    user.save(update_fields=["is_active"])
    _record_for_stores(
        actor=actor, user=user, store_ids=store_ids,
        changes={"is_active": [not is_active, is_active]}, ip_address=ip_address,
    )  # fmt: skip
    return user


@transaction.atomic
def user_set_group_admin(*, actor, user, is_group_admin, ip_address=None):
    """Grant or revoke group admin; only another group admin of the same group may."""
    if not actor.is_group_admin:
        raise PermissionDenied(MSG_GROUP_ADMIN_ONLY)
    if user.pk == actor.pk:
        raise PermissionDenied(MSG_OWN_ACCOUNT)
    if user.dealer_group_id and user.dealer_group_id != actor.dealer_group_id:
        raise PermissionDenied(MSG_OTHER_GROUP)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_group_admin == is_group_admin:
        return user
    user.is_group_admin = is_group_admin
    user.dealer_group_id = actor.dealer_group_id
    user.save(update_fields=["is_group_admin", "dealer_group"])
    audit.record(
        actor=actor, action=AuditAction.ROLE_CHANGE, target=_target(user),
        changes={"is_group_admin": [not is_group_admin, is_group_admin]}, ip_address=ip_address,
    )  # fmt: skip
    return user


@transaction.atomic
def api_token_rotate(*, actor, user, ip_address=None):
    """Issue a new API token for `user` (the old one stops working); returns the key, shown once."""
    store_ids = _check_manages_whole_user(actor, user, allow_self=True)
    old = Token.objects.filter(user=user).first()
    old_hint = f"{old.key[:4]}…" if old else None
    if old:
        old.delete()
    token = Token.objects.create(user=user)
    _record_for_stores(
        actor=actor, user=user, store_ids=store_ids,
        changes={"api_token": [old_hint, f"{token.key[:4]}…"]}, ip_address=ip_address,
    )  # fmt: skip
    return token.key
