"""Roles of DOMAIN §1 and what each may do; pure, no database.

A user holds one role per store (StoreMembership). A group admin holds every capability in every
store of their dealer group. Capabilities are checked against the store that owns the record.
"""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    FOLLOWUP_AGENT = "followup_agent", _("Follow-up agent")
    PROMOTION_AGENT = "promotion_agent", _("Promotion agent")
    CS_SUPERVISOR = "cs_supervisor", _("CS supervisor")
    CS_MANAGER = "cs_manager", _("CS manager")
    GENERAL_MANAGER = "general_manager", _("General manager")
    SERVICE_MANAGER = "service_manager", _("Service manager")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    SERVICE_ADVISOR = "service_advisor", _("Service advisor")
    TECHNICIAN = "technician", _("Technician")
    SALES_CONSULTANT = "sales_consultant", _("Sales consultant")
    INTEGRATION = "integration", _("DMS integration")


class Capability(StrEnum):
    VIEW_CUSTOMERS = "view_customers"
    EDIT_CUSTOMERS = "edit_customers"
    MERGE_CUSTOMERS = "merge_customers"
    REVEAL_PHONE = "reveal_phone"
    EXPORT_LISTS = "export_lists"
    VIEW_AUDIT = "view_audit"
    WRITE_OPERATIONS = "write_operations"
    MANAGE_STORE = "manage_store"
    MANAGE_USERS = "manage_users"
    WORK_FOLLOWUPS = "work_followups"  # claim and call follow-up tasks
    SUPERVISE_FOLLOWUPS = "supervise_followups"  # see the whole queue, assign, reassign


C = Capability
_CS_BASE = {C.VIEW_CUSTOMERS, C.EDIT_CUSTOMERS, C.REVEAL_PHONE}

_FOLLOWUP_LEAD = {C.WORK_FOLLOWUPS, C.SUPERVISE_FOLLOWUPS}

ROLE_CAPABILITIES = {
    Role.FOLLOWUP_AGENT: _CS_BASE | {C.WORK_FOLLOWUPS},
    Role.PROMOTION_AGENT: _CS_BASE | {C.WORK_FOLLOWUPS},
    Role.CS_SUPERVISOR: _CS_BASE | {C.MERGE_CUSTOMERS, C.VIEW_AUDIT} | _FOLLOWUP_LEAD,
    Role.CS_MANAGER: _CS_BASE
    | {C.MERGE_CUSTOMERS, C.EXPORT_LISTS, C.VIEW_AUDIT, C.MANAGE_STORE, C.WRITE_OPERATIONS}
    | _FOLLOWUP_LEAD,
    Role.GENERAL_MANAGER: set(Capability),
    Role.SERVICE_MANAGER: {C.VIEW_CUSTOMERS, C.EDIT_CUSTOMERS, C.WRITE_OPERATIONS},
    Role.SALES_MANAGER: {C.VIEW_CUSTOMERS, C.EDIT_CUSTOMERS, C.WRITE_OPERATIONS},
    Role.SERVICE_ADVISOR: {C.VIEW_CUSTOMERS, C.EDIT_CUSTOMERS, C.WRITE_OPERATIONS},
    Role.SALES_CONSULTANT: {C.VIEW_CUSTOMERS, C.EDIT_CUSTOMERS, C.WRITE_OPERATIONS},
    Role.TECHNICIAN: set(),
    Role.INTEGRATION: {C.VIEW_CUSTOMERS, C.EDIT_CUSTOMERS, C.WRITE_OPERATIONS},
}
GROUP_ADMIN_CAPABILITIES = frozenset(Capability)


def capabilities_of(role):
    """The capabilities a role grants in its store."""
    return frozenset(ROLE_CAPABILITIES.get(Role(role), ()))
