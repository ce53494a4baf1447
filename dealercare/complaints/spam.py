"""Defences of the public complaint form (no captcha): a honeypot field, a minimum fill time
from a signed timestamp, per-IP and per-mobile rate limits in the cache, and content checks.

Each check returns the message to show (or None); `content_problems` is pure.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from .forms import FORM_SALT

MSG_REJECTED = _("Your complaint could not be accepted. Please call the store's hotline.")
MSG_TOO_FAST = _("Please take a moment to describe what happened, then send the form again.")
MSG_EXPIRED = _("The form has expired. Please send it again.")
MSG_RATE_IP = _("Too many complaints were sent from this network. Please try again later or "
                "call the store's hotline.")  # fmt: skip
MSG_RATE_MOBILE = _("Too many complaints were sent with this mobile number today. The store will "
                    "contact you about the earlier ones.")  # fmt: skip
MSG_LINKS = _("Please do not put web links in the complaint.")
MSG_REPEATED = _("The description repeats the same character too often.")
MSG_NO_WORDS = _("Please describe what happened in words.")

URL = re.compile(r"https?://|www\.|\.com\b|\.cn\b", re.IGNORECASE)
REPEATED = re.compile(r"(.)\1{9,}", re.DOTALL)
WORDS = re.compile(r"[\u4e00-\u9fffA-Za-z]{2,}")


def _setting(name, default):
    return getattr(settings, name, default)


def min_fill_seconds():
    return _setting("COMPLAINT_FORM_MIN_SECONDS", 5)


def check_token(token) -> str | None:
    """The form must have been shown at least the minimum fill time ago and at most 2 hours."""
    signer = signing.TimestampSigner(salt=FORM_SALT)
    try:
        signer.unsign(token or "", max_age=2 * 3600)
    except signing.SignatureExpired:
        return MSG_EXPIRED
    except signing.BadSignature:
        return MSG_REJECTED
    try:
        signer.unsign(token, max_age=min_fill_seconds())
    except signing.SignatureExpired:
        return None  # older than the minimum: a person had time to type
    return MSG_TOO_FAST


def content_problems(text: str) -> list:
    """What is wrong with a description (links, repeated characters, no words); pure."""
    problems = []
    if URL.search(text or ""):
        problems.append(MSG_LINKS)
    if REPEATED.search(text or ""):
        problems.append(MSG_REPEATED)
    if not WORDS.search(text or ""):
        problems.append(MSG_NO_WORDS)
    return problems


def _hit(key, limit, window) -> bool:
    """Count one use of `key` in the window; True when the limit is exceeded."""
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit


def rate_limited(*, ip, mobile) -> str | None:
    """Per IP (default 5 an hour) and per mobile (default 3 a day), counted on submissions."""
    if ip and _hit(f"complaint-form:ip:{ip}", _setting("COMPLAINT_FORM_PER_IP_HOUR", 5), 3600):
        return MSG_RATE_IP
    if mobile and _hit(f"complaint-form:mobile:{mobile}",
                       _setting("COMPLAINT_FORM_PER_MOBILE_DAY", 3), 86400):  # fmt: skip
        return MSG_RATE_MOBILE
    return None
