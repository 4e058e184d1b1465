"""Signals: what a professional noticed, with the A-D classification as a dated snapshot;
and the content they record it with (worries with conversation guides, the factor
checklists), as the gemeente configured it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select

from core.plugin import ValidationFailed, Work, record_processing, refuse_identifying, validate
from plugins.handvat2_signaleren import MODULE_KEY, domain
from plugins.handvat2_signaleren.models import Signal
from plugins.handvat2_signaleren.processing import ACTIVITY
from plugins.handvat2_signaleren.services.errors import ReasonRequired
from plugins.handvat2_signaleren.services.families import FamilyView, per_family
from plugins.handvat2_signaleren.services.visibility import own_organisation, read_for_families, registered_family, rows_of_families
from plugins.handvat2_signaleren.workflows import REFERRAL_WORKFLOW

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


@dataclass(frozen=True)
class SignalView:
    """A signal as the asking organisation sees it: another organisation (one the family was
    referred to) sees what was signalled, not the free texts."""

    #: The signal: an entity, or a row of its columns (a list's).
    row: Any
    own: bool

    @property
    def note(self) -> str | None:
        return self.row.note if self.own else None

    @property
    def classification_reason(self) -> str | None:
        return self.row.classification_reason if self.own else None


# -- content -------------------------------------------------------------------------------------


async def content(work: Work) -> dict[str, Any]:
    """The worries with their conversation guides and the factor checklists, as this
    gemeente configured them (the shipped Dutch defaults where it did not)."""
    config = await work.module_config(MODULE_KEY)
    shipped = domain.shipped_content()
    worries = []
    for worry in shipped["worries"]:
        own = config.guides.get(worry["key"])
        worries.append({**worry, "guide": own.model_dump() if own else worry["guide"]})
    return {
        "worries": worries,
        "risk_factors": [item.model_dump() for item in config.risk_factors] if config.risk_factors else shipped["risk_factors"],
        "protective_factors": [item.model_dump() for item in config.protective_factors]
        if config.protective_factors
        else shipped["protective_factors"],
        "several_risk_factors": config.several_risk_factors,
    }


async def recording_options(work: Work) -> dict[str, Any]:
    """What a professional can record, as the gemeente set it: the content, the
    classification and its rule, the support types, plan domains and referral states."""
    found = await content(work)
    return {
        **found,
        "classifications": dict(domain.CLASSIFICATIONS),
        "classification_rule": domain.CLASSIFICATION_RULE.format(several=found["several_risk_factors"]),
        "support_types": list(domain.SUPPORT_TYPES),
        "plan_domains": list(domain.PLAN_DOMAINS),
        "referral_states": [str(state) for state in REFERRAL_WORKFLOW.states],
        "referral_workflow_mermaid": REFERRAL_WORKFLOW.to_mermaid(),
    }


# -- signals ---------------------------------------------------------------------------------------


class SignalInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    family_id: str
    worries: list[str] = Field(min_length=1, max_length=8)
    risk_factors: list[str] = Field(default_factory=list, max_length=40)
    protective_factors: list[str] = Field(default_factory=list, max_length=40)
    note: Note | None = None
    classification: Literal["A", "B", "C", "D"]
    classification_reason: Note | None = None


def _known(values: Sequence[str], known: Sequence[str], field: str, what: str) -> None:
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValidationFailed(f"Onbekende {what}: {', '.join(unknown)}.", field=field, allowed=list(known))


async def record_signal(work: Work, data: dict[str, Any]) -> tuple[SignalView, list[dict[str, Any]]]:
    """A signal with its classification snapshot; returns it with the conversation guides
    of its worries."""
    fields = validate(SignalInput, data, prefix="input")
    family = await registered_family(work, fields.family_id, field="input.familyId", operation="recordSignal")
    membership_id, partner_id = own_organisation(work)
    found = await content(work)
    _known(fields.worries, [item["key"] for item in found["worries"]], "input.worries", "zorg")
    _known(fields.risk_factors, [item["key"] for item in found["risk_factors"]], "input.riskFactors", "risicofactor")
    _known(fields.protective_factors, [item["key"] for item in found["protective_factors"]], "input.protectiveFactors", "beschermende factor")
    refuse_identifying(fields.note, "input.note")
    suggested = domain.suggest_classification(fields.risk_factors, fields.protective_factors, several=found["several_risk_factors"])
    if fields.classification != suggested and not fields.classification_reason:
        raise ReasonRequired(
            f"De factoren wijzen op {suggested} ({domain.CLASSIFICATIONS[suggested]}). Geef een reden als u {fields.classification} kiest.",
            field="input.classificationReason",
            suggested=suggested,
        )
    refuse_identifying(fields.classification_reason, "input.classificationReason")
    signal = Signal(
        family_id=family.id,
        worries=sorted(set(fields.worries)),
        risk_factors=sorted(set(fields.risk_factors)),
        protective_factors=sorted(set(fields.protective_factors)),
        note=fields.note or None,
        suggested_classification=suggested,
        classification=fields.classification,
        classification_reason=fields.classification_reason or None,
        wijk_id=family.wijk_id,
        partner_id=partner_id,
        recorded_by=membership_id,
    )
    work.session.add(signal)
    await work.session.flush()
    record_processing(work, ACTIVITY, "recordSignal", [family.id], "created")
    guides = [worry for worry in found["worries"] if worry["key"] in signal.worries]
    return SignalView(signal, own=True), guides


async def signals_of(session: Any, family_ids: Sequence[uuid.UUID]) -> list[Signal]:
    """The signals of these families, newest first."""
    rows = await session.execute(select(Signal).where(Signal.family_id.in_(list(family_ids))).order_by(Signal.recorded_at.desc()))
    return list(rows.scalars())


#: The signals of some families as rows, newest first.
_SIGNALS_OF_FAMILIES = rows_of_families(Signal, Signal.recorded_at.desc())


async def signals_as_seen(session: Any, families: Sequence[FamilyView]) -> dict[FamilyView, list[SignalView]]:
    """Batch read: the signals of each family (newest first), as its viewer sees them."""
    rows = await read_for_families(session, _SIGNALS_OF_FAMILIES, families)
    return per_family(families, rows, lambda family, row: SignalView(row, own=row.partner_id == family.viewer.partner_id))
