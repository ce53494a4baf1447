"""Template context: the current user's capabilities, for showing only what they may use."""

from django.utils.functional import SimpleLazyObject

from .access import access_for
from .roles import Capability


def access(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    acc = access_for(user)

    def roles_label():
        from .selectors import roles_label as label

        return label(user)

    return {
        "access": acc,
        "can": {cap.value: acc.has_anywhere(cap) for cap in Capability},
        # Lazy: one query, only on pages that show it (the user menu of base.html).
        "user_roles_label": SimpleLazyObject(roles_label),
    }
