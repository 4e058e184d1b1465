"""Handvat 2's referral workflow, walked exhaustively: every (state x step) pair, taken by a
member of the organisation whose step it is (the step's `side`), through the service that
carries out a step and through the API. An allowed pair lands in its target state and
records the step's moment; every other pair is refused with TRANSITION_NOT_ALLOWED and
writes nothing."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import func, select

from core.models import WorkflowHistory
from core.platform import Platform
from core.plugin import DomainError, Principal, Transition, Work
from plugins.handvat2_signaleren.models import Referral
from plugins.handvat2_signaleren.services.referrals import take_step
from plugins.handvat2_signaleren.workflows import REFERRAL_WORKFLOW, SHARING_STATES, Side
from tests.plugins.handvat2_signaleren.conftest import PEOPLE, Coalition, Flow

#: Who takes each side's steps: the midwife refers, the debt counsellor receives.
WHO = {Side.REFERRER: "vroedvrouw", Side.RECEIVER: "schuldhulp"}
#: What every step is given, so that no step fails for want of a reason or an outcome.
GIVEN = {"reason": "Reden van deze stap", "outcome": "GEHOLPEN"}

PAIRS = [(state, transition) for state in REFERRAL_WORKFLOW.states for transition in REFERRAL_WORKFLOW.transitions]


def path_to(state: str) -> list[Transition]:
    """The shortest walk of allowed steps from the initial state to `state`, from the definition."""
    paths: dict[str, list[Transition]] = {REFERRAL_WORKFLOW.initial: []}
    frontier = [REFERRAL_WORKFLOW.initial]
    while frontier:
        current = frontier.pop(0)
        for transition in REFERRAL_WORKFLOW.allowed_from(current):
            if transition.target not in paths:
                paths[transition.target] = [*paths[current], transition]
                frontier.append(transition.target)
    return paths[state]


def test_every_state_and_step_of_the_workflow_is_a_member_of_its_graphql_enum(platform: Platform) -> None:
    """The enums ReferralState and ReferralTransition are generated from the workflow: every
    state and step has exactly one member (its name in capitals), it maps back to the stored
    value, and the served schema has the same members."""
    from graphql import GraphQLEnumType

    from core.plugin import enum_member as member
    from plugins.handvat2_signaleren.graphql.enums import ReferralState, ReferralTransition

    for enum_type, values in ((ReferralState, REFERRAL_WORKFLOW.states), (ReferralTransition, [t.name for t in REFERRAL_WORKFLOW.transitions])):
        assert [item.value for item in enum_type] == [str(value) for value in values]
        assert all(member(enum_type, value).name == str(value).upper() for value in values)
        served = platform.schema._schema.type_map[enum_type.__name__]  # noqa: SLF001 - the built schema
        assert isinstance(served, GraphQLEnumType)
        assert list(served.values) == [str(value).upper() for value in values]
        assert all(served.values[str(value).upper()].description for value in values)
    # The step's description in the workflow is the member's description.
    served = platform.schema._schema.type_map["ReferralTransition"]  # noqa: SLF001
    assert {name: value.description for name, value in served.values.items()} == {t.name.upper(): t.description for t in REFERRAL_WORKFLOW.transitions}


def test_every_state_is_reachable_and_every_step_has_a_side_and_feedback() -> None:
    assert len(PAIRS) == len(REFERRAL_WORKFLOW.states) * len(REFERRAL_WORKFLOW.transitions) == 42
    assert all(path_to(state)[-1].target == state for state in REFERRAL_WORKFLOW.states if state != REFERRAL_WORKFLOW.initial)
    assert all(transition.side in set(Side) and transition.feedback for transition in REFERRAL_WORKFLOW.transitions)
    assert {t.name for t in REFERRAL_WORKFLOW.taken_by(Side.REFERRER)} == {"versturen", "terugtrekken"}
    assert {t.name for t in REFERRAL_WORKFLOW.taken_by(Side.RECEIVER)} == {"accepteren", "afwijzen", "starten", "afronden"}


async def referral_in(flow: Flow, family_id: str, consent_id: str, state: str) -> str:
    """A new referral of the family, walked through the API to `state`."""
    referral = await flow.refer(family_id, consent_id, send=False)
    for transition in path_to(state):
        (await flow.move(referral["id"], transition.name, who=WHO[transition.side], **GIVEN)).ok()
    return referral["id"]


@asynccontextmanager
async def acting_as(platform: Platform, coalition: Coalition, name: str) -> AsyncIterator[Work]:
    """A unit of work as one of the coalition's people (never committed: rolled back at the end)."""
    role, organisation = next((role, organisation) for person, role, organisation in PEOPLE if person == name)
    async with platform.work_as_system(coalition.slug, coalition.email(name)) as work:
        principal = Principal(
            subject=coalition.email(name),
            membership_id=uuid.UUID(coalition.members[name]),
            partner_id=uuid.UUID(coalition.partners[organisation]),
            roles=frozenset({role}),
            permissions=platform.permissions.for_roles({role}),
        )
        yield dataclasses.replace(work, principal=principal)


async def state_and_history(platform: Platform, referral_ids: list[str]) -> dict[str, tuple[str, int]]:
    async with platform.work_as_system("utrecht", "test") as work:
        result = {}
        for referral_id in referral_ids:
            identifier = uuid.UUID(referral_id)
            state = (await work.session.execute(select(Referral.state).where(Referral.id == identifier))).scalar_one()
            steps = (await work.session.execute(select(func.count()).select_from(WorkflowHistory).where(WorkflowHistory.subject_id == identifier))).scalar_one()
            result[referral_id] = (state, steps)
        return result


@pytest.fixture
async def in_state(flow: Flow) -> dict[str, Any]:
    """A family with consent for the debt counsellor, and a referral of it in every state."""
    family = await flow.register()
    consent = await flow.consent(family["id"])
    referrals = {state: await referral_in(flow, family["id"], consent["id"], state) for state in REFERRAL_WORKFLOW.states}
    return {"family": family["id"], "consent": consent["id"], "referrals": referrals}


async def test_every_pair_through_the_service(utrecht: Coalition, platform: Platform, in_state: dict[str, Any]) -> None:
    before = await state_and_history(platform, list(in_state["referrals"].values()))
    assert {state: before[referral_id][0] for state, referral_id in in_state["referrals"].items()} == {s: s for s in REFERRAL_WORKFLOW.states}
    outcomes = {}
    for state, transition in PAIRS:
        async with acting_as(platform, utrecht, WHO[transition.side]) as work:
            referral_id = uuid.UUID(in_state["referrals"][state])
            referral = (await work.session.execute(select(Referral).where(Referral.id == referral_id))).scalar_one()
            try:
                await take_step(work, referral, transition.name, reason=GIVEN["reason"], outcome="geholpen")
            except DomainError as refusal:
                outcomes[state, transition.name] = refusal.code
                continue
            assert referral.state == transition.target, (state, transition.name)
            assert transition.sets is None or getattr(referral, transition.sets) is not None, (state, transition.name)
            outcomes[state, transition.name] = "ok"
    expected = {(state, t.name): "ok" if state in t.source else "TRANSITION_NOT_ALLOWED" for state, t in PAIRS}
    assert outcomes == expected
    assert list(outcomes.values()).count("ok") == 9
    assert await state_and_history(platform, list(in_state["referrals"].values())) == before  # every attempt was rolled back


async def test_every_pair_through_the_api(utrecht: Coalition, flow: Flow, platform: Platform, in_state: dict[str, Any]) -> None:
    referral_ids = list(in_state["referrals"].values())
    before = await state_and_history(platform, referral_ids)
    for state, transition in PAIRS:
        who = WHO[transition.side]
        if state in transition.source:
            # Allowed: a fresh referral in `state` takes the step and lands in the target state.
            referral_id = await referral_in(flow, in_state["family"], in_state["consent"], state)
            seen = (await flow.call(who, "query($id: ID!) { referral(id: $id) { allowedTransitions } }", {"id": referral_id})).ok()
            mine = [t.name.upper() for t in REFERRAL_WORKFLOW.allowed_from(state) if t.side == transition.side]
            assert seen["referral"]["allowedTransitions"] == mine, (state, transition.name)
            moved = (await flow.move(referral_id, transition.name, who=who, **GIVEN)).ok()["moveReferral"]["referral"]
            assert (moved["state"], moved["history"][-1]["transition"]) == (transition.target.upper(), transition.name.upper())
            continue
        response = await flow.move(in_state["referrals"][state], transition.name, who=who, **GIVEN)
        visible = transition.side == Side.REFERRER or state in SHARING_STATES
        # The receiving organisation does not see a referral that does not share the family (not found).
        assert response.codes == (["TRANSITION_NOT_ALLOWED"] if visible else ["NOT_FOUND"]), (state, transition.name, response.body)
        if visible:
            assert f"'{transition.name}'" in response.errors[0]["message"] and response.errors[0]["extensions"]["field"] == "transition"
    assert await state_and_history(platform, referral_ids) == before  # the refused steps wrote nothing
