"""The follow-up rules every store starts with: DOMAIN §3's table (rules.DEFAULT_RULES) with the
default channel, scripts and attempts; pure, so the data migration can use it too."""

from __future__ import annotations

from dataclasses import asdict

from .rules import DEFAULT_RULES
from .scripts import default_scripts

DEFAULT_MAX_ATTEMPTS = 3


def default_rule_rows() -> list[dict]:
    """Field values of a store's default FollowUpRule rows, one per rules.DEFAULT_RULES entry."""
    rows = []
    for rule in DEFAULT_RULES:
        window = asdict(rule)
        rows.append(
            {
                **window,
                "event": str(rule.event),
                # The default rules' codes are the task kinds (choices.TaskKind).
                "kind": rule.code,
                "channel": "phone",
                "customer_types": [],
                "max_attempts": DEFAULT_MAX_ATTEMPTS,
                "is_active": True,
                **default_scripts(rule.code),
            }
        )
    return rows
