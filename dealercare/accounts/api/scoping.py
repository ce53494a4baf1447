"""API building blocks for store scoping: a role gate per viewset and ids resolved in scope."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.permissions import BasePermission

from dealercare.accounts.access import access_for

MSG_ROLE_CANNOT = _("Your role does not give access to this data.")


def holds_capability(capability):
    """A permission class: the user holds `capability` in at least one store.

    Rows stay scoped per store by the selectors; this only turns away roles that may see none of
    them (a technician asking for customers), with a 403 that says so instead of an empty list.
    """

    class HoldsCapability(BasePermission):
        message = MSG_ROLE_CANNOT

        def has_permission(self, request, view):
            return access_for(request.user).has_anywhere(capability)

    HoldsCapability.__name__ = f"Holds_{capability}"
    return HoldsCapability


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id in the body that must name a row the user may see; others read as not found.

    `scope(user)` returns the queryset of visible rows; an id outside it gets the same message
    as an id that does not exist, so guessing ids tells nothing.
    """

    def __init__(self, *, model, scope, not_found, **kwargs):
        self.scope = scope
        messages = {"does_not_exist": not_found, "incorrect_type": not_found}
        kwargs["error_messages"] = messages | kwargs.get("error_messages", {})
        # An empty queryset of the model tells the schema generator the id's type.
        kwargs["queryset"] = model._default_manager.none()
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.scope(request.user if request else None)
