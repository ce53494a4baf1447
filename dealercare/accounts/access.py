"""Which stores a user may act in, per capability: the single gate for every read and write.

Selectors scope querysets with `access.store_ids(cap)`; services call `access.require(cap, store)`.
The memberships are read once per request and cached on the user object.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from .models import Store, StoreMembership
from .roles import GROUP_ADMIN_CAPABILITIES, Capability, capabilities_of

MSG_NO_PERMISSION = _("You do not have permission to do this in this store.")


class Access:
    """A user's capabilities by store id."""

    def __init__(self, user):
        self.user = user
        self.by_store = {}
        if not user or not user.is_authenticated or not user.is_active:
            return
        if user.is_group_admin and user.dealer_group_id:
            for store_id in Store.objects.filter(group_id=user.dealer_group_id).values_list(
                "id", flat=True
            ):
                self.by_store[store_id] = GROUP_ADMIN_CAPABILITIES
        for store_id, role in StoreMembership.objects.filter(
            user=user, store__is_active=True
        ).values_list("store_id", "role"):
            self.by_store[store_id] = self.by_store.get(store_id, frozenset()) | capabilities_of(
                role
            )

    def store_ids(self, capability=Capability.VIEW_CUSTOMERS):
        """Ids of the stores where the user holds `capability`, sorted."""
        return sorted(sid for sid, caps in self.by_store.items() if capability in caps)

    def has(self, capability, store):
        store_id = store if isinstance(store, int) else getattr(store, "pk", None)
        return capability in self.by_store.get(store_id, ())

    def has_anywhere(self, capability):
        return any(capability in caps for caps in self.by_store.values())

    def require(self, capability, store):
        if not self.has(capability, store):
            raise PermissionDenied(MSG_NO_PERMISSION)

    def stores(self, capability=Capability.VIEW_CUSTOMERS):
        return Store.objects.filter(id__in=self.store_ids(capability)).order_by("code")


def access_for(user):
    """The (cached) Access of a user."""
    cached = getattr(user, "_dealercare_access", None)
    if cached is None:
        cached = Access(user)
        if user is not None:
            user._dealercare_access = cached
    return cached
