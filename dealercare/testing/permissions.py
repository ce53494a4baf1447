"""The permission matrix's vocabulary, shared by core's table and each app's own.

An app declares who may use its URLs in `dealercare/<app>/tests/matrix.py`:

    TABLE = {"complaints:list": Entry(Gate(C.VIEW_COMPLAINTS)), ...}
    BODIES = {"my_body": lambda world: {...}}          # optional JSON POST bodies
    def build(world): return {"complaint": ComplaintFactory(store=world["store"]), ...}
    def counts(): return {"complaints": Complaint.objects.count()}   # optional

`build(world)` gets core's store-A world (store, customer, vehicle, delivery, visit, users...)
and returns the objects its URLs' parameters are filled with (keys named in Entry.objects).
core/tests/test_permission_matrix.py collects every app's module.
"""

from dataclasses import dataclass

from dealercare.accounts.roles import Capability

C = Capability
PUBLIC = "public"
ANY = "any authenticated user"
GROUP_ADMIN = "group admin"
MEMBER = "any role in the store"  # a role there, even one without capabilities, or group admin
SKIPPED = {"login", "logout"}
MOBILE = "13812345678"


@dataclass(frozen=True)
class Gate:
    """Who passes one method of a URL, and what both sides get.

    `passed` is the status of a principal that passes: the view's success code, or its answer
    to the empty or invalid body we send (a form redisplayed, 400, 409). `refused` is what the
    others get: 403, or 404 where the view hides that the record exists. Lacking `hidden` (when
    set) answers 404 before the gate is even asked.
    """

    need: object
    passed: int = 200
    refused: int = 403
    hidden: Capability | None = None


@dataclass(frozen=True)
class Entry:
    get: Gate
    objects: tuple = ()  # the store-A object(s) that fill the URL's parameter, one run each
    post: Gate | None = None
    patch: Gate | None = None
    body: str = ""  # a BODIES key for the POST; empty: an empty form / JSON object


def detail(need, passed=200):
    """An object of store A behind VIEW_CUSTOMERS: without it the UI answers 404 (hidden)."""
    return Gate(need, passed, hidden=C.VIEW_CUSTOMERS)
