"""The tables of handvat 4.

Tenant data (`TenantScopedModel`, one coalition's): its competence framework (the national
default, adapted), its learning activities with their dates, the members' registrations
(with the waiting list and attendance) and the competences members gained, by attending or
by a declaration the coalition lead confirms.

Shared data (`SharedModel`: the owning coalition writes, every coalition reads what is
published): the practice library. An example's metadata and every version of its content
are separate rows, so a draft (an unpublished version row) never becomes readable by
another coalition, not even on the database layer, while its published version is; the
experience notes and adoptions other coalitions leave are their own shared rows, published
at once."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Boolean, Column, Index, Integer, String, Text, UniqueConstraint, text
from sqlmodel import Field

from core.plugin import JSONType, SharedModel, TenantScopedModel, UTCDateTime, tenant_foreign_key, utcnow

# -- competences ---------------------------------------------------------------------------------


class Competence(TenantScopedModel, table=True):
    """A competence of the coalition's framework: the national default ones (`national`)
    and its own. A competence in use is switched off (`active`), never deleted."""

    __tablename__ = "leren_competences"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    key: str = Field(sa_column=Column(String(60), nullable=False))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    national: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    active: bool = Field(default=True, sa_column=Column(Boolean, nullable=False))
    position: int = Field(default=0, sa_column=Column(Integer, nullable=False))


class MemberCompetence(TenantScopedModel, table=True):
    """A member has (or declares) a competence: by attending an activity that addresses it
    (`source` activiteit, confirmed at once) or by a declaration with evidence (`source`
    verklaring, `state` verklaard until the coalition lead confirms or rejects it). It
    counts from `acquired_at`: the attendance, or the confirmation."""

    __tablename__ = "leren_member_competences"
    __table_args__ = (
        tenant_foreign_key("membership_id", "memberships"),
        tenant_foreign_key("activity_id", "leren_activities"),
        Index("ix_leren_member_competences_member", "tenant_id", "membership_id"),
        # One attendance of an activity gives a competence once.
        UniqueConstraint("tenant_id", "membership_id", "competence_key", "activity_id"),
        # At most one open declaration per member and competence.
        Index(
            "uq_leren_member_competences_open_declaration",
            "tenant_id",
            "membership_id",
            "competence_key",
            unique=True,
            postgresql_where=text("state = 'verklaard'"),
            sqlite_where=text("state = 'verklaard'"),
        ),
    )

    membership_id: uuid.UUID = Field(nullable=False)
    competence_key: str = Field(sa_column=Column(String(60), nullable=False))
    source: str = Field(sa_column=Column(String(12), nullable=False))  # activiteit, verklaring
    activity_id: uuid.UUID | None = Field(default=None)
    evidence: str | None = Field(default=None, sa_column=Column(Text))
    state: str = Field(sa_column=Column(String(12), nullable=False))  # verklaard, bevestigd, afgewezen
    acquired_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    declared_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    decided_by: str | None = Field(default=None, sa_column=Column(String(320)))
    decided_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


# -- learning activities -------------------------------------------------------------------------


class Activity(TenantScopedModel, table=True):
    """A learning activity of the coalition: a training, themabijeenkomst, masterclass,
    intervisie, serious game, e-learning or werkbezoek, organised by a partner organisation,
    for some roles and partner types, addressing some competences of the framework."""

    __tablename__ = "leren_activities"
    __table_args__ = (tenant_foreign_key("organiser_partner_id", "partners"),)

    kind: str = Field(sa_column=Column(String(20), nullable=False))
    title: str = Field(sa_column=Column(String(200), nullable=False))
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    place: str | None = Field(default=None, sa_column=Column(String(300)))
    online_url: str | None = Field(default=None, sa_column=Column(String(500)))
    capacity: int | None = Field(default=None, sa_column=Column(Integer))  # None: no limit (e-learning)
    roles: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    partner_types: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    competence_keys: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    organiser_partner_id: uuid.UUID = Field(nullable=False)
    experts_co_lead: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    starts_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)  # the first date's start
    ends_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)  # the last date's end
    cancelled_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: str = Field(sa_column=Column(String(320), nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ActivityDate(TenantScopedModel, table=True):
    """One date of an activity (a training of three afternoons has three). `reminded_at`:
    when its reminder went out (once)."""

    __tablename__ = "leren_activity_dates"
    __table_args__ = (
        tenant_foreign_key("activity_id", "leren_activities", ondelete="CASCADE"),
        Index("ix_leren_activity_dates_start", "tenant_id", "starts_at"),
    )

    activity_id: uuid.UUID = Field(nullable=False)
    starts_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    ends_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    reminded_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class Registration(TenantScopedModel, table=True):
    """A member's place at an activity: `ingeschreven` (a seat), `wachtlijst` (in order of
    `registered_at`), `afgemeld`, and after the activity `aanwezig` or `afwezig` as the
    organiser records. `partner_id` is the member's organisation when they registered (for
    the figures per partner type)."""

    __tablename__ = "leren_registrations"
    __table_args__ = (
        UniqueConstraint("tenant_id", "activity_id", "membership_id"),
        tenant_foreign_key("activity_id", "leren_activities", ondelete="CASCADE"),
        tenant_foreign_key("membership_id", "memberships"),
        Index("ix_leren_registrations_member", "tenant_id", "membership_id"),
    )

    activity_id: uuid.UUID = Field(nullable=False)
    membership_id: uuid.UUID = Field(nullable=False)
    partner_id: uuid.UUID | None = Field(default=None)
    state: str = Field(sa_column=Column(String(12), nullable=False))
    registered_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    cancelled_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    attendance_recorded_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    attendance_recorded_by: str | None = Field(default=None, sa_column=Column(String(320)))


# -- the practice library (shared) --------------------------------------------------------------


class PracticeExample(SharedModel, table=True):
    """A practice example of a coalition: its place in the life cycle (`state`: concept, ter
    beoordeling, gepubliceerd, ingetrokken) and which version every coalition reads
    (`current_version_id`; `published` while there is one and it is not withdrawn). The
    content is in the versions: while the coalition works on an update (state concept
    again), the others keep reading the published version."""

    __tablename__ = "leren_practice_examples"

    state: str = Field(sa_column=Column(String(16), nullable=False))
    current_version_id: uuid.UUID | None = Field(default=None)
    working_version_id: uuid.UUID | None = Field(default=None)
    versions: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    gemeente_name: str = Field(sa_column=Column(String(200), nullable=False))
    created_by: str = Field(sa_column=Column(String(320), nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    published_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class PracticeVersion(SharedModel, table=True):
    """One version of an example's content. A draft (`state` concept or ter_beoordeling) is
    never published; a published one stays readable (`published`) as the example's history
    until the example is withdrawn; `current` marks the one every coalition reads. `search_text`
    is the text the full-text search sees besides the title, `stemmed` the Dutch stems of
    both for SQLite's FTS5 index. On PostgreSQL the migration adds a stored, generated
    `fts_vector` (the `dutch` tsvector of title and text), left out of the model."""

    __tablename__ = "leren_practice_versions"
    __table_args__ = (
        UniqueConstraint("example_id", "number"),
        Index("ix_leren_practice_versions_current", "current", "published"),
    )

    example_id: uuid.UUID = Field(foreign_key="leren_practice_examples.id", ondelete="CASCADE")
    number: int = Field(sa_column=Column(Integer, nullable=False))
    state: str = Field(sa_column=Column(String(16), nullable=False))  # concept, ter_beoordeling, gepubliceerd, vervangen
    current: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    title: str = Field(sa_column=Column(String(200), nullable=False))
    problem: str = Field(default="", sa_column=Column(Text, nullable=False))
    target_group: str = Field(default="", sa_column=Column(Text, nullable=False))
    approach: str = Field(default="", sa_column=Column(Text, nullable=False))
    partners_involved: str = Field(default="", sa_column=Column(Text, nullable=False))
    experts_role: str = Field(default="", sa_column=Column(Text, nullable=False))
    results: str = Field(default="", sa_column=Column(Text, nullable=False))
    what_worked: str = Field(default="", sa_column=Column(Text, nullable=False))
    what_did_not_work: str = Field(default="", sa_column=Column(Text, nullable=False))
    preconditions: str = Field(default="", sa_column=Column(Text, nullable=False))
    costs: str = Field(default="", sa_column=Column(Text, nullable=False))
    contact: str = Field(default="", sa_column=Column(String(300), nullable=False))
    source: str = Field(default="", sa_column=Column(String(500), nullable=False))
    themes: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    target_groups: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    gemeente_size: str = Field(sa_column=Column(String(8), nullable=False))  # klein, middel, groot
    # Where the practice runs when that is not the sharing coalition's gemeente (e.g. one it
    # learnt from on a werkbezoek); empty: the coalition's own.
    practice_gemeente: str = Field(default="", sa_column=Column(String(200), nullable=False))
    interventions: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    stemmed: str = Field(default="", sa_column=Column(Text, nullable=False))
    written_by: str = Field(sa_column=Column(String(320), nullable=False))
    author_membership_id: uuid.UUID | None = Field(default=None)
    # Everyone else who changed this version's text: none of them may review it either.
    editor_membership_ids: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    submitted_by_membership_id: uuid.UUID | None = Field(default=None)
    reviewed_by: str | None = Field(default=None, sa_column=Column(String(320)))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    published_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class ExperienceNote(SharedModel, table=True):
    """A coalition's short note on a published example ("we tried this, and…"), read by
    every coalition (published when written)."""

    __tablename__ = "leren_experience_notes"
    __table_args__ = (Index("ix_leren_experience_notes_example", "example_id"),)

    example_id: uuid.UUID = Field(foreign_key="leren_practice_examples.id", ondelete="CASCADE")
    text: str = Field(sa_column=Column(Text, nullable=False))
    gemeente_name: str = Field(sa_column=Column(String(200), nullable=False))
    written_by: str = Field(sa_column=Column(String(320), nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Adoption(SharedModel, table=True):
    """A coalition adopted an example into its plan van aanpak (once per example). Shared
    and published, so every coalition sees how often an example was adopted and by whom;
    `plan_action_id` is the action in the adopting coalition's plan."""

    __tablename__ = "leren_adoptions"
    __table_args__ = (UniqueConstraint("owner_tenant_id", "example_id"), Index("ix_leren_adoptions_example", "example_id"))

    example_id: uuid.UUID = Field(foreign_key="leren_practice_examples.id", ondelete="CASCADE")
    version_number: int = Field(sa_column=Column(Integer, nullable=False))
    plan_action_id: uuid.UUID | None = Field(default=None)
    gemeente_name: str = Field(sa_column=Column(String(200), nullable=False))
    adopted_by: str = Field(sa_column=Column(String(320), nullable=False))
    adopted_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


MODELS = [Competence, MemberCompetence, Activity, ActivityDate, Registration, PracticeExample, PracticeVersion, ExperienceNote, Adoption]
