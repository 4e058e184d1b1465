"""The family list reads the nested lists its query asks for (signals, consents, referrals,
support plan) for the whole page at once: the statements stay constant in the page size,
and every family answers exactly what it answers on its own (`family`) and in a payload
(where each nested list reads itself). The list reads rows, not entities."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from core.models import Membership, Partner, Wijk, WorkflowHistory
from core.platform import Platform
from core.testing import count_statements
from tests.conftest import Api
from plugins.handvat2_signaleren.models import Consent, Family, PlanItem, Referral, Signal
from tests.plugins.handvat2_signaleren.conftest import Coalition, Flow

NESTED = """id localReference phase wijk registeringOrganisation status
  signals { id recordedAt organisation worries riskFactors note classification classificationReason }
  consents { id purpose organisations method givenOn validUntil revokedAt valid }
  referrals { id fromOrganisation toOrganisation toContact support state history { transition fromState toState } allowedTransitions }
  supportPlan { id domain description status regelingId }"""
LIST = f"query($first: Int) {{ families(first: $first) {{ totalCount edges {{ node {{ {NESTED} }} }} }} }}"
ADD_PLAN = "mutation($i: AddPlanItemInput!) { addPlanItem(input: $i) { planItem { id } } }"


async def families_with_everything(flow: Flow, count: int) -> list[dict]:
    """`count` families, each with a signal, consent, a referral and a plan item."""
    made = []
    for index in range(count):
        family = await flow.register(f"VK-LIST-{index:02d}")
        await flow.signal(family["id"])
        consent = await flow.consent(family["id"])
        await flow.refer(family["id"], consent["id"], toContactId=flow.coalition.members["schuldhulp"])
        data = {"familyId": family["id"], "domain": "FINANCIEEL", "description": f"Plan {index}"}
        (await flow.call("vroedvrouw", ADD_PLAN, {"i": data})).ok()
        made.append(family)
    return made


async def listed(api: Api, platform: Platform, utrecht: Coalition, first: int, who: str = "vroedvrouw") -> tuple[list[dict], int]:
    email = utrecht.email(who)
    await api.token("utrecht", email)
    await platform.identity.keys.refresh(force=True)
    with count_statements(platform) as statements:
        data = (await api.gql("utrecht", LIST, {"first": first}, user=email)).ok()
    return [edge["node"] for edge in data["families"]["edges"]], len(statements)


async def test_nested_lists_take_constant_statements(api: Api, platform: Platform, utrecht: Coalition, flow: Flow) -> None:
    await families_with_everything(flow, 6)
    small, few = await listed(api, platform, utrecht, 2)
    large, many = await listed(api, platform, utrecht, 6)
    assert len(small) == 2 and len(large) == 6 and large[:2] == small
    assert all(node["signals"] and node["consents"] and node["referrals"] and node["supportPlan"] for node in large)
    assert few == many
    # The organisation the families were referred to sees them too, as it may.
    theirs, _ = await listed(api, platform, utrecht, 6, who="schuldhulp")
    assert len(theirs) == 6 and all(node["localReference"] is None and node["signals"][0]["note"] is None for node in theirs)


async def test_a_listed_family_answers_as_it_does_on_its_own(api: Api, platform: Platform, utrecht: Coalition, flow: Flow) -> None:
    families = await families_with_everything(flow, 3)
    for who in ("vroedvrouw", "schuldhulp"):
        nodes, _ = await listed(api, platform, utrecht, 10, who=who)
        for node in nodes:
            one = (await flow.call(who, f"query($id: ID!) {{ family(id: $id) {{ {NESTED} }} }}", {"id": node["id"]})).ok()["family"]
            assert one == node
    # A payload's family reads each nested list itself: the same again.
    update = f"mutation($i: UpdateFamilyInput!) {{ updateFamily(input: $i) {{ family {{ {NESTED} }} }} }}"
    family = families[0]
    changed = (await flow.call("vroedvrouw", update, {"i": {"id": family["id"], "phase": "ZWANGER", "expectedMonth": family["expectedMonth"]}})).ok()
    nodes, _ = await listed(api, platform, utrecht, 10)
    assert changed["updateFamily"]["family"] == next(node for node in nodes if node["id"] == family["id"])


async def test_a_selection_that_cannot_be_read_still_answers(api: Api, platform: Platform, utrecht: Coalition, flow: Flow) -> None:
    await families_with_everything(flow, 2)
    nodes, _ = await listed(api, platform, utrecht, 10)
    untyped = f"{{ families {{ edges {{ node {{ id ... @include(if: true) {{ {NESTED} }} }} }} }} }}"
    answered = (await flow.call("vroedvrouw", untyped)).ok()["families"]["edges"]
    assert [edge["node"] for edge in answered] == nodes


@contextmanager
def entities_loaded(*models: Any) -> Iterator[Counter[str]]:
    """How many entities of each of `models` the ORM makes from rows meanwhile."""
    loaded: Counter[str] = Counter()
    listeners = [(model, lambda target, _context, name=model.__name__: loaded.update([name])) for model in models]
    for model, listener in listeners:
        event.listen(model, "load", listener)
    try:
        yield loaded
    finally:
        for model, listener in listeners:
            event.remove(model, "load", listener)


async def test_the_list_reads_rows_not_entities(api: Api, platform: Platform, utrecht: Coalition, flow: Flow) -> None:
    # A read-only page is several times cheaper as rows: the family, its nested lists, the
    # referrals' steps and the names of organisations, contacts and wijken.
    await families_with_everything(flow, 3)
    models = (Family, Signal, Consent, Referral, PlanItem, WorkflowHistory, Partner, Membership, Wijk)
    with entities_loaded(*models) as loaded:
        nodes, _ = await listed(api, platform, utrecht, 10)
    assert len(nodes) == 3 and all(node["referrals"][0]["history"] and node["referrals"][0]["toContact"] for node in nodes)
    assert loaded == Counter()
    # The listener sees entities where they are made: one family on its own still is one.
    with entities_loaded(*models) as loaded:
        (await flow.call("vroedvrouw", "query($id: ID!) { family(id: $id) { id } }", {"id": nodes[0]["id"]})).ok()
    assert loaded["Family"] == 1
