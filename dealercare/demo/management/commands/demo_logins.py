"""Print one demo login per role, for `make run` to show before it serves."""

import unicodedata

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from dealercare.accounts.models import DealerGroup, StoreMembership, User
from dealercare.accounts.roles import Role
from dealercare.demo.dataset import ADMIN_USERNAME, DEMO_PASSWORD, DEMO_URL, GROUP_CODE, STORES


def _width(text):
    """Columns a string takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text, width):
    return text + " " * max(0, width - _width(text))


def demo_logins():
    """(username, role label, store) of one demo account per role, the group admin first."""
    group = DealerGroup.objects.filter(code=GROUP_CODE).first()
    if group is None:
        return []
    rows = []
    admin = User.objects.filter(username=ADMIN_USERNAME, dealer_group=group).first()
    if admin:
        rows.append((admin.username, _("Group admin"), f"{group.name} ({_('All stores')})"))
    first_store = group.stores.order_by("code").filter(code=STORES[0].code).first()
    memberships = (
        StoreMembership.objects.filter(store=first_store)
        .select_related("user", "store")
        .order_by("user__username")
    )
    first_of_role = {}
    for membership in memberships:
        first_of_role.setdefault(membership.role, membership)
    for role in Role:
        membership = first_of_role.get(role.value)
        if membership:
            rows.append((membership.user.username, str(role.label), membership.store.name))
    return rows


class Command(BaseCommand):
    help = "Print one demo login per role (username, password, role, store) and the URL."

    def handle(self, *args, **options):
        rows = demo_logins()
        if not rows:
            self.stdout.write("No demo accounts: load them with `make demo` (manage.py seed_demo).")
            return
        header = ("Username", "Password", "Role", "Store")
        table = [header] + [(user, DEMO_PASSWORD, role, store) for user, role, store in rows]
        widths = [max(_width(row[i]) for row in table) for i in range(len(header))]
        out = self.stdout
        out.write("")
        out.write(f"Dealercare demo: {DEMO_URL}  (one login per role)")
        out.write("")
        for n, row in enumerate(table):
            cells = (_pad(cell, w) for cell, w in zip(row, widths, strict=True))
            out.write(("  " + "  ".join(cells)).rstrip())
            if n == 0:
                out.write("  " + "  ".join("-" * w for w in widths))
        codes = ", ".join(f"{s.code.lower()}_*" for s in STORES)
        out.write("")
        out.write(
            f"Each store has the same accounts ({codes}); advisors, technicians and sales "
            "consultants are numbered 1-3 (e.g. gz01_advisor2)."
        )
        out.write("")
