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
    VIEW_COMPLAINTS = "view_complaints"  # see the store's complaints
    HANDLE_COMPLAINTS = "handle_complaints"  # record complaints, work those they own
    MANAGE_COMPLAINTS = "manage_complaints"  # assign, categories, time limits, reports
    TAKE_SURVEYS = "take_surveys"  # record answers by phone or face to face
    VIEW_CSI = "view_csi"  # CSI dashboards, strengths and weaknesses, everyone's results
    MANAGE_SURVEYS = "manage_surveys"  # questionnaires, scoring models, external results, plans
    SET_CSI_TARGETS = "set_csi_targets"  # targets per store, role and person


C = Capability
_CS_BASE = {C.VIEW_CUSTOMERS, C.EDIT_CUSTOMERS, C.REVEAL_PHONE}

_FOLLOWUP_LEAD = {C.WORK_FOLLOWUPS, C.SUPERVISE_FOLLOWUPS}
_CS_AGENT = {C.WORK_FOLLOWUPS, C.VIEW_COMPLAINTS, C.HANDLE_COMPLAINTS, C.TAKE_SURVEYS}
_CS_LEAD = _CS_AGENT | _FOLLOWUP_LEAD | {C.MANAGE_COMPLAINTS, C.VIEW_CSI}
# Department managers receive complaints for their department, read CSI and set their
# people's targets (DOMAIN §1).
_DEPARTMENT_MANAGER = {C.VIEW_CUSTOMERS, C.EDIT_CUSTOMERS, C.WRITE_OPERATIONS,
                       C.VIEW_COMPLAINTS, C.HANDLE_COMPLAINTS, C.VIEW_CSI, C.SET_CSI_TARGETS}  # fmt: skip

ROLE_CAPABILITIES = {
    Role.FOLLOWUP_AGENT: _CS_BASE | _CS_AGENT,
    Role.PROMOTION_AGENT: _CS_BASE | _CS_AGENT,
    Role.CS_SUPERVISOR: _CS_BASE | {C.MERGE_CUSTOMERS, C.VIEW_AUDIT} | _CS_LEAD,
    Role.CS_MANAGER: _CS_BASE
    | {C.MERGE_CUSTOMERS, C.EXPORT_LISTS, C.VIEW_AUDIT, C.MANAGE_STORE, C.WRITE_OPERATIONS}
    | _CS_LEAD
    | {C.MANAGE_SURVEYS, C.SET_CSI_TARGETS},
    Role.GENERAL_MANAGER: set(Capability),
    Role.SERVICE_MANAGER: _DEPARTMENT_MANAGER,
    Role.SALES_MANAGER: _DEPARTMENT_MANAGER,
    Role.SERVICE_ADVISOR: {C.VIEW_CUSTOMERS, C.EDIT_CUSTOMERS, C.WRITE_OPERATIONS},
    Role.SALES_CONSULTANT: {C.VIEW_CUSTOMERS, C.EDIT_CUSTOMERS, C.WRITE_OPERATIONS},
    Role.TECHNICIAN: set(),
    Role.INTEGRATION: {C.VIEW_CUSTOMERS, C.EDIT_CUSTOMERS, C.WRITE_OPERATIONS},
}
GROUP_ADMIN_CAPABILITIES = frozenset(Capability)


def capabilities_of(role):
    """The capabilities a role grants in its store."""
    return frozenset(ROLE_CAPABILITIES.get(Role(role), ()))
