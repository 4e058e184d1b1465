"""Answering a workflow step without an account: an expiring, single-use, signed link.

Small volunteer organisations will not take accounts. A module declares which steps of one of
its workflows may be answered by link (`register_step_links` → `LinkedSteps`: the workflow,
the side whose steps a link may take, who may send one, how to show the subject minimally,
how to take a step, and to which address it goes). A member with that permission sends a
link for one subject (`sendStepLink`); the platform mails it, once the sending committed, to
the answering party's own address as the coalition recorded it (never one the sender types,
so nobody mails themselves the other side's step), and never shows it to the sender. The
link:

* is **signed**: `ks_<link id>.<expiry>.<nonce>.<HMAC>` with a key derived from the
  platform's secret, so a forged or altered link is refused before the database is asked;
  only the SHA-256 of the whole link is stored, so the database never holds a usable link;
* **expires** (1 to 14 days, 7 by default) and is **single-use**: the step taken with it
  marks it used in the same transaction, under a lock of the link's row only;
* allows **only the next step**: the steps of the declared side from the state the subject
  was in when the link was sent; once the subject moved on (by link or by a member), the link
  no longer works (`LINK_STALE`);
* shows **only the minimal request**: what the module's `load` returns (labels and values,
  no more), and nothing else of the platform;
* is **logged** in the processing log (sent: shared; opened: read; answered: updated; under
  core's activity `core.step_link`), besides what the module's own `load` and `take` log;
* can be **revoked** (`revokeStepLink`); sending a new link for the same subject revokes the
  open ones, and purging or erasing the subject's data deletes its links (`forget_step_links`).

Opening the link (`GET`) changes nothing, so a mail scanner that follows links cannot use
it up; only the answer (`POST`) does. Every refusal names its reason (`LINK_UNKNOWN`,
`LINK_EXPIRED`, `LINK_USED`, `LINK_REVOKED`, `LINK_STALE`, `STEP_NOT_ALLOWED`): the secret
is 128 random bits plus a signature, so a refusal tells a guesser nothing useful, and the
recipient learns why a link no longer works.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field as PydanticField, StringConstraints, TypeAdapter, ValidationError
from sqlalchemy import Column, Index, Select, String, UniqueConstraint, delete, select, update
from sqlmodel import Field

from core.access import Principal
from core.db import JSONType, TenantScopedModel, UTCDateTime, begin_write, utcnow
from core.errors import Conflict, DomainError, NotFound, ValidationFailed
from core.mail import message, sender_for
from core.processing import ProcessingActivity, Trace, record_processing
from core.validation import parse_id, validate
from core.work import Work
from core.workflows import TransitionNotAllowed, WorkflowDefinition

if TYPE_CHECKING:
    from core.config import Settings
    from core.platform import Platform

#: Sending, listing and revoking links (the module's own `send_permission` is needed too).
STEP_LINK_SEND = "core.step_link.send"
#: Core's processing activity for links: sending, opening and answering one.
STEP_LINK_ACTIVITY = "core.step_link"
#: What a link starts with: recognisable in a leaked URL or a secret scanner.
TOKEN_PREFIX = "ks_"
#: The query parameter (GET) or form field (POST) that carries the link's secret. In the query
#: string, not the path: the access log and the trace spans keep the path only.
LINK_PARAMETER = "link"
DEFAULT_VALID_DAYS = 7
MAX_VALID_DAYS = 14
#: Who took a step by link, in the workflow history and the processing log.
ACTOR_SUFFIX = " (via link)"


# -- what a module declares ---------------------------------------------------------------------


@dataclass(frozen=True)
class LinkedSubject:
    """What a link shows of its subject: its state, and the minimal request as (label, value)
    pairs in Dutch (no names, no contact details unless the step needs them). `steps`: when
    not every step of the side fits this subject (a package to be delivered cannot be picked
    up), the ones that do."""

    state: str
    summary: tuple[tuple[str, str], ...]
    steps: tuple[str, ...] | None = None


@dataclass(frozen=True)
class LinkedSteps:
    """Steps of one of your workflows that someone without an account may take with a link.

    `side`: the steps of this side (`Transition.side`) may be taken, from the state the
    subject is in when the link is sent. `send_permission`: one of your permissions; who
    holds it may send and revoke links. `load(work, subject_id)`: the subject's state and
    minimal summary, or None when it is gone. `take(work, subject_id, transition, reason)`:
    take the step with your own service (history, events, feedback), as `work` (whose actor
    is the recipient's address with " (via link)", holding only the step's permission).
    `recipient(work, subject_id)`: the address the link goes to, the answering party's own as
    the coalition recorded it (e.g. the partner organisation's e-mail address), or None when
    there is none; never one the sender types, so that no one sends themselves the other
    side's step. `take` locks its subject's row (`with_for_update`), so that two links or a
    link and a member never take a step at once. `title`: what the page calls the subject
    (Dutch), e.g. "Aanvraag startpakket"."""

    workflow: WorkflowDefinition
    side: str
    send_permission: str
    load: Callable[[Work, uuid.UUID], Awaitable[LinkedSubject | None]]
    take: Callable[[Work, uuid.UUID, str, str | None], Awaitable[None]]
    recipient: Callable[[Work, uuid.UUID], Awaitable[str | None]]
    title: str


# -- the table ---------------------------------------------------------------------------------


class StepLink(TenantScopedModel, table=True):
    """A link sent for one subject of a workflow. `token_hash` is the SHA-256 (hex) of the
    link's secret, which is never stored. `transitions`: the steps it allows, from
    `from_state`."""

    __tablename__ = "step_links"
    __table_args__ = (
        UniqueConstraint("tenant_id", "token_hash"),
        Index("ix_step_links_subject", "tenant_id", "workflow", "subject_id"),
    )

    module_key: str = Field(sa_column=Column(String(64), nullable=False))
    workflow: str = Field(sa_column=Column(String(128), nullable=False))
    subject_id: uuid.UUID = Field(nullable=False)
    from_state: str = Field(sa_column=Column(String(64), nullable=False))
    transitions: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    recipient: str = Field(sa_column=Column(String(320), nullable=False))
    token_hash: str = Field(sa_column=Column(String(64), nullable=False))
    sent_by: str = Field(sa_column=Column(String(320), nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    used_transition: str | None = Field(default=None, sa_column=Column(String(64)))
    revoked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_by: str | None = Field(default=None, sa_column=Column(String(320)))

    @property
    def status(self) -> str:
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= utcnow():
            return "expired"
        return "open"


STEP_LINK_MODELS = [StepLink]

STEP_LINK_PROCESSING = ProcessingActivity(
    key=STEP_LINK_ACTIVITY,
    name="Een stap beantwoorden via een link, zonder account",
    purpose=(
        "Een partner zonder account (bijv. een kleine vrijwilligersorganisatie) laat een stap van een aanvraag of "
        "verwijzing beantwoorden via een eenmalige link, met alleen wat voor die stap nodig is."
    ),
    legal_basis=(
        "De grondslag van de verwerking waarvan de stap deel is (toestemming van de ouder voor delen met deze partner); "
        "de link toont alleen het minimum (AVG art. 5 lid 1 sub c en art. 25)."
    ),
    data_categories=("de minimale gegevens van de aanvraag die de module toont", "e-mailadres van de ontvanger van de link"),
    retention="De link: zolang het onderwerp bestaat; dit logboek zolang het zelf wordt bewaard.",
)


# -- errors ------------------------------------------------------------------------------------


class LinkUnknown(NotFound):
    """Forged, altered, of another gemeente, or of a module that is off (one answer for all)."""

    code = "LINK_UNKNOWN"


class LinkGone(DomainError):
    """A real link that no longer works; the code says why (expired, used, revoked)."""

    http_status = 410


class LinkStale(Conflict):
    """The subject moved on since the link was sent."""

    code = "LINK_STALE"


def unknown_link() -> LinkUnknown:
    return LinkUnknown("Deze link bestaat niet of is niet (meer) geldig.")


def stale_link() -> LinkStale:
    return LinkStale("Dit is intussen al afgehandeld: deze link werkt niet meer.")


# -- the signed token --------------------------------------------------------------------------


def _signing_key(settings: Settings) -> bytes:
    return hashlib.sha256(b"step-links:" + settings.secret_key.get_secret_value().encode()).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signature(settings: Settings, tenant_id: uuid.UUID, body: str) -> str:
    return _b64(hmac.new(_signing_key(settings), f"{tenant_id}.{body}".encode(), hashlib.sha256).digest()[:24])


def make_token(settings: Settings, tenant_id: uuid.UUID, link_id: uuid.UUID, expires_at: dt.datetime) -> str:
    body = f"{link_id.hex}.{int(expires_at.timestamp())}.{secrets.token_urlsafe(16)}"
    return f"{TOKEN_PREFIX}{body}.{_signature(settings, tenant_id, body)}"


#: What a link looks like: `ks_` + the link's id (hex) + its expiry (Unix seconds) + a nonce
#: + the signature (both base64url); anything else is refused before it is looked at.
TOKEN_PATTERN = re.compile(r"ks_[0-9a-f]{32}\.[0-9]{1,12}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{32}")


def read_token(settings: Settings, tenant_id: uuid.UUID, token: str) -> tuple[uuid.UUID, dt.datetime]:
    """The link id and expiry a token carries, if it has the link's form and its signature
    is right for this gemeente (else LINK_UNKNOWN)."""
    if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        raise unknown_link()
    body, _, signature = token[len(TOKEN_PREFIX) :].rpartition(".")
    parts = body.split(".")
    if not hmac.compare_digest(signature.encode(), _signature(settings, tenant_id, body).encode()):
        raise unknown_link()
    try:
        return uuid.UUID(hex=parts[0]), dt.datetime.fromtimestamp(int(parts[1]), dt.UTC)
    except ValueError:
        raise unknown_link() from None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def link_url(settings: Settings, tenant_slug: str, token: str) -> str:
    return f"{settings.public_base_url.rstrip('/')}/t/{tenant_slug}/step-link?{LINK_PARAMETER}={token}"


# -- sending, listing and revoking (members) -----------------------------------------------------


class SendStepLinkInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    workflow: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=128)]
    subject_id: str
    valid_days: int = PydanticField(default=DEFAULT_VALID_DAYS, ge=1, le=MAX_VALID_DAYS)


def linked_steps(work: Work, workflow_key: str, *, field: str = "input.workflow") -> tuple[str, LinkedSteps]:
    """The declared `LinkedSteps` of a workflow of a module the gemeente has on: (module key, steps)."""
    found = work.runtime.step_links(workflow_key)
    if found is None or found[0] not in work.enabled_modules:
        raise NotFound("Van deze workflow kan geen stap via een link worden beantwoord.", field=field)
    return found


def open_steps(steps: LinkedSteps, subject: LinkedSubject) -> list[str]:
    """The steps a link sent now may take: the side's steps from the subject's state (those
    that fit the subject)."""
    return [
        transition.name
        for transition in steps.workflow.allowed_from(subject.state)
        if transition.side == steps.side and (subject.steps is None or transition.name in subject.steps)
    ]


async def _visible_subject(work: Work, steps: LinkedSteps, subject_id: uuid.UUID, field: str) -> LinkedSubject:
    """The subject as the module shows it to this member (NOT_FOUND when it is gone or the
    member may not see it)."""
    subject = await steps.load(work, subject_id)
    if subject is None:
        raise NotFound("Dit onderwerp bestaat niet.", field=field)
    return subject


async def send_link(work: Work, data: dict[str, Any]) -> StepLink:
    """Mail a new link for one subject to the answering party's own address (the module's
    `recipient`); the subject's open links are revoked. The mail goes once the unit of work
    has committed (a rolled-back or repeated attempt mails nothing, or once)."""
    fields = validate(SendStepLinkInput, data, prefix="input")
    module_key, steps = linked_steps(work, fields.workflow)
    work.principal.require(steps.send_permission)
    subject_id = parse_id(fields.subject_id, "input.subjectId")
    subject = await _visible_subject(work, steps, subject_id, "input.subjectId")
    allowed = open_steps(steps, subject)
    if not allowed:
        raise Conflict(
            f"In de toestand '{subject.state}' is er geen stap die via een link beantwoord kan worden.",
            code="NO_STEP_OPEN",
            field="input.subjectId",
        )
    recipient = await steps.recipient(work, subject_id)
    try:
        recipient = str(TypeAdapter(EmailStr).validate_python(recipient or "")).lower()
    except ValidationError:
        raise Conflict(
            "Van de partner die antwoordt is geen (geldig) e-mailadres bekend: de coalitie legt het vast bij de organisatie.",
            code="NO_RECIPIENT",
            field="input.subjectId",
        ) from None
    now = utcnow()
    await work.session.execute(
        update(StepLink)
        .where(StepLink.workflow == steps.workflow.key, StepLink.subject_id == subject_id, StepLink.used_at.is_(None), StepLink.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by=work.actor)
    )
    link = StepLink(
        module_key=module_key,
        workflow=steps.workflow.key,
        subject_id=subject_id,
        from_state=subject.state,
        transitions=allowed,
        recipient=recipient,
        token_hash="",
        sent_by=work.actor,
        created_at=now,
        expires_at=(now + dt.timedelta(days=fields.valid_days)).replace(microsecond=0),
    )
    token = make_token(work.settings, work.tenant.id, link.id, link.expires_at)
    link.token_hash = token_hash(token)
    work.session.add(link)
    await work.session.flush()
    record_processing(work, STEP_LINK_ACTIVITY, "sendStepLink", [subject_id], "shared")
    mail = message(
        work.settings,
        to=link.recipient,
        subject=f"{steps.title}: uw antwoord gevraagd (Kansrijke Start {work.tenant.name})",
        body=(
            f"Goedendag,\n\nDe coalitie Kansrijke Start van {work.tenant.name} vraagt uw antwoord op: {steps.title}.\n"
            f"Open deze link om te zien wat er gevraagd wordt en te antwoorden. De link werkt één keer en tot "
            f"{link.expires_at:%d-%m-%Y %H:%M} UTC:\n\n{link_url(work.settings, work.tenant.slug, token)}\n\n"
            "Stuur de link niet door. Verwachtte u dit bericht niet? Dan kunt u het negeren.\n"
        ),
    )

    async def send() -> None:
        await sender_for(work.settings).send(mail)

    work.after_commit(send)
    return link


async def links_statement(work: Work, workflow_key: str, subject_id: Any) -> Select[Any]:
    """The links sent for one subject (for a member who may send them and see the subject)."""
    _module_key, steps = linked_steps(work, workflow_key, field="workflow")
    work.principal.require(steps.send_permission)
    wanted = parse_id(subject_id, "subjectId")
    await _visible_subject(work, steps, wanted, "subjectId")
    return select(StepLink).where(StepLink.workflow == steps.workflow.key, StepLink.subject_id == wanted)


async def revoke_link(work: Work, link_id: Any) -> StepLink:
    """Revoke a link that is still open (a used or revoked one is answered as it is)."""
    wanted = parse_id(link_id, "input.id")
    link = (await work.session.execute(select(StepLink).where(StepLink.id == wanted))).scalar_one_or_none()
    if link is None:
        raise NotFound("Deze link bestaat niet.", field="input.id")
    _module_key, steps = linked_steps(work, link.workflow, field="input.id")
    work.principal.require(steps.send_permission)
    if await steps.load(work, link.subject_id) is None:
        raise NotFound("Deze link bestaat niet.", field="input.id")  # a subject the member may not see
    if link.used_at is None and link.revoked_at is None:
        link.revoked_at = utcnow()
        link.revoked_by = work.actor
        await work.session.flush()
    return link


async def forget_step_links(session: Any, workflow: WorkflowDefinition, subject_ids: Collection[uuid.UUID]) -> None:
    """Delete every link of these subjects (when the subjects are erased or anonymised)."""
    if subject_ids:
        await session.execute(delete(StepLink).where(StepLink.workflow == workflow.key, StepLink.subject_id.in_(list(subject_ids))))


async def forget_module_links(session: Any, module_key: str) -> None:
    """Delete every link of a purged module (core.services.modules.forget_module)."""
    await session.execute(delete(StepLink).where(StepLink.module_key == module_key))


# -- using a link (HTTP, no account) -----------------------------------------------------------


@dataclass(frozen=True)
class LinkView:
    """What the recipient sees: the subject's minimal request and the steps the link allows."""

    title: str
    tenant_name: str
    summary: tuple[tuple[str, str], ...]
    steps: tuple[tuple[str, str, bool], ...]  # (name, description, needs a reason)
    expires_at: dt.datetime


def _check_usable(link: StepLink, now: dt.datetime) -> None:
    if link.revoked_at is not None:
        raise LinkGone("Deze link is ingetrokken door de coalitie.", code="LINK_REVOKED")
    if link.used_at is not None:
        raise LinkGone("Deze link is al gebruikt: hij werkt maar één keer.", code="LINK_USED")
    if link.expires_at <= now:
        raise LinkGone(f"Deze link is verlopen op {link.expires_at:%d-%m-%Y %H:%M} UTC.", code="LINK_EXPIRED")


@asynccontextmanager
async def link_work(
    platform: Platform, tenant_slug: str, token: str, *, write: bool, trace: Trace | None = None
) -> AsyncIterator[tuple[Work, StepLink, LinkedSteps]]:
    """The unit of work of one use of a link: the gemeente (active, the module on), the link
    (signed for this gemeente, stored, neither used, revoked nor expired) and the module's
    steps. `write`: the link's row is locked until the transaction ends (an answer). The
    principal is the recipient, with no membership and only the permissions of the steps
    the link allows."""
    try:
        async with platform.tenant_session(tenant_slug) as (session, tenant):
            link_id, token_expiry = read_token(platform.settings, tenant.id, token)
            now = utcnow()
            if token_expiry <= now:
                raise LinkGone(f"Deze link is verlopen op {token_expiry:%d-%m-%Y %H:%M} UTC.", code="LINK_EXPIRED")
            if write:
                await begin_write(session)
            statement = select(StepLink).where(StepLink.id == link_id)
            link = (await session.execute(statement.with_for_update() if write else statement)).scalar_one_or_none()
            if link is None or not hmac.compare_digest(link.token_hash, token_hash(token)):
                raise unknown_link()
            _check_usable(link, now)
            found = platform.runtime.step_links(link.workflow)
            if found is None:
                raise unknown_link()
            steps = found[1]
            permissions = frozenset(
                transition.permission for transition in steps.workflow.transitions if transition.name in link.transitions
            )
            principal = Principal(subject=link.recipient + ACTOR_SUFFIX, permissions=permissions)
            work = await platform.context_for(session, tenant, principal, request=None, request_id=None, trace=trace)
            if link.module_key not in work.enabled_modules:
                raise unknown_link()
            yield work, link, steps
    except DomainError as error:
        if error.code in {"TENANT_NOT_FOUND", "TENANT_SUSPENDED"}:
            raise unknown_link() from None
        raise


async def _current_subject(work: Work, link: StepLink, steps: LinkedSteps) -> LinkedSubject:
    subject = await steps.load(work, link.subject_id)
    if subject is None:
        raise unknown_link()
    if subject.state != link.from_state:
        raise stale_link()
    return subject


async def view_link(platform: Platform, tenant_slug: str, token: str, *, trace: Trace | None = None) -> LinkView:
    """What a link shows (logged as read); changes nothing, so a mail scanner cannot use it up."""
    async with link_work(platform, tenant_slug, token, write=False, trace=trace) as (work, link, steps):
        record_processing(work, STEP_LINK_ACTIVITY, "viewStepLink", [link.subject_id], "read")
        try:
            subject = await _current_subject(work, link, steps)
        except BaseException:
            await work.save_failure()  # what was read before the refusal is logged (status error)
            raise
        view = LinkView(
            title=steps.title,
            tenant_name=work.tenant.name,
            summary=subject.summary,
            steps=tuple(
                (transition.name, transition.description, transition.requires_reason)
                for transition in steps.workflow.transitions
                if transition.name in link.transitions
            ),
            expires_at=link.expires_at,
        )
        await begin_write(work.session)
        await work.save()
    return view


async def answer_link(
    platform: Platform, tenant_slug: str, token: str, transition: str, reason: str | None, *, trace: Trace | None = None
) -> str:
    """Take one step with a link, once; the new state. The step and the link's use commit
    together; a refused step leaves the link as it was (and is logged with status error)."""
    async with link_work(platform, tenant_slug, token, write=True, trace=trace) as (work, link, steps):
        # Logged before the attempt, so that a refused step leaves an `error` record.
        record_processing(work, STEP_LINK_ACTIVITY, "answerStepLink", [link.subject_id], "updated")
        try:
            await _current_subject(work, link, steps)
            if transition not in link.transitions:
                allowed = ", ".join(link.transitions)
                raise ValidationFailed(f"Deze link staat alleen toe: {allowed}.", code="STEP_NOT_ALLOWED", field="transition")
            cleaned = (reason or "").strip() or None
            if cleaned is not None and len(cleaned) > 500:
                raise ValidationFailed("De reden is te lang (hoogstens 500 tekens).", field="reason")
            try:
                await steps.take(work, link.subject_id, transition, cleaned)
            except TransitionNotAllowed:
                # A member took a step between the check above and the lock `take` holds.
                raise stale_link() from None
            subject = await steps.load(work, link.subject_id)
            link.used_at = utcnow()
            link.used_transition = transition
            await work.commit()
        except BaseException:
            await work.save_failure()
            raise
    return subject.state if subject is not None else ""
