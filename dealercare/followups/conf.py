"""Follow-up and SMS settings: a Django setting of the same name wins, then an environment
variable, then the default here (so a deployment configures an SMS provider without code)."""

import os

from django.conf import settings

DEFAULTS = {
    # An unfinished claim returns to the pool after this long.
    "FOLLOWUP_CLAIM_TIMEOUT_MINUTES": 15,
    # After "no answer" or "busy" the task comes back this much later.
    "FOLLOWUP_RETRY_MINUTES": 60,
    # Events older than this create no tasks (a history import must not flood the queue).
    "FOLLOWUP_LOOKBACK_DAYS": 30,
    # PostgreSQL: plan the claim statement once per connection (a server-side prepared
    # statement) instead of on every "next". Turn off behind a transaction-mode connection pooler
    # that does not track prepared statements (PgBouncer before 1.21).
    "FOLLOWUP_CLAIM_PREPARED": True,
    # Events per transaction in the sweep.
    "FOLLOWUP_SWEEP_CHUNK_SIZE": 5000,
    # Dotted path of the SMS backend; default: the file backend if SMS_FILE_PATH is set, else
    # the console backend.
    "SMS_BACKEND": "",
    "SMS_FILE_PATH": "",
    "SMS_HTTP_URL": "",
    "SMS_HTTP_KEY": "",
    "SMS_HTTP_SIGN": "",  # the signature (签名) the provider puts in front of each text
    "SMS_HTTP_TIMEOUT": 10,
    # Replies that withdraw SMS consent, compared after trimming and upper-casing.
    "SMS_OPT_OUT_KEYWORDS": ("TD", "T", "退订", "退"),
}


def setting(name):
    """The value of a follow-up setting (see DEFAULTS)."""
    default = DEFAULTS[name]
    if hasattr(settings, name):
        return getattr(settings, name)
    raw = os.environ.get(name)
    if raw is None:
        return default
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, tuple):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw
