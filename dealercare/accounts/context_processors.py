"""Template context: the current user's capabilities, for showing only what they may use."""

from .access import access_for
from .roles import Capability


def access(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    acc = access_for(user)
    return {
        "access": acc,
        "can": {cap.value: acc.has_anywhere(cap) for cap in Capability},
    }
