"""In-app notifications (and e-mail through Django's backend) to the people a complaint concerns.

`notify()` writes one Notification per recipient and key, skipping keys the recipient already
has, so a check that runs twice notifies once; mail goes out after the transaction commits.
"""

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction

from dealercare.accounts.models import StoreMembership, User

from .models import Notification


def users_with_roles(store_id, roles):
    """Active users holding one of `roles` in the store (group admins are not paged)."""
    return list(
        User.objects.filter(
            is_active=True,
            memberships__store_id=store_id,
            memberships__role__in=[str(r) for r in roles],
        ).distinct()
    )


def role_members(store_ids, roles):
    """{store_id: [user, ...]} for several stores in one query."""
    found = {}
    rows = StoreMembership.objects.filter(
        store_id__in=store_ids, role__in=[str(r) for r in roles], user__is_active=True
    ).select_related("user")
    for membership in rows:
        found.setdefault((membership.store_id, membership.role), []).append(membership.user)
    return found


def notify_many(items, *, now):
    """Write notifications; `items` are (recipient, store_id, complaint_id, key, title, body).

    Returns the notifications created (those whose (recipient, key) did not exist yet). Mail is
    sent on commit to the recipients that have an address.
    """
    items = [i for i in items if i[0] is not None]
    if not items:
        return []
    keys = {i[3] for i in items}
    existing = set(
        Notification.objects.filter(
            recipient_id__in={i[0].pk for i in items}, key__in=keys
        ).values_list("recipient_id", "key")
    )
    fresh, seen = [], set()
    for recipient, store_id, complaint_id, key, title, body in items:
        if (recipient.pk, key) in existing or (recipient.pk, key) in seen:
            continue
        seen.add((recipient.pk, key))
        fresh.append(
            Notification(
                recipient=recipient,
                store_id=store_id,
                complaint_id=complaint_id,
                key=key,
                title=str(title)[:200],
                body=str(body),
                created_at=now,
            )  # fmt: skip
        )
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    mails = [
        (n.title, n.body, settings.DEFAULT_FROM_EMAIL, [n.recipient.email])
        for n in fresh
        if n.recipient.email
    ]
    if mails:
        transaction.on_commit(lambda: send_mass_mail(mails, fail_silently=True))
    return fresh
