"""The customer's survey link (/s/<token>/): no login, one use, expiring, rate-limited.

A phone-sized page with big tap targets. The token in the URL is a random secret; the database
keeps only its SHA-256 digest. Unknown or tampered links answer 404, used or expired links 410,
each with a message the customer understands; too many requests from one address answer 429.
"""

from django.core.cache import cache
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dealercare.core.errors import ApplicationError

from . import services
from .forms import AnswerForm

RATE_LIMIT = 60  # requests per address per window
RATE_WINDOW_SECONDS = 600
STATUS_OF = {
    services.LinkState.INVALID: 404,
    services.LinkState.EXPIRED: 410,
    services.LinkState.USED: 410,
}


def _limited(request) -> bool:
    """Count this request against its address; True when over the limit."""
    key = f"survey-link:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, RATE_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, RATE_WINDOW_SECONDS)
        count = 1
    return count > RATE_LIMIT


def _closed(request, state, store=None):
    return render(
        request,
        "surveys/public_closed.html",
        {"message": services.LINK_MESSAGES[state], "state": state, "store": store},
        status=STATUS_OF[state],
    )


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request, token):
    if _limited(request):
        return render(
            request,
            "surveys/public_closed.html",
            {"message": _("Too many attempts. Please wait a few minutes and try again."),
             "state": "limited"},
            status=429,
        )  # fmt: skip
    invitation = services.invitation_by_token(token)
    state = services.invitation_state(invitation)
    if state != services.LinkState.OPEN:
        return _closed(request, state, invitation.store if invitation else None)
    version = invitation.questionnaire_version
    form = AnswerForm(request.POST if request.method == "POST" else None, version=version)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_answer(token=token, answers=form.answers())
        except ApplicationError as error:
            if error.code in STATUS_OF:
                return _closed(request, error.code, invitation.store)
            form.add_error(None, error.message)
        else:
            return render(request, "surveys/public_thanks.html", {"store": invitation.store})
    return render(
        request,
        "surveys/public_form.html",
        {"form": form, "store": invitation.store, "invitation": invitation},
    )
