"""Handvat 2: a minimal family record, signals with the A-D snapshot, consent, the warm
referral's workflow and the feedback to the referring professional."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from core.models import OutboxEvent, WorkflowHistory
from core.platform import Platform
from core.plugin import identifying_data
from plugins.handvat2_signaleren.domain import add_working_days, suggest_classification
from plugins.handvat2_signaleren.models import Consent, Family, Notification, Referral, Signal
from plugins.handvat2_signaleren.workflows import REFERRAL_WORKFLOW
from tests.conftest import Api, World
from tests.plugins.handvat2_signaleren.conftest import (
    CONSENT,
    FAMILY,
    REFER,
    REGISTER,
    SIGNAL,
    Coalition,
    Flow,
    next_month,
)
from tests.support import tiny_notes


async def count(platform: Platform, model: Any, slug: str = "utrecht") -> int:
    async with platform.work_as_system(slug, "test") as work:
        return (await work.session.execute(select(func.count()).select_from(model))).scalar_one()


# -- rules without a database ----------------------------------------------------------------------


def test_classification_rule() -> None:
    assert suggest_classification([], ["steunend_netwerk"], several=3) == "A"
    assert suggest_classification(["a"], ["x"], several=3) == "B"
    assert suggest_classification(["a", "b"], ["x"], several=3) == "C"
    assert suggest_classification(["a", "b", "c"], ["x"], several=3) == "D"
    assert suggest_classification(["a", "b", "c"], ["x", "y", "z"], several=3) == "B"
    assert suggest_classification(["a", "a", "b"], [], several=3) == "C"  # a factor counts once


def test_identifying_data_is_recognised() -> None:
    for text, found in [
        ("BSN 123456782", "BSN"),
        ("ref 12345672", "BSN"),  # 012345672 without its leading zero
        ("rekening NL91ABNA0417164300", "rekeningnummer"),
        ("mail: ouder@example.org", "e-mailadres"),
        ("bel 06-12345678", "telefoonnummer"),
        ("woont in 3511 AB", "postcode"),
        ("geboren 12-03-1995", "datum"),
    ]:
        assert found in (identifying_data(text) or ""), text
    for harmless in ("VK-2026-001", "JGZ 17", "123456789", "20260001", "zwanger van de tweede"):
        assert identifying_data(harmless) is None, harmless


def test_working_days_skip_weekends_and_dutch_holidays() -> None:
    assert add_working_days(dt.date(2026, 11, 20), 1) == dt.date(2026, 11, 23)  # Friday -> Monday
    assert add_working_days(dt.date(2026, 12, 24), 1) == dt.date(2026, 12, 28)  # Christmas and a weekend
    assert add_working_days(dt.date(2027, 4, 23), 5) == dt.date(2027, 5, 3)  # Koningsdag (27 April) does not count
    assert add_working_days(dt.date(2026, 12, 30), 3) == dt.date(2027, 1, 5)  # Nieuwjaarsdag, the next year's
    # However long the span: every year it crosses has its holidays (2027 and 2028 here).
    assert add_working_days(dt.date(2026, 12, 30), 400) == dt.date(2028, 7, 27)


def test_workflow_is_the_documented_one() -> None:
    assert REFERRAL_WORKFLOW.initial == "concept"
    steps = {(t.name, source, t.target) for t in REFERRAL_WORKFLOW.transitions for source in t.source}
    assert ("versturen", "concept", "verstuurd") in steps and ("afwijzen", "verstuurd", "afgewezen") in steps
    assert ("starten", "geaccepteerd", "in_behandeling") in steps and ("afronden", "in_behandeling", "afgerond") in steps
    assert {t.name for t in REFERRAL_WORKFLOW.transitions if t.requires_reason} == {"afwijzen", "terugtrekken"}
    assert "concept --> verstuurd: versturen" in REFERRAL_WORKFLOW.to_mermaid()


def test_module_documentation_shows_the_generated_workflow_diagram() -> None:
    document = (Path(__file__).resolve().parents[3] / "docs" / "modules" / "handvat2_signaleren.md").read_text(encoding="utf-8")
    assert f"```mermaid\n{REFERRAL_WORKFLOW.to_mermaid()}\n```" in document, "paste REFERRAL_WORKFLOW.to_mermaid() into the document"


# -- the family record -------------------------------------------------------------------------------


async def test_family_is_pseudonymous_and_identifying_data_is_refused(api: Api, utrecht: Coalition, flow: Flow, platform: Platform) -> None:
    family = await flow.register(initials="a.j")
    assert family["localReference"] == "VK-2026-001" and family["initials"] == "A.J"
    assert family["phase"] == "ZWANGER" and family["expectedMonth"] == next_month() and family["birthMonth"] is None
    assert family["registeringOrganisation"] == "Verloskundigenpraktijk De Wieg" and family["registeredByMyOrganisation"]

    refused = [
        ({"localReference": "123456782", "phase": "PRECONCEPTIE"}, "IDENTIFYING_DATA", "input.localReference"),
        ({"localReference": "fam 06-12345678", "phase": "PRECONCEPTIE"}, "IDENTIFYING_DATA", "input.localReference"),
        ({"localReference": "X1", "phase": "PRECONCEPTIE", "initials": "Jansen"}, "VALIDATION_FAILED", "input.initials"),
        ({"localReference": "X2", "phase": "ZWANGER"}, "VALIDATION_FAILED", "input.expectedMonth"),
        ({"localReference": "X3", "phase": "KIND_0_2", "birthMonth": next_month()}, "VALIDATION_FAILED", "input.birthMonth"),
        ({"localReference": "X6", "phase": "ZWANGER", "expectedMonth": next_month(), "birthMonth": "2026-01"}, "VALIDATION_FAILED", "input.birthMonth"),
        ({"localReference": "X4", "phase": "PRECONCEPTIE", "wijkCode": "WK999999"}, "VALIDATION_FAILED", "input.wijkCode"),
        ({"localReference": "VK-2026-001", "phase": "PRECONCEPTIE"}, "CONFLICT", "input.localReference"),
    ]
    for data, code, field in refused:
        response = await flow.call("vroedvrouw", REGISTER, {"i": data})
        assert response.codes == [code], (data, response.body)
        assert response.errors[0]["extensions"]["field"].startswith(field), response.body
    # A field that would identify more does not exist at all.
    response = await flow.call("vroedvrouw", REGISTER, {"i": {"localReference": "X5", "phase": "PRECONCEPTIE", "bsn": "123456782"}})
    assert (response.status, response.codes) == (400, ["GRAPHQL_VALIDATION_FAILED"]) and "bsn" in response.errors[0]["message"]
    assert await count(platform, Family) == 1


ORGANISATION_READS = {
    "families": "{ families { totalCount nodes { id } } }",
    "family": "query($id: ID!) { family(id: $id) { id } }",
    "referrals": "{ referrals { totalCount nodes { id } } }",
    "referral": "query($id: ID!) { referral(id: $id) { id } }",
    "referralFeedback": "{ referralFeedback { totalCount nodes { id } } }",
}


def assert_needs_organisation(response: Any, field: str) -> None:
    """ORGANISATION_REQUIRED at the field, which answers null (never an empty list)."""
    assert response.codes == ["ORGANISATION_REQUIRED"], (field, response.body)
    assert response.errors[0]["path"] == [field] and "partnerorganisatie" in response.errors[0]["message"], response.body
    assert (response.data or {}).get(field) is None, response.body


async def test_a_professional_without_an_organisation_reads_and_writes_nothing(api: Api, utrecht: Coalition, flow: Flow) -> None:
    family, _consent, referral = await flow.referred_family()
    loner = World.email("professional", "utrecht")  # a professional of Utrecht who works for no partner organisation
    response = await flow.call(loner, REGISTER, {"i": {"localReference": "X", "phase": "PRECONCEPTIE"}})
    assert response.codes == ["ORGANISATION_REQUIRED"]
    ids = {"family": family["id"], "referral": referral["id"]}
    for field, query in ORGANISATION_READS.items():
        if field == "referralFeedback":  # one's own feedback is per person: none for them, but theirs to read
            assert (await flow.call(loner, query)).ok()[field] == {"totalCount": 0, "nodes": []}
            continue
        assert_needs_organisation(await flow.call(loner, query, {"id": ids[field]} if field in ids else None), field)
    # The same person may read what does not depend on an organisation, in the same query.
    mixed = await flow.call(loner, "{ signaleringOptions { classificationRule } families { totalCount } }")
    assert mixed.codes == ["ORGANISATION_REQUIRED"] and mixed.errors[0]["path"] == ["families"]


async def test_an_api_client_granted_family_read_is_told_it_needs_an_organisation(
    api: Api, utrecht: Coalition, flow: Flow, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Client credentials carry no organisation. The module declares its family scopes not
    for clients, so granting one is refused (INVALID_SCOPE); a client that holds one anyway
    (granted before that refusal existed) gets ORGANISATION_REQUIRED when reading families,
    not an empty list that looks like "no families"."""
    from core.identity import clients as client_service

    family, _consent, referral = await flow.referred_family()
    scopes = ["handvat2_signaleren.family.read", "handvat2_signaleren.feedback.read", "handvat2_signaleren.guide.read"]
    grant = "mutation($c: String!, $s: [String!]!) { grantApiClient(input: {clientId: $c, scopes: $s}) { grant { clientId } } }"
    admin = World.email("coalition_admin", "utrecht")
    async with platform.session(None) as session:
        refused = await client_service.create_client(session, platform.permissions, name="Ander", allowed_scopes=["handvat2_signaleren.guide.read"])
        await session.commit()
    response = await api.gql("utrecht", grant, {"c": refused.client.client_id, "s": scopes[:1]}, user=admin)
    assert response.codes == ["INVALID_SCOPE"] and "handvat2_signaleren.family.read" in response.errors[0]["message"]
    # A grant from before that refusal.
    monkeypatch.setattr(client_service, "_check_scopes", lambda scopes, registry, *, field: sorted(set(scopes)))
    async with platform.session(None) as session:
        created = await client_service.create_client(session, platform.permissions, name="Datawarehouse", allowed_scopes=scopes)
        await session.commit()
    client_id, secret = created.client.client_id, created.secret
    (await api.gql("utrecht", grant, {"c": client_id, "s": scopes}, user=admin)).ok()
    monkeypatch.undo()
    issued = await api.client.post("/oauth/token", data={"grant_type": "client_credentials", "tenant": "utrecht"}, auth=(client_id, secret))
    assert issued.status_code == 200, issued.text
    bearer = {"Authorization": f"Bearer {issued.json()['access_token']}"}
    ids = {"family": family["id"], "referral": referral["id"]}
    for field, query in ORGANISATION_READS.items():
        response = await api.gql("utrecht", query, {"id": ids[field]} if field in ids else None, headers=bearer)
        assert_needs_organisation(response, field)
        assert family["id"] not in str(response.body) and "VK-2026" not in str(response.body)
    read = "mutation($id: ID!) { markReferralFeedbackRead(input: {id: $id}) { feedback { id } } }"
    marked = await api.gql("utrecht", read, {"id": "00000000-0000-0000-0000-000000000001"}, headers=bearer)
    assert marked.codes == ["ORGANISATION_REQUIRED"]
    # What needs no organisation it reads as granted.
    assert (await api.gql("utrecht", "{ signaleringOptions { classificationRule } }", headers=bearer)).ok()["signaleringOptions"]["classificationRule"]


# -- signals ------------------------------------------------------------------------------------------


async def test_signal_suggests_the_classification_and_a_different_one_needs_a_reason(api: Api, flow: Flow, platform: Platform) -> None:
    family = await flow.register()
    first = await flow.signal(family["id"], worries=["GELDZORGEN", "STRESS"], protectiveFactors=["steunend_netwerk"], classification="B")
    assert first["suggestedClassification"] == "B" and first["signal"]["classificationReason"] is None
    assert [guide["key"] for guide in first["guides"]] == ["GELDZORGEN", "STRESS"]
    assert all(guide["guide"]["questions"] for guide in first["guides"])

    data = {"familyId": family["id"], "worries": ["SCHULDEN"], "riskFactors": ["financiele_problemen"], "classification": "A"}
    response = await flow.call("vroedvrouw", SIGNAL, {"i": data})
    assert response.codes == ["REASON_REQUIRED"] and response.errors[0]["extensions"]["suggested"] == "C"
    assert await count(platform, Signal) == 1  # nothing written

    for bad, code in [
        ({**data, "worries": ["HOOFDPIJN"]}, "GRAPHQL_VALIDATION_FAILED"),  # a worry is one of the enum's
        ({**data, "riskFactors": ["onbekend"]}, "VALIDATION_FAILED"),
        ({**data, "classification": "C", "note": "belt op 06-12345678"}, "IDENTIFYING_DATA"),
        ({**data, "classificationReason": "zie BSN 123456782"}, "IDENTIFYING_DATA"),
        ({**data, "worries": []}, "VALIDATION_FAILED"),
    ]:
        assert (await flow.call("vroedvrouw", SIGNAL, {"i": bad})).codes == [code], bad
    assert await count(platform, Signal) == 1

    second = await flow.signal(family["id"], worries=["SCHULDEN"], classification="A", classificationReason="Heeft zelf al hulp gezocht")
    assert (second["signal"]["classification"], second["signal"]["suggestedClassification"]) == ("A", "C")
    # Each classification is a dated snapshot: the first one stays.
    signals = (await flow.call("vroedvrouw", FAMILY, {"id": family["id"]})).ok()["family"]["signals"]
    assert [item["classification"] for item in signals] == ["A", "B"]


async def test_conversation_guides_are_the_gemeentes_own_where_it_set_them(api: Api, flow: Flow, coalitions: Any) -> None:
    own = {"intro": "Onze eigen inleiding.", "questions": ["Hoe gaat het met de rekeningen?"]}
    configure = 'mutation($c: JSON!) { configureModule(input: {key: "handvat2_signaleren", config: $c}) { module { key } } }'
    (await api.gql("utrecht", configure, {"c": {"guides": {"geldzorgen": own}}}, user=World.email("coalition_admin", "utrecht"))).ok()
    bad = await api.gql("utrecht", configure, {"c": {"guides": {"hoofdpijn": own}}}, user=World.email("coalition_admin", "utrecht"))
    assert bad.codes == ["INVALID_CONFIG"]
    options = "{ signaleringOptions { worries { key guide { intro } } riskFactors { key } classificationRule referralWorkflowMermaid } }"
    intros = {}
    for slug in ("utrecht", "s-hertogenbosch"):
        data = (await api.gql(slug, options, user=f"vroedvrouw@{slug}.example")).ok()["signaleringOptions"]
        intros[slug] = {item["key"]: item["guide"]["intro"] for item in data["worries"]}
        assert len(data["worries"]) == 8 and len(data["riskFactors"]) >= 10
        assert "A (zelfredzaam)" in data["classificationRule"] and "D (zeer kwetsbaar): 3 of meer" in data["classificationRule"]
        assert data["referralWorkflowMermaid"].startswith("stateDiagram-v2")
    assert intros["utrecht"]["GELDZORGEN"] == "Onze eigen inleiding."
    assert intros["s-hertogenbosch"]["GELDZORGEN"] != "Onze eigen inleiding."
    family = await flow.register()
    signal = await flow.signal(family["id"])
    assert signal["guides"][0]["guide"]["intro"] == "Onze eigen inleiding."


# -- consent --------------------------------------------------------------------------------------------


async def test_a_referral_needs_valid_consent_for_that_organisation(api: Api, utrecht: Coalition, flow: Flow, platform: Platform) -> None:
    family = await flow.register()
    consent = await flow.consent(family["id"], to="voedselbank")
    response = await flow.call("vroedvrouw", REFER, {"i": flow.referral_input(family["id"], consent["id"], "schuldhulp", send=True)})
    assert response.codes == ["CONSENT_INVALID"] and "niet voor deze organisatie" in response.errors[0]["message"]

    today = dt.date.today()
    base = {"familyId": family["id"], "purpose": "Doorverwijzen", "partnerIds": [utrecht.partners["schuldhulp"]], "method": "SCHRIFTELIJK"}
    for dates, field in [
        ({"givenOn": (today + dt.timedelta(days=1)).isoformat(), "validUntil": (today + dt.timedelta(days=30)).isoformat()}, "input.givenOn"),
        ({"givenOn": (today - dt.timedelta(days=40)).isoformat(), "validUntil": (today - dt.timedelta(days=1)).isoformat()}, "input.validUntil"),
        ({"givenOn": (today - dt.timedelta(days=5)).isoformat(), "validUntil": (today - dt.timedelta(days=6)).isoformat()}, "input.validUntil"),
        ({"givenOn": today.isoformat(), "validUntil": (today + dt.timedelta(days=400)).isoformat()}, "input.validUntil"),
    ]:
        response = await flow.call("vroedvrouw", CONSENT, {"i": {**base, **dates}})
        assert (response.codes, response.errors[0]["extensions"]["field"]) == (["VALIDATION_FAILED"], field), dates
    unknown = {**base, "partnerIds": ["00000000-0000-0000-0000-000000000009"], "givenOn": today.isoformat(), "validUntil": today.isoformat()}
    assert (await flow.call("vroedvrouw", CONSENT, {"i": unknown})).codes == ["VALIDATION_FAILED"]

    # An expired consent (recorded earlier, its end date now passed) is refused too.
    valid = await flow.consent(family["id"])
    async with platform.work_as_system("utrecht", "test") as work:
        await work.session.execute(update(Consent).where(Consent.family_id.is_not(None)).values(valid_until=today - dt.timedelta(days=1)))
        await work.commit()
    response = await flow.call("vroedvrouw", REFER, {"i": flow.referral_input(family["id"], valid["id"], send=True)})
    assert response.codes == ["CONSENT_INVALID"] and "verlopen" in response.errors[0]["message"]
    consents = (await flow.call("vroedvrouw", FAMILY, {"id": family["id"]})).ok()["family"]["consents"]
    assert len(consents) == 2 and not any(item["valid"] for item in consents)
    assert await count(platform, Referral) == 0


async def test_revoking_consent_stops_sharing_at_once(api: Api, utrecht: Coalition, flow: Flow, platform: Platform) -> None:
    family, consent, referral = await flow.referred_family()
    assert (await flow.call("schuldhulp", FAMILY, {"id": family["id"]})).ok()["family"]["id"] == family["id"]
    (await flow.move(referral["id"], "accepteren")).ok()

    revoked = (await flow.call("vroedvrouw", "mutation($i: RevokeConsentInput!) { revokeConsent(input: $i) { consent { revokedAt valid } } }",
                               {"i": {"id": consent["id"], "note": "Ouder wil het zelf regelen"}})).ok()["revokeConsent"]["consent"]
    assert revoked["revokedAt"] and revoked["valid"] is False
    # The referral was withdrawn, with the reason in its history; the counsellor no longer sees the family.
    seen = (await flow.call("vroedvrouw", "query($id: ID!) { referral(id: $id) { state history { transition reason } } }", {"id": referral["id"]})).ok()
    assert seen["referral"]["state"] == "TERUGGETROKKEN"
    assert seen["referral"]["history"][-1] == {"transition": "TERUGTREKKEN", "reason": "De ouder heeft de toestemming ingetrokken."}
    assert (await flow.call("schuldhulp", FAMILY, {"id": family["id"]})).codes == ["NOT_FOUND"]
    assert (await flow.call("schuldhulp", "{ families { nodes { id } } }")).ok() == {"families": {"nodes": []}}
    assert (await flow.move(referral["id"], "starten")).codes == ["NOT_FOUND"]  # nor the referral, its note or history
    # Revoking twice is a conflict; a new referral under it is refused.
    assert (await flow.call("vroedvrouw", "mutation($i: RevokeConsentInput!) { revokeConsent(input: $i) { consent { id } } }", {"i": {"id": consent["id"]}})).codes == ["CONFLICT"]
    response = await flow.call("vroedvrouw", REFER, {"i": flow.referral_input(family["id"], consent["id"], send=False)})
    assert response.codes == ["CONSENT_INVALID"] and "ingetrokken" in response.errors[0]["message"]
    async with platform.work_as_system("utrecht", "test") as work:
        events = list((await work.session.execute(select(OutboxEvent.type))).scalars())
    assert "handvat2_signaleren.consent.revoked" in events


async def test_an_inactive_partner_cannot_be_referred_to(api: Api, utrecht: Coalition, flow: Flow, platform: Platform) -> None:
    family = await flow.register()
    consent = await flow.consent(family["id"])
    deactivate = "mutation($id: ID!) { deactivatePartner(input: {id: $id}) { partner { active } } }"
    (await flow.call(World.email("coalition_admin", "utrecht"), deactivate, {"id": utrecht.partners["schuldhulp"]})).ok()
    response = await flow.call("vroedvrouw", REFER, {"i": flow.referral_input(family["id"], consent["id"], send=True)})
    assert response.codes == ["PARTNER_INACTIVE"]
    own = await flow.call("vroedvrouw", REFER, {"i": flow.referral_input(family["id"], consent["id"], "verloskundige")})
    assert own.codes == ["VALIDATION_FAILED"]
    assert await count(platform, Referral) == 0


# -- the warm referral ---------------------------------------------------------------------------------


async def test_warm_referral_from_midwife_to_debt_counsellor_with_feedback(api: Api, utrecht: Coalition, flow: Flow, platform: Platform) -> None:
    family, _consent, referral = await flow.referred_family()
    assert referral["state"] == "VERSTUURD" and referral["toContact"] == "schuldhulp"
    assert referral["respondBy"] == add_working_days(dt.date.today(), 5).isoformat()
    assert referral["allowedTransitions"] == ["TERUGTREKKEN"]  # the midwife's side

    # The named contact is told; the counsellor's organisation now sees the family.
    inbox = await flow.feedback("schuldhulp", unread_only=True)
    assert [item["message"] for item in inbox] == ["U heeft een nieuwe verwijzing ontvangen (schuldhulp)."]
    seen = (await flow.call("schuldhulp", "{ referrals(direction: INCOMING) { nodes { id allowedTransitions } } families { nodes { id registeredByMyOrganisation } } }")).ok()
    assert seen["referrals"]["nodes"] == [{"id": referral["id"], "allowedTransitions": ["ACCEPTEREN", "AFWIJZEN"]}]
    assert seen["families"]["nodes"] == [{"id": family["id"], "registeredByMyOrganisation": False}]

    for step in ("accepteren", "starten"):
        assert (await flow.move(referral["id"], step)).ok()["moveReferral"]["referral"]["state"] in ("GEACCEPTEERD", "IN_BEHANDELING")
    done = (await flow.move(referral["id"], "afronden", outcome="GEHOLPEN", reason="Betalingsregeling getroffen")).ok()["moveReferral"]["referral"]
    assert (done["state"], done["outcome"]) == ("AFGEROND", "GEHOLPEN")
    assert done["respondedAt"] and done["startedAt"] and done["completedAt"]
    assert [(step["transition"], step["fromState"], step["toState"]) for step in done["history"]] == [
        ("VERSTUREN", "CONCEPT", "VERSTUURD"),
        ("ACCEPTEREN", "VERSTUURD", "GEACCEPTEERD"),
        ("STARTEN", "GEACCEPTEERD", "IN_BEHANDELING"),
        ("AFRONDEN", "IN_BEHANDELING", "AFGEROND"),
    ]

    # The midwife sees the feedback of every step and marks it read: the payload holds the feedback.
    feedback = await flow.feedback("vroedvrouw", unread_only=True)
    assert sorted(item["transition"] for item in feedback) == ["ACCEPTEREN", "AFRONDEN", "STARTEN"]
    assert all(item["referralId"] == referral["id"] and "Schuldhulp Samen" in item["message"] for item in feedback)
    read = "mutation($id: ID!) { markReferralFeedbackRead(input: {id: $id}) { feedback { id transition readAt } } }"
    marked = (await flow.call("vroedvrouw", read, {"id": feedback[0]["id"]})).ok()["markReferralFeedbackRead"]["feedback"]
    assert (marked["id"], marked["transition"]) == (feedback[0]["id"], feedback[0]["transition"]) and marked["readAt"]
    assert len(await flow.feedback("vroedvrouw", unread_only=True)) == 2
    assert (await flow.call("schuldhulp", read, {"id": feedback[0]["id"]})).codes == ["NOT_FOUND"]  # not theirs

    async with platform.work_as_system("utrecht", "test") as work:
        events = list((await work.session.execute(select(OutboxEvent.type, OutboxEvent.payload).order_by(OutboxEvent.occurred_at))).all())
        history = (await work.session.execute(select(func.count()).select_from(WorkflowHistory))).scalar_one()
    transitioned = [payload["transition"] for kind, payload in events if kind == "core.workflow.transitioned"]
    assert transitioned == ["versturen", "accepteren", "starten", "afronden"] and history == 4
    assert sum(1 for kind, _ in events if kind == "handvat2_signaleren.referral.feedback") == 4  # contact once, midwife thrice
    # Completed: the counsellor's organisation no longer sees the family.
    assert (await flow.call("schuldhulp", FAMILY, {"id": family["id"]})).codes == ["NOT_FOUND"]


async def test_steps_that_are_not_allowed_write_nothing(api: Api, utrecht: Coalition, flow: Flow, platform: Platform) -> None:
    _family, _consent, referral = await flow.referred_family()
    before = await count(platform, WorkflowHistory), await count(platform, Notification)
    cases = [
        ("vroedvrouw", "accepteren", {}, "WRONG_ORGANISATION"),  # the receiving organisation's step
        ("schuldhulp", "terugtrekken", {"reason": "Geen tijd"}, "WRONG_ORGANISATION"),
        ("schuldhulp", "afronden", {"outcome": "GEHOLPEN"}, "TRANSITION_NOT_ALLOWED"),  # not yet started
        ("schuldhulp", "vliegen", {}, "GRAPHQL_VALIDATION_FAILED"),  # no step of the workflow: not a member of the enum
        ("schuldhulp", "afwijzen", {}, "VALIDATION_FAILED"),  # a rejection needs its reason
        ("schuldhulp", "afwijzen", {"reason": "Bel 06-12345678"}, "IDENTIFYING_DATA"),
        ("schuldhulp-medewerker", "accepteren", {}, None),  # a partner worker of that organisation may respond
    ]
    for who, step, extra, code in cases:
        response = await flow.move(referral["id"], step, who=who, **extra)
        if code is None:
            assert response.ok()["moveReferral"]["referral"]["state"] == "GEACCEPTEERD"
        else:
            assert response.codes == [code], (who, step, response.body)
    assert await count(platform, WorkflowHistory) == before[0] + 1
    assert (await flow.move(referral["id"], "afronden", who="schuldhulp-medewerker")).codes == ["TRANSITION_NOT_ALLOWED"]
    (await flow.move(referral["id"], "starten", who="schuldhulp-medewerker")).ok()
    assert (await flow.move(referral["id"], "afronden", who="schuldhulp-medewerker")).codes == ["VALIDATION_FAILED"]  # the outcome


async def test_rejection_with_reason_reaches_the_midwife(api: Api, flow: Flow) -> None:
    _family, _consent, referral = await flow.referred_family()
    rejected = (await flow.move(referral["id"], "afwijzen", reason="Valt buiten onze doelgroep")).ok()["moveReferral"]["referral"]
    assert (rejected["state"], rejected["rejectionReason"]) == ("AFGEWEZEN", "Valt buiten onze doelgroep")
    assert [item["transition"] for item in await flow.feedback("vroedvrouw")] == ["AFWIJZEN"]


async def test_closing_a_family_needs_its_referrals_settled(api: Api, flow: Flow) -> None:
    family, _consent, referral = await flow.referred_family()
    close = "mutation($id: ID!, $c: Boolean!) { closeFamily(input: {id: $id, closed: $c}) { family { status } } }"
    assert (await flow.call("vroedvrouw", close, {"id": family["id"], "c": True})).codes == ["CONFLICT"]
    assert (await flow.call("schuldhulp", close, {"id": family["id"], "c": True})).codes == ["WRONG_ORGANISATION"]
    (await flow.move(referral["id"], "terugtrekken", who="vroedvrouw", reason="Gezin verhuisd")).ok()
    assert (await flow.call("vroedvrouw", close, {"id": family["id"], "c": True})).ok()["closeFamily"]["family"]["status"] == "CLOSED"
    assert (await flow.call("vroedvrouw", close, {"id": family["id"], "c": False})).ok()["closeFamily"]["family"]["status"] == "OPEN"


async def test_another_module_guards_and_follows_referral_steps(api: Api, utrecht: Coalition, flow: Flow, platform: Platform) -> None:
    """The workflow hooks: a third-party module (the tests' tiny module) refuses to send a
    referral for 'overig' and sees every step it follows."""
    enable = 'mutation { enableModule(input: {key: "tiny_notes"}) { module { enabled } } }'
    (await api.gql("utrecht", enable, user=World.email("coalition_admin", "utrecht"))).ok()
    family = await flow.register()
    consent = await flow.consent(family["id"])
    response = await flow.call("vroedvrouw", REFER, {"i": {**flow.referral_input(family["id"], consent["id"], send=True), "support": ["OVERIG"]}})
    assert response.codes == ["TRANSITION_REFUSED"] and "overleg" in response.errors[0]["message"]
    assert await count(platform, Referral) == 0  # the referral was not half-written
    await flow.refer(family["id"], consent["id"])
    followed = [call for call in tiny_notes.CALLS["workflow_transitioned"] if call[0] == "handvat2_signaleren.referral"]
    assert followed == [("handvat2_signaleren.referral", "versturen", "verstuurd")]


async def test_support_plan_links_a_regeling_of_handvat3_through_an_event(api: Api, coalitions: Any, platform: Platform) -> None:
    bosch = Flow(api, coalitions.bosch)
    utrecht = Flow(api, coalitions.utrecht)
    enable = 'mutation { enableModule(input: {key: "handvat3_toegang"}) { module { enabled } } }'
    (await api.gql("utrecht", enable, user=World.email("coalition_admin", "utrecht"))).ok()
    regelingen = (await utrecht.call("vroedvrouw", "{ regelingen { nodes { id key } } }")).ok()["regelingen"]["nodes"]
    regeling = next(item["id"] for item in regelingen if item["key"] == "schuldhulpverlening")
    family = await utrecht.register()
    add = "mutation($i: AddPlanItemInput!) { addPlanItem(input: $i) { planItem { id domain status regelingId } } }"
    data = {"familyId": family["id"], "domain": "FINANCIEEL", "description": "Aanmelden bij schuldhulp", "regelingId": regeling}
    unknown = await utrecht.call("vroedvrouw", add, {"i": {**data, "regelingId": "00000000-0000-0000-0000-000000000001"}})
    assert unknown.codes == ["VALIDATION_FAILED"] and unknown.errors[0]["extensions"]["field"] == "input.regelingId"
    item = (await utrecht.call("vroedvrouw", add, {"i": data})).ok()["addPlanItem"]["planItem"]
    assert (item["regelingId"], item["domain"], item["status"]) == (regeling, "FINANCIEEL", "OPEN")
    update_item = "mutation($i: UpdatePlanItemInput!) { updatePlanItem(input: $i) { planItem { status } } }"
    assert (await utrecht.call("vroedvrouw", update_item, {"i": {"id": item["id"], "status": "BEZIG"}})).ok()["updatePlanItem"]["planItem"]["status"] == "BEZIG"
    bad = await utrecht.call("vroedvrouw", update_item, {"i": {"id": item["id"], "description": "Bel 06-12345678"}})
    assert bad.codes == ["IDENTIFYING_DATA"]
    # Handvat 3 counted it as a referral to the regeling (it knows the plan only by the event).
    from plugins.handvat3_toegang.models import UsageCount

    async with platform.work_as_system("utrecht", "test") as work:
        usage = (await work.session.execute(select(UsageCount.kind, UsageCount.count))).all()
    assert ("referred", 1) in [tuple(row) for row in usage]
    # A gemeente without handvat 3 cannot link one.
    other = await bosch.register()
    response = await bosch.call("vroedvrouw", add, {"i": {**data, "familyId": other["id"]}})
    assert response.codes == ["VALIDATION_FAILED"] and response.errors[0]["extensions"]["field"] == "input.regelingId"


async def test_the_receiving_organisation_sees_what_it_needs_and_changes_nothing(api: Api, utrecht: Coalition, flow: Flow, platform: Platform) -> None:
    family, consent, referral = await flow.referred_family()
    other = await flow.consent(family["id"], to="voedselbank")
    await flow.signal(family["id"], note="Vader net ontslagen", classification="A", classificationReason="Eigen netwerk helpt")
    seen = (await flow.call("schuldhulp", FAMILY, {"id": family["id"]})).ok()["family"]
    assert (seen["localReference"], seen["initials"]) == (None, None)  # the midwife's own key to her files
    assert [item["id"] for item in seen["consents"]] == [consent["id"]]  # not the food bank's consent
    details = (await flow.call("schuldhulp", "query($id: ID!) { family(id: $id) { signals { note classification classificationReason worries } } }", {"id": family["id"]})).ok()
    assert details["family"]["signals"][0] == {"note": None, "classification": "A", "classificationReason": None, "worries": ["GELDZORGEN"]}
    own = (await flow.call("vroedvrouw", "query($id: ID!) { family(id: $id) { signals { note } } }", {"id": family["id"]})).ok()
    assert own["family"]["signals"][0]["note"] == "Vader net ontslagen"

    # It changes nothing of the family and shares it no further.
    today = dt.date.today().isoformat()
    writes = [
        ("mutation($id: ID!) { updateFamily(input: {id: $id, phase: PRECONCEPTIE}) { family { id } } }", {"id": family["id"]}, "WRONG_ORGANISATION"),
        ("mutation($id: ID!) { recordSignal(input: {familyId: $id, worries: [STRESS], classification: A}) { signal { id } } }", {"id": family["id"]}, "WRONG_ORGANISATION"),
        (
            "mutation($id: ID!, $p: ID!, $d: Date!) { recordConsent(input: {familyId: $id, purpose: \"Verder verwijzen\", partnerIds: [$p], method: MONDELING, givenOn: $d, validUntil: $d}) { consent { id } } }",
            {"id": family["id"], "p": utrecht.partners["voedselbank"], "d": today},
            "WRONG_ORGANISATION",
        ),
        ("mutation($id: ID!) { addPlanItem(input: {familyId: $id, domain: SOCIAAL, description: \"Koffie\"}) { planItem { id } } }", {"id": family["id"]}, "WRONG_ORGANISATION"),
        ("mutation($id: ID!) { revokeConsent(input: {id: $id}) { consent { id } } }", {"id": consent["id"]}, "NOT_FOUND"),
        ("mutation($id: ID!) { revokeConsent(input: {id: $id}) { consent { id } } }", {"id": other["id"]}, "NOT_FOUND"),
        (
            "mutation($f: ID!, $c: ID!, $p: ID!) { createReferral(input: {familyId: $f, consentId: $c, toPartnerId: $p, support: [MATERIELE_STEUN]}) { referral { id } } }",
            {"f": family["id"], "c": other["id"], "p": utrecht.partners["voedselbank"]},
            "WRONG_ORGANISATION",
        ),
    ]
    for query, variables, code in writes:
        assert (await flow.call("schuldhulp", query, variables)).codes == [code], query
    assert await count(platform, Referral) == 1 and await count(platform, Consent) == 2
    # A concept (not sent) referral is not shown to the organisation it would go to.
    concept = await flow.refer(family["id"], other["id"], "voedselbank", send=False)
    assert (await flow.call("voedselbank-medewerker", "{ referrals { nodes { id } } }")).ok() == {"referrals": {"nodes": []}}
    assert concept["state"] == "CONCEPT" and referral["state"] == "VERSTUURD"


async def test_a_closed_family_takes_no_new_data_until_reopened(api: Api, flow: Flow) -> None:
    family = await flow.register()
    consent = await flow.consent(family["id"])
    close = "mutation($id: ID!, $c: Boolean!) { closeFamily(input: {id: $id, closed: $c}) { family { status } } }"
    (await flow.call("vroedvrouw", close, {"id": family["id"], "c": True})).ok()
    data = {"familyId": family["id"], "worries": ["STRESS"], "classification": "A"}
    assert (await flow.call("vroedvrouw", SIGNAL, {"i": data})).codes == ["CONFLICT"]
    assert (await flow.call("vroedvrouw", REFER, {"i": flow.referral_input(family["id"], consent["id"], send=True)})).codes == ["CONFLICT"]
    # The parent can still withdraw consent.
    revoke = "mutation($id: ID!) { revokeConsent(input: {id: $id}) { consent { valid } } }"
    assert (await flow.call("vroedvrouw", revoke, {"id": consent["id"]})).ok()["revokeConsent"]["consent"]["valid"] is False
    (await flow.call("vroedvrouw", close, {"id": family["id"], "c": False})).ok()
    await flow.signal(family["id"])


async def test_a_step_takes_a_fixed_number_of_statements(flow: Flow, api: Api, platform: Platform) -> None:
    """A step (ACCEPTEREN, answered with its history, organisations and contact) reads who
    is asking, the referral and its consent, writes the step (state, history row,
    notification, its events, marked dispatched as no module takes them) and the processing
    record, and reads what the answer and the webhooks need: 16 statements on PostgreSQL,
    the tenant setting included; on SQLite 22 (BEGIN, and BEGIN IMMEDIATE for the write;
    the records sealed in the writing transaction)."""
    from core.testing import count_statements

    _family, _consent, referral = await flow.referred_family()
    (await flow.call("schuldhulp", "{ tenant { name } }")).ok()  # logged in, the gemeente known
    await platform.identity.keys.refresh(force=True)  # not the once-a-minute reload of the keys
    with count_statements(platform) as statements:
        moved = (await flow.move(referral["id"], "accepteren")).ok()["moveReferral"]["referral"]
    assert moved["state"] == "GEACCEPTEERD"
    assert len([statement for statement in statements if statement.startswith("UPDATE outbox_events")]) == 1  # both events at once
    assert len(statements) <= (16 if platform.engine.dialect.name == "postgresql" else 22)
