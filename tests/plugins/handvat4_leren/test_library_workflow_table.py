"""The life cycle of a practice example, walked exhaustively: every (state x step) pair of
PRACTICE_EXAMPLE_WORKFLOW, through the services and through the API. An allowed pair lands
in its target state (with the step's moment and its history row); every other pair is
refused with TRANSITION_NOT_ALLOWED and writes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from core.models import WorkflowHistory
from core.plugin import DomainError, Transition
from plugins.handvat4_leren.models import PracticeExample, PracticeVersion
from plugins.handvat4_leren.services import library
from plugins.handvat4_leren.workflows import PRACTICE_EXAMPLE_WORKFLOW as WORKFLOW
from core.testing import World
from tests.plugins.handvat4_leren.test_library import MUTATIONS, REASONS, WHO, assert_error, call, create, make_coalition, ok, step

PAIRS = [(state, transition) for state in WORKFLOW.states for transition in WORKFLOW.transitions]

#: The service function of each step (the API's mutation calls the same).
SERVICES = {
    "indienen": lambda work, example_id: library.submit(work, example_id),
    "terugsturen": lambda work, example_id: library.send_back(work, example_id, REASONS["terugsturen"]),
    "publiceren": lambda work, example_id: library.publish(work, example_id),
    "bijwerken": lambda work, example_id: library.start_update(work, example_id),
    "intrekken": lambda work, example_id: library.withdraw(work, example_id, REASONS["intrekken"]),
    "heropenen": lambda work, example_id: library.reopen(work, example_id),
}


@pytest.fixture
async def utrecht(platform: Any) -> World:
    return await make_coalition(platform, "GM0344", modules=["handvat4_leren"])


def path_to(state: str) -> list[Transition]:
    """The shortest walk of allowed steps from the initial state to `state`, from the definition."""
    paths: dict[str, list[Transition]] = {WORKFLOW.initial: []}
    frontier = [WORKFLOW.initial]
    while frontier:
        current = frontier.pop(0)
        for transition in WORKFLOW.allowed_from(current):
            if transition.target not in paths:
                paths[transition.target] = [*paths[current], transition]
                frontier.append(transition.target)
    return paths[state]


async def example_in(api: Any, world: Any, state: str) -> str:
    """A new example of `world`, walked through the API to `state`."""
    identifier = (await create(api, world))["id"]
    for transition in path_to(state):
        await step(api, world, transition.name, identifier)
    return identifier


async def written(platform: Any, world: Any, ids: list[str]) -> dict[str, tuple[str, int, int]]:
    """Per example: its state, its versions and its history rows."""
    async with platform.work_as_system(world.slug, "test") as work:
        found = {}
        for identifier in ids:
            key = uuid.UUID(identifier)
            state = (await work.session.execute(select(PracticeExample.state).where(PracticeExample.id == key))).scalar_one()
            versions = (await work.session.execute(select(func.count()).where(PracticeVersion.example_id == key))).scalar_one()
            steps = (await work.session.execute(select(func.count()).select_from(WorkflowHistory).where(WorkflowHistory.subject_id == key))).scalar_one()
            found[identifier] = (state, versions, steps)
        return found


def test_the_workflow_and_its_enums(platform: Any) -> None:
    """Every state is reachable, every step has a mutation of its own, and the GraphQL enums
    are generated from the workflow (with the step's description as the member's)."""
    from graphql import GraphQLEnumType

    assert len(PAIRS) == 4 * 6 and set(MUTATIONS) - {"create", "update"} == {t.name for t in WORKFLOW.transitions}
    assert all(path_to(state)[-1].target == state for state in WORKFLOW.states if state != WORKFLOW.initial)
    schema = platform.schema._schema  # noqa: SLF001 - the built schema
    states, steps = schema.type_map["PracticeExampleState"], schema.type_map["PracticeExampleTransition"]
    assert isinstance(states, GraphQLEnumType) and list(states.values) == [str(state).upper() for state in WORKFLOW.states]
    assert {name: value.description for name, value in steps.values.items()} == {t.name.upper(): t.description for t in WORKFLOW.transitions}


async def test_every_pair_through_the_service(api, platform, utrecht) -> None:
    in_state = {state: await example_in(api, utrecht, state) for state in WORKFLOW.states}
    before = await written(platform, utrecht, list(in_state.values()))
    assert {state: before[identifier][0] for state, identifier in in_state.items()} == {state: state for state in WORKFLOW.states}
    outcomes = {}
    for state, transition in PAIRS:
        # A reviewer who wrote and submitted nothing; never committed: every attempt is rolled back.
        async with platform.work_as_system(utrecht.slug, "beoordelaar@utrecht.example") as work:
            try:
                view = await SERVICES[transition.name](work, in_state[state])
            except DomainError as refusal:
                outcomes[state, transition.name] = refusal.code
                continue
            assert view.state == transition.target, (state, transition.name)
            assert transition.sets is None or getattr(view.example, transition.sets) is not None, (state, transition.name)
            outcomes[state, transition.name] = "ok"
    assert outcomes == {(state, t.name): "ok" if state in t.source else "TRANSITION_NOT_ALLOWED" for state, t in PAIRS}
    assert list(outcomes.values()).count("ok") == 8
    assert await written(platform, utrecht, list(in_state.values())) == before


async def test_every_pair_through_the_api(api, platform, utrecht) -> None:
    in_state = {state: await example_in(api, utrecht, state) for state in WORKFLOW.states}
    before = await written(platform, utrecht, list(in_state.values()))
    for state, transition in PAIRS:
        who = WHO[transition.name]
        if state in transition.source:
            # Allowed: a fresh example in `state` offers the step and lands in its target state.
            identifier = await example_in(api, utrecht, state)
            offered = ok(await api.gql(utrecht.slug, "query($id: ID!) { practiceExample(id: $id) { allowedTransitions } }", {"id": identifier},
                                       user=utrecht.email(who)))  # fmt: skip
            assert transition.name.upper() in offered["practiceExample"]["allowedTransitions"], (state, transition.name)
            moved = await step(api, utrecht, transition.name, identifier)
            assert (moved["state"], moved["history"][-1]["transition"]) == (transition.target.upper(), transition.name.upper())
            continue
        refused = assert_error(await call(api, utrecht, transition.name, who, id=in_state[state]), "TRANSITION_NOT_ALLOWED", field="input.id")
        assert f"'{transition.name}'" in refused["message"], (state, transition.name)
    assert await written(platform, utrecht, list(in_state.values())) == before  # the refused steps wrote nothing
