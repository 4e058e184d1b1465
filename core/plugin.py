"""The public plugin API: the only part of `core` a module imports.

    from core.plugin import hookimpl, ModuleMeta, TenantScopedModel, field, mutation, ...

Everything a module needs is re-exported here; the rest of `core` may change without notice.
The version of this API is `PLUGIN_API_VERSION`; a module states the versions it supports in
`ModuleMeta.plugin_api`.
"""

from core.access import (
    ANALYST,
    COALITION_ADMIN,
    EXPERIENCE_EXPERT,
    MEMBER,
    PARTNER_WORKER,
    PLATFORM_OPERATOR,
    PRIVACY_OFFICER,
    PROFESSIONAL,
    TENANT_ROLES,
    Principal,
)
from core.db import JSONType, NationalReferenceModel, SharedModel, TenantScopedModel, UTCDateTime, dialect_insert, tenant_foreign_key, utcnow
from core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from core.events import forget_events, publish_event
from core.tenancy import NotOwner, ReferenceDataReadOnly
from core.graphql.context import RequestContext
from core.graphql.fields import container, field, input_data, mutation, readable_with, row_field, selected_columns, selected_node_fields
from core.graphql.enums import enum_member, enum_members, value_enum
from core.graphql.roles import PartnerTypeEnum, RoleEnum
from core.graphql.pagination import Connection, Edge, PageInfo, paginate, paginate_list, position_connection, position_window
from core.bulk import bulk_upsert
from core.hookspecs import hookimpl, subscribes_to
from core.identifying import IdentifyingData, identifying_data, refuse_identifying, refuse_identifying_in
from core.module import Module
from core.commands import run_command
from core.disclosure import (
    MIN_CELL_SIZE_FLOOR,
    DisclosedCell,
    DisclosedList,
    DisclosedTable,
    Suppression,
    disclose_list,
    disclose_table,
    disclosure_threshold,
)
from core.directory import (
    MemberInfo,
    PartnerInfo,
    WijkInfo,
    all_members,
    all_partners,
    all_wijken,
    members_by_id,
    members_by_partner,
    partners_by_id,
    wijken_by_code,
    wijken_by_id,
)
from core.module_types import (
    ActivityCell,
    ActivityFigure,
    DomainEvent,
    Download,
    DownloadFile,
    EventType,
    GraphQLContribution,
    JobScope,
    MemberKnowledge,
    ModuleMeta,
    OfferItem,
    Permission,
    PlanActionProposal,
    ScheduledJob,
    TenantInfo,
)
from core.runtime import PLUGIN_API_VERSION
from core.member_gemeenten import GemeenteAnswer, in_member_gemeenten
from core.step_links import LinkedSteps, LinkedSubject, forget_step_links
from core.search import DUTCH_STOP_WORDS, dutch_stems
from core.processing import ProcessingActivity, processing_history, record_processing
from core.validation import camel, parse_id, validate
from core.work import PlatformWork, Work
from core.workflows import (
    HistoryEntry,
    Transition,
    WorkflowDefinition,
    WorkflowSubject,
    anonymise_workflow_history,
    apply_transition,
    erase_workflow_history,
    workflow_history,
)

__all__ = [
    "GemeenteAnswer",
    "in_member_gemeenten",
    "LinkedSteps",
    "LinkedSubject",
    "forget_step_links",
    "position_connection",
    "position_window",
    "camel",
    "PartnerTypeEnum",
    "RoleEnum",
    "DUTCH_STOP_WORDS",
    "dutch_stems",
    "MemberKnowledge",
    "refuse_identifying_in",
    "bulk_upsert",
    "refuse_identifying",
    "IdentifyingData",
    "identifying_data",
    "PlanActionProposal",
    "OfferItem",
    "DownloadFile",
    "Download",
    "ActivityFigure",
    "ActivityCell",
    "ANALYST",
    "COALITION_ADMIN",
    "EXPERIENCE_EXPERT",
    "MEMBER",
    "MIN_CELL_SIZE_FLOOR",
    "PARTNER_WORKER",
    "PLATFORM_OPERATOR",
    "PLUGIN_API_VERSION",
    "PRIVACY_OFFICER",
    "PROFESSIONAL",
    "TENANT_ROLES",
    "all_members",
    "all_partners",
    "all_wijken",
    "anonymise_workflow_history",
    "apply_transition",
    "Conflict",
    "Connection",
    "container",
    "dialect_insert",
    "disclose_list",
    "disclose_table",
    "DisclosedCell",
    "DisclosedList",
    "DisclosedTable",
    "disclosure_threshold",
    "DomainError",
    "DomainEvent",
    "Edge",
    "erase_workflow_history",
    "EventType",
    "enum_member",
    "enum_members",
    "field",
    "Forbidden",
    "forget_events",
    "GraphQLContribution",
    "HistoryEntry",
    "hookimpl",
    "subscribes_to",
    "input_data",
    "JobScope",
    "JSONType",
    "MemberInfo",
    "members_by_id",
    "members_by_partner",
    "Module",
    "ModuleMeta",
    "mutation",
    "NationalReferenceModel",
    "NotFound",
    "NotOwner",
    "PageInfo",
    "paginate_list",
    "paginate",
    "parse_id",
    "PartnerInfo",
    "partners_by_id",
    "Permission",
    "PlatformWork",
    "Principal",
    "processing_history",
    "ProcessingActivity",
    "publish_event",
    "readable_with",
    "row_field",
    "record_processing",
    "ReferenceDataReadOnly",
    "RequestContext",
    "run_command",
    "ScheduledJob",
    "SharedModel",
    "Suppression",
    "tenant_foreign_key",
    "TenantInfo",
    "TenantScopedModel",
    "Transition",
    "UTCDateTime",
    "utcnow",
    "validate",
    "value_enum",
    "ValidationFailed",
    "wijken_by_code",
    "wijken_by_id",
    "WijkInfo",
    "Work",
    "workflow_history",
    "WorkflowDefinition",
    "WorkflowSubject",
    "selected_columns",
    "selected_node_fields",
]

#: What plugin API 1.0 exported and 1.1 no longer does, with what to use instead.
_REMOVED_IN_1_1 = {
    "Partner": "partners_by_id / all_partners (PartnerInfo)",
    "Membership": "members_by_id / members_by_partner / all_members (MemberInfo)",
    "Wijk": "wijken_by_code / wijken_by_id / all_wijken (WijkInfo)",
    "WorkflowHistory": "workflow_history / anonymise_workflow_history / erase_workflow_history; apply_transition writes it",
}


def __getattr__(name: str) -> object:
    # A module written for 1.0 that imports one of core's tables gets told what replaces it,
    # instead of a bare "cannot import name".
    if name in _REMOVED_IN_1_1:
        raise ImportError(f"core.plugin no longer exports {name} (plugin API 1.1): use {_REMOVED_IN_1_1[name]}")
    raise AttributeError(f"module 'core.plugin' has no attribute {name!r}")
