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
from core.db import JSONType, TenantScopedModel, UTCDateTime, dialect_insert, tenant_foreign_key, utcnow
from core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from core.events import forget_events, publish_event
from core.graphql.context import RequestContext
from core.models import Membership, Partner, Wijk, WorkflowHistory
from core.graphql.fields import container, field, mutation, readable_with
from core.graphql.pagination import Connection, Edge, PageInfo, paginate
from core.hookspecs import hookimpl
from core.module_types import DomainEvent, EventType, GraphQLContribution, ModuleMeta, Permission, ScheduledJob, TenantInfo
from core.runtime import PLUGIN_API_VERSION
from core.processing import ProcessingActivity, processing_history, record_processing
from core.validation import parse_id, validate
from core.work import Work
from core.workflows import Transition, WorkflowDefinition, WorkflowSubject, apply_transition

__all__ = [
    "ANALYST",
    "COALITION_ADMIN",
    "EXPERIENCE_EXPERT",
    "MEMBER",
    "PARTNER_WORKER",
    "PLATFORM_OPERATOR",
    "PLUGIN_API_VERSION",
    "PRIVACY_OFFICER",
    "PROFESSIONAL",
    "TENANT_ROLES",
    "Conflict",
    "Connection",
    "DomainError",
    "DomainEvent",
    "Edge",
    "EventType",
    "Forbidden",
    "GraphQLContribution",
    "JSONType",
    "Membership",
    "ModuleMeta",
    "NotFound",
    "PageInfo",
    "Partner",
    "ProcessingActivity",
    "Permission",
    "Principal",
    "RequestContext",
    "ScheduledJob",
    "TenantInfo",
    "TenantScopedModel",
    "Transition",
    "UTCDateTime",
    "ValidationFailed",
    "Work",
    "WorkflowDefinition",
    "Wijk",
    "WorkflowHistory",
    "WorkflowSubject",
    "apply_transition",
    "container",
    "dialect_insert",
    "field",
    "forget_events",
    "hookimpl",
    "mutation",
    "paginate",
    "processing_history",
    "parse_id",
    "publish_event",
    "readable_with",
    "record_processing",
    "tenant_foreign_key",
    "utcnow",
    "validate",
]
