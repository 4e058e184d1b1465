"""The tables of handvat 1.

National reference data (`NationalReferenceModel`: every gemeente reads, only the
operator's import in the system context writes): CBS's figures per gemeente and wijk, the
fields of each imported table as CBS describes them, and a record of every import.

Tenant data (`TenantScopedModel`): a coalition's own indicators per wijk (uploaded as CSV)
and their values; its startfoto and vervolgfoto's (a snapshot of the figures, partners and
offer on a date, with the coalition's own narrative; immutable once fixed); its plan van
aanpak (goals on an indicator with a baseline and target, actions of a partner
organisation with progress notes); and the voice of parents (sessions with the spiegelgroep
or experts by experience, and quotes kept without anything that leads to a family)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Boolean, Column, Date, Float, Index, Integer, String, Text, UniqueConstraint, text
from sqlmodel import Field

from core.plugin import JSONType, NationalReferenceModel, TenantScopedModel, UTCDateTime, tenant_foreign_key, utcnow


class CbsFigure(NationalReferenceModel, table=True):
    """One cell of a KWB table: an indicator of a gemeente or wijk in a period. `value` is
    None when CBS suppressed the cell (`status` suppressed) or left it empty (unknown)."""

    __tablename__ = "zicht_cbs_figures"
    __table_args__ = (
        UniqueConstraint("table_id", "region_code", "indicator", "period"),
        Index("ix_zicht_cbs_figures_gemeente", "gemeente_code", "indicator", "period"),
    )

    table_id: str = Field(sa_column=Column(String(12), nullable=False))
    period: int = Field(sa_column=Column(Integer, nullable=False))
    region_code: str = Field(sa_column=Column(String(10), nullable=False))
    region_type: str = Field(sa_column=Column(String(10), nullable=False))
    gemeente_code: str = Field(sa_column=Column(String(6), nullable=False))
    indicator: str = Field(sa_column=Column(String(60), nullable=False))
    value: float | None = Field(default=None, sa_column=Column(Float))
    status: str = Field(sa_column=Column(String(12), nullable=False))
    series: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    import_id: uuid.UUID = Field(nullable=False)


class CbsField(NationalReferenceModel, table=True):
    """A field of an imported table as its DataProperties describe it: the CBS key with
    its suffix, title, unit and definition."""

    __tablename__ = "zicht_cbs_fields"
    __table_args__ = (UniqueConstraint("table_id", "indicator"),)

    table_id: str = Field(sa_column=Column(String(12), nullable=False))
    period: int = Field(sa_column=Column(Integer, nullable=False))
    indicator: str = Field(sa_column=Column(String(60), nullable=False))
    cbs_key: str = Field(sa_column=Column(String(120), nullable=False))
    title: str = Field(sa_column=Column(String(300), nullable=False))
    unit: str = Field(sa_column=Column(String(60), nullable=False))
    description: str = Field(default="", sa_column=Column(Text, nullable=False))


class CbsImport(NationalReferenceModel, table=True):
    """An import of a KWB file: which table, by whom, and what was skipped."""

    __tablename__ = "zicht_cbs_imports"

    table_id: str = Field(sa_column=Column(String(12), nullable=False))
    period: int = Field(sa_column=Column(Integer, nullable=False))
    format: str = Field(sa_column=Column(String(8), nullable=False))
    source_name: str = Field(sa_column=Column(String(300), nullable=False))
    figures: int = Field(sa_column=Column(Integer, nullable=False))
    report: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType, nullable=False)
    imported_by: str = Field(sa_column=Column(String(320), nullable=False))
    imported_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class OwnIndicator(TenantScopedModel, table=True):
    """An indicator the coalition keeps itself (JGZ reach, a vulnerability index)."""

    __tablename__ = "zicht_own_indicators"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    code: str = Field(sa_column=Column(String(60), nullable=False))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    definition: str = Field(sa_column=Column(Text, nullable=False))
    source: str = Field(sa_column=Column(String(300), nullable=False))
    unit: str = Field(sa_column=Column(String(60), nullable=False))
    updated_by: str = Field(sa_column=Column(String(320), nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class OwnFigure(TenantScopedModel, table=True):
    """A value of an own indicator for a wijk (or the gemeente) in a period."""

    __tablename__ = "zicht_own_values"
    __table_args__ = (
        UniqueConstraint("tenant_id", "indicator_id", "region_code", "period"),
        tenant_foreign_key("indicator_id", "zicht_own_indicators", ondelete="CASCADE"),
    )

    indicator_id: uuid.UUID = Field(nullable=False)
    region_code: str = Field(sa_column=Column(String(10), nullable=False))
    period: int = Field(sa_column=Column(Integer, nullable=False))
    value: float | None = Field(default=None, sa_column=Column(Float))
    status: str = Field(sa_column=Column(String(12), nullable=False))



# -- the startfoto and vervolgfoto's ------------------------------------------------------------


class Startfoto(TenantScopedModel, table=True):
    """A dated baseline of the coalition (`kind` startfoto) or a later picture compared with
    it (`kind` vervolgfoto, `baseline_id` the startfoto). Taken as a concept: the figures,
    partners and offer are copied in when it is made; the narrative can be edited until it
    is fixed (`state` vastgesteld), after which nothing of it changes."""

    __tablename__ = "zicht_startfotos"
    __table_args__ = (tenant_foreign_key("baseline_id", "zicht_startfotos"),)

    kind: str = Field(sa_column=Column(String(12), nullable=False))  # startfoto, vervolgfoto
    title: str = Field(sa_column=Column(String(200), nullable=False))
    reference_date: dt.date = Field(sa_column=Column(Date, nullable=False))  # peildatum
    baseline_id: uuid.UUID | None = Field(default=None)
    state: str = Field(default="concept", sa_column=Column(String(12), nullable=False))  # concept, vastgesteld
    went_well: str = Field(default="", sa_column=Column(Text, nullable=False))  # wat gaat goed
    gaps: str = Field(default="", sa_column=Column(Text, nullable=False))  # lacunes
    ambitions: str = Field(default="", sa_column=Column(Text, nullable=False))  # ambities
    voices: str = Field(default="", sa_column=Column(Text, nullable=False))  # wat ouders en ervaringsdeskundigen zeiden
    partners: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType, nullable=False)  # name, type on that date
    offer: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType, nullable=False)  # coalition_offer on that date
    created_by: str = Field(sa_column=Column(String(320), nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    fixed_by: str | None = Field(default=None, sa_column=Column(String(320)))
    fixed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class SnapshotFigure(TenantScopedModel, table=True):
    """A figure as a startfoto holds it: a copy, with its source and period, that later
    imports do not change. `source` cbs, own or platform (the coalition's own work, counted
    per wijk and already suppressed: `value` None and `status` suppressed for a small cell)."""

    __tablename__ = "zicht_snapshot_figures"
    __table_args__ = (
        UniqueConstraint("tenant_id", "startfoto_id", "region_code", "indicator", "period"),
        tenant_foreign_key("startfoto_id", "zicht_startfotos", ondelete="CASCADE"),
    )

    startfoto_id: uuid.UUID = Field(nullable=False)
    region_code: str = Field(sa_column=Column(String(10), nullable=False))
    region_type: str = Field(sa_column=Column(String(10), nullable=False))
    region_name: str | None = Field(default=None, sa_column=Column(String(200)))
    indicator: str = Field(sa_column=Column(String(120), nullable=False))
    indicator_name: str = Field(sa_column=Column(String(300), nullable=False))
    unit: str = Field(sa_column=Column(String(60), nullable=False))
    definition: str = Field(default="", sa_column=Column(Text, nullable=False))
    source: str = Field(sa_column=Column(String(8), nullable=False))  # cbs, own, platform
    source_description: str = Field(default="", sa_column=Column(String(300), nullable=False))
    period: int = Field(sa_column=Column(Integer, nullable=False))
    value: float | None = Field(default=None, sa_column=Column(Float))
    status: str = Field(sa_column=Column(String(12), nullable=False))
    series: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    table_id: str | None = Field(default=None, sa_column=Column(String(12)))
    cbs_key: str | None = Field(default=None, sa_column=Column(String(120)))


# -- the plan van aanpak ---------------------------------------------------------------------


class Goal(TenantScopedModel, table=True):
    """A goal of the plan: an indicator in a wijk (or the gemeente) from its baseline (the
    value in a startfoto) to a target value by a date."""

    __tablename__ = "zicht_goals"
    __table_args__ = (tenant_foreign_key("baseline_startfoto_id", "zicht_startfotos"),)

    title: str = Field(sa_column=Column(String(200), nullable=False))
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    indicator: str = Field(sa_column=Column(String(120), nullable=False))
    region_code: str = Field(sa_column=Column(String(10), nullable=False))
    baseline_startfoto_id: uuid.UUID = Field(nullable=False)
    baseline_value: float = Field(sa_column=Column(Float, nullable=False))
    baseline_period: int = Field(sa_column=Column(Integer, nullable=False))
    target_value: float = Field(sa_column=Column(Float, nullable=False))
    target_date: dt.date = Field(sa_column=Column(Date, nullable=False))
    created_by: str = Field(sa_column=Column(String(320), nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Action(TenantScopedModel, table=True):
    """An action of the plan, owned by a partner organisation (and optionally a member
    there, whose calendar shows its deadline), towards a goal or on its own. `reference`
    names the thing of another module that proposed it (`add_plan_action`)."""

    __tablename__ = "zicht_actions"
    __table_args__ = (
        tenant_foreign_key("goal_id", "zicht_goals"),
        tenant_foreign_key("partner_id", "partners"),
        tenant_foreign_key("owner_membership_id", "memberships"),
        Index("ix_zicht_actions_deadline", "tenant_id", "status", "deadline"),
        # One open action per proposing module's thing: a proposal sent twice at once adds one.
        Index(
            "uq_zicht_actions_open_reference",
            "tenant_id",
            "reference",
            unique=True,
            postgresql_where=text("reference IS NOT NULL AND status <> 'gestopt'"),
            sqlite_where=text("reference IS NOT NULL AND status <> 'gestopt'"),
        ),
    )

    goal_id: uuid.UUID | None = Field(default=None)
    title: str = Field(sa_column=Column(String(200), nullable=False))
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    partner_id: uuid.UUID = Field(nullable=False)
    owner_membership_id: uuid.UUID | None = Field(default=None)
    deadline: dt.date = Field(sa_column=Column(Date, nullable=False))
    status: str = Field(default="gepland", sa_column=Column(String(12), nullable=False))  # gepland, bezig, gereed, gestopt
    reference: str | None = Field(default=None, sa_column=Column(String(200)))
    proposed_by_module: str | None = Field(default=None, sa_column=Column(String(63)))
    created_by: str = Field(sa_column=Column(String(320), nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ActionNote(TenantScopedModel, table=True):
    """A progress note on an action (with the status it moved to, if it did)."""

    __tablename__ = "zicht_action_notes"
    __table_args__ = (
        tenant_foreign_key("action_id", "zicht_actions", ondelete="CASCADE"),
        Index("ix_zicht_action_notes_action", "tenant_id", "action_id"),
    )

    action_id: uuid.UUID = Field(nullable=False)
    note: str = Field(sa_column=Column(Text, nullable=False))
    status: str | None = Field(default=None, sa_column=Column(String(12)))
    written_by: str = Field(sa_column=Column(String(320), nullable=False))
    written_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


# -- the voice of parents ----------------------------------------------------------------------


class VoiceSession(TenantScopedModel, table=True):
    """A session with the spiegelgroep, experts by experience or parents: when, with whom
    (a kind of group, never names), its themes and a summary."""

    __tablename__ = "zicht_voice_sessions"

    held_on: dt.date = Field(sa_column=Column(Date, nullable=False))
    group_kind: str = Field(sa_column=Column(String(24), nullable=False))  # spiegelgroep, ervaringsdeskundigen, ouders
    title: str = Field(sa_column=Column(String(200), nullable=False))
    themes: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    summary: str = Field(default="", sa_column=Column(Text, nullable=False))
    recorded_by: str = Field(sa_column=Column(String(320), nullable=False))
    recorded_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Quote(TenantScopedModel, table=True):
    """What a parent or expert by experience said, kept anonymously with the speaker's
    consent: no speaker, no family, no recorder, and free text checked for identifying data."""

    __tablename__ = "zicht_quotes"
    __table_args__ = (tenant_foreign_key("session_id", "zicht_voice_sessions", ondelete="CASCADE"),)

    session_id: uuid.UUID = Field(nullable=False)
    text: str = Field(sa_column=Column(Text, nullable=False))
    themes: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    consent_given: bool = Field(sa_column=Column(Boolean, nullable=False))


class QuoteGoal(TenantScopedModel, table=True):
    """A quote linked to a goal of the plan it supports or questions."""

    __tablename__ = "zicht_quote_goals"
    __table_args__ = (
        UniqueConstraint("tenant_id", "quote_id", "goal_id"),
        tenant_foreign_key("quote_id", "zicht_quotes", ondelete="CASCADE"),
        tenant_foreign_key("goal_id", "zicht_goals", ondelete="CASCADE"),
    )

    quote_id: uuid.UUID = Field(nullable=False)
    goal_id: uuid.UUID = Field(nullable=False)


MODELS = [CbsFigure, CbsField, CbsImport, OwnIndicator, OwnFigure, Startfoto, SnapshotFigure, Goal, Action, ActionNote, VoiceSession, Quote, QuoteGoal]
