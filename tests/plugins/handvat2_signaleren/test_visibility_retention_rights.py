"""Handvat 2: who sees what (per organisation, per role, per gemeente), the processing log,
the scheduled jobs with a moved clock (overdue referrals, retention), the family's rights
(export, erasure) and the coalition's figures with small cells suppressed."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select, update

from core.db import utcnow
from core.models import OutboxEvent, WorkflowHistory
from core.platform import Platform
from core.processing import processing_history
from plugins.handvat2_signaleren.models import DeletionRecord, Family, PlanItem, Referral, Signal
from plugins.handvat2_signaleren.graphql.mutations import SignalerenMutation
from plugins.handvat2_signaleren.graphql.queries import SignalerenQuery
from plugins.handvat2_signaleren.services.rights import NOBODY
from tests.conftest import Api, World
from tests.plugins.handvat2_signaleren.conftest import FAMILIES, FAMILY, Coalition, Coalitions, Flow

ADMIN = World.email("coalition_admin", "utrecht")
PRIVACY = World.email("privacy_officer", "utrecht")
OPERATOR = "operator@platform.example"


async def system_rows(platform: Platform, statement: Any, slug: str = "utrecht") -> list[Any]:
    async with platform.work_as_system(slug, "test") as work:
        return list((await work.session.execute(statement)).all())


# -- who sees what -----------------------------------------------------------------------------------


async def test_each_role_sees_only_what_it_may(api: Api, utrecht: Coalition, flow: Flow, platform: Platform) -> None:
    family, _consent, referral = await flow.referred_family()
    other = await flow.register("VK-2026-002")  # not referred anywhere

    # The registering organisation sees both; the counsellor only the referred family.
    assert {item["id"] for item in (await flow.call("vroedvrouw", FAMILIES)).ok()["families"]["nodes"]} == {family["id"], other["id"]}
    assert [item["id"] for item in (await flow.call("schuldhulp", FAMILIES)).ok()["families"]["nodes"]] == [family["id"]]
    assert (await flow.call("schuldhulp", FAMILY, {"id": other["id"]})).codes == ["NOT_FOUND"]

    # A partner worker sees only referrals to their organisation, and cannot refer.
    worker = (await flow.call("schuldhulp-medewerker", "{ referrals { nodes { id } } outgoing: referrals(direction: OUTGOING) { nodes { id } } }")).ok()
    assert worker == {"referrals": {"nodes": [{"id": referral["id"]}]}, "outgoing": {"nodes": []}}
    assert (await flow.call("schuldhulp-medewerker", FAMILY, {"id": family["id"]})).ok()["family"]["id"] == family["id"]
    refer = "mutation($i: CreateReferralInput!) { createReferral(input: $i) { referral { id } } }"
    assert (await flow.call("schuldhulp-medewerker", refer, {"i": flow.referral_input(family["id"], _consent["id"])})).codes == ["FORBIDDEN"]
    # An organisation nothing was referred to sees nothing.
    assert (await flow.call("voedselbank-medewerker", "{ families { nodes { id } } referrals { nodes { id } } }")).ok() == {"families": {"nodes": []}, "referrals": {"nodes": []}}
    assert (await flow.call("voedselbank-medewerker", FAMILY, {"id": family["id"]})).codes == ["NOT_FOUND"]
    assert (await flow.call("voedselbank-medewerker", "query($id: ID!) { referral(id: $id) { id } }", {"id": referral["id"]})).codes == ["NOT_FOUND"]

    # Analysts and experience experts: aggregates only. The coalition admin: overdue referrals, no families.
    for role in ("analyst", "experience_expert", "coalition_admin", "privacy_officer", "member"):
        response = await api.gql("utrecht", FAMILIES, user=World.email(role, "utrecht"))
        assert response.codes == ["FORBIDDEN"], role
    for role in ("analyst", "experience_expert"):
        assert (await api.gql("utrecht", "{ signaleringFigures { threshold } }", user=World.email(role, "utrecht"))).ok()
    assert (await api.gql("utrecht", "{ overdueReferrals { nodes { id } } }", user=ADMIN)).ok() == {"overdueReferrals": {"nodes": []}}

    # The platform operator sees nothing of it.
    from core.models import Person

    async with platform.session(None) as session:
        session.add(Person(email=OPERATOR, is_platform_operator=True))
        await session.commit()
    response = await api.gql("utrecht", FAMILIES, user=OPERATOR)
    assert response.errors and (response.data or {}).get("families") is None and family["id"] not in str(response.body)


async def test_another_gemeentes_ids_are_never_found(api: Api, coalitions: Coalitions, platform: Platform) -> None:
    """Every query and mutation of handvat 2 that takes an id, asked in Utrecht with the ids
    of 's-Hertogenbosch (by people of Utrecht who could use them in their own gemeente):
    not found, and nothing of 's-Hertogenbosch in the answer or changed there."""
    bosch = Flow(api, coalitions.bosch)
    family, consent, referral = await bosch.referred_family()
    (await bosch.move(referral["id"], "accepteren")).ok()
    item = (
        await bosch.call(
            "vroedvrouw",
            "mutation($i: AddPlanItemInput!) { addPlanItem(input: $i) { planItem { id } } }",
            {"i": {"familyId": family["id"], "domain": "SOCIAAL", "description": "Koffieochtend"}},
        )
    ).ok()["addPlanItem"]["planItem"]
    notification = (await bosch.feedback("vroedvrouw"))[0]["id"]
    u = coalitions.utrecht
    calls = {
        "family": ("vroedvrouw", "query($id: ID!) { family(id: $id) { id } }", {"id": family["id"]}),
        "referral": ("schuldhulp", "query($id: ID!) { referral(id: $id) { id } }", {"id": referral["id"]}),
        "familyExport": (PRIVACY, "query($id: ID!) { familyExport(familyId: $id) }", {"id": family["id"]}),
        "updateFamily": ("vroedvrouw", "mutation($id: ID!) { updateFamily(input: {id: $id, phase: PRECONCEPTIE}) { family { id } } }", {"id": family["id"]}),
        "closeFamily": ("vroedvrouw", "mutation($id: ID!) { closeFamily(input: {id: $id}) { family { id } } }", {"id": family["id"]}),
        "recordSignal": (
            "vroedvrouw",
            "mutation($id: ID!) { recordSignal(input: {familyId: $id, worries: [STRESS], classification: A}) { signal { id } } }",
            {"id": family["id"]},
        ),
        "recordConsent": (
            "vroedvrouw",
            "mutation($id: ID!, $p: ID!, $d: Date!) { recordConsent(input: {familyId: $id, purpose: \"Verwijzen\", partnerIds: [$p], method: MONDELING, givenOn: $d, validUntil: $d}) { consent { id } } }",
            {"id": family["id"], "p": u.partners["schuldhulp"], "d": dt.date.today().isoformat()},
        ),
        "revokeConsent": ("vroedvrouw", "mutation($id: ID!) { revokeConsent(input: {id: $id}) { consent { id } } }", {"id": consent["id"]}),
        "createReferral": (
            "vroedvrouw",
            "mutation($f: ID!, $c: ID!, $p: ID!) { createReferral(input: {familyId: $f, consentId: $c, toPartnerId: $p, support: [SCHULDHULP]}) { referral { id } } }",
            {"f": family["id"], "c": consent["id"], "p": coalitions.bosch.partners["schuldhulp"]},
        ),
        "moveReferral": ("schuldhulp", "mutation($id: ID!) { moveReferral(input: {id: $id, transition: STARTEN}) { referral { id } } }", {"id": referral["id"]}),
        "addPlanItem": (
            "vroedvrouw",
            "mutation($id: ID!) { addPlanItem(input: {familyId: $id, domain: SOCIAAL, description: \"Gekaapt\"}) { planItem { id } } }",
            {"id": family["id"]},
        ),
        "updatePlanItem": ("vroedvrouw", "mutation($id: ID!) { updatePlanItem(input: {id: $id, status: GEREED}) { planItem { id } } }", {"id": item["id"]}),
        "markReferralFeedbackRead": ("vroedvrouw", "mutation($id: ID!) { markReferralFeedbackRead(input: {id: $id}) { feedback { id } } }", {"id": notification}),
        "eraseFamily": (PRIVACY, "mutation($id: ID!) { eraseFamily(input: {familyId: $id, reason: \"Verzoek van de ouder\"}) { familyId } }", {"id": family["id"]}),
    }
    for name, (who, query, variables) in calls.items():
        response = await Flow(api, u).call(who, query, variables)
        assert response.codes == ["NOT_FOUND"], (name, response.body)
        assert "Schuldhulp Samen" not in str(response.body) and "VK-2026" not in str(response.body)
    # Lists of Utrecht hold nothing of 's-Hertogenbosch.
    lists = "{ families { nodes { id } } referrals { nodes { id } } referralFeedback { nodes { id } } }"
    empty = {"nodes": []}
    assert (await Flow(api, u).call("vroedvrouw", lists)).ok() == {"families": empty, "referrals": empty, "referralFeedback": empty}
    assert (await api.gql("utrecht", "{ familyDeletions { nodes { batchId } } }", user=PRIVACY)).ok() == {"familyDeletions": empty}
    assert (await api.gql("utrecht", "{ overdueReferrals { nodes { id } } }", user=ADMIN)).ok() == {"overdueReferrals": empty}
    # Nothing changed in 's-Hertogenbosch.
    still = (await bosch.call("vroedvrouw", "query($id: ID!) { family(id: $id) { phase status consents { valid } referrals { state } supportPlan { status } } }", {"id": family["id"]})).ok()
    assert still["family"] == {"phase": "ZWANGER", "status": "OPEN", "consents": [{"valid": True}], "referrals": [{"state": "GEACCEPTEERD"}], "supportPlan": [{"status": "OPEN"}]}
    # Every root field of handvat 2 that takes an id is in the list above.
    with_ids = set()
    for root in (SignalerenQuery, SignalerenMutation):
        for strawberry_field in root.__strawberry_definition__.fields:
            arguments = {argument.python_name for argument in strawberry_field.arguments}
            if arguments & {"id", "family_id", "input"}:
                with_ids.add(api.platform.schema.config.name_converter.get_graphql_name(strawberry_field))
    with_ids.discard("registerFamily")  # its input names no existing row
    assert with_ids == set(calls), with_ids ^ set(calls)


async def test_every_read_and_write_of_a_family_is_in_the_processing_log(api: Api, utrecht: Coalition, flow: Flow, platform: Platform) -> None:
    family, _consent, referral = await flow.referred_family()
    await flow.call("schuldhulp", FAMILY, {"id": family["id"]})
    (await flow.move(referral["id"], "accepteren")).ok()
    async with platform.work_as_system("utrecht", "test") as work:
        records = await processing_history(work, family["id"])
    steps = [(record.actor, record.operation, record.result) for record in records]
    midwife, counsellor = utrecht.email("vroedvrouw"), utrecht.email("schuldhulp")
    for expected in [
        (midwife, "registerFamily", "created"),
        (midwife, "recordSignal", "created"),
        (midwife, "recordConsent", "created"),
        (midwife, "referral.versturen", "shared"),
        (counsellor, "family", "read"),
        (counsellor, "referral.accepteren", "updated"),
    ]:
        assert expected in steps, (expected, steps)
    assert {record.activity for record in records} == {"handvat2_signaleren.family_support"}
    # The privacy officer finds the same through the API (who saw what).
    response = await api.gql("utrecht", "query($id: ID!) { familyExport(familyId: $id) }", {"id": family["id"]}, user=PRIVACY)
    logged = response.ok()["familyExport"]["processing_log"]
    assert {(row["by"], row["operation"]) for row in logged} >= {(counsellor, "family"), (midwife, "registerFamily")}


# -- scheduled jobs with a moved clock -------------------------------------------------------------------


async def test_overdue_referrals_raise_an_event_once_and_are_listed_for_the_admin(api: Api, utrecht: Coalition, flow: Flow, platform: Platform) -> None:
    _family, _consent, referral = await flow.referred_family()
    job = "handvat2_signaleren.overdue_referrals"
    assert await platform.run_scheduled_jobs(now=utcnow(), names=[job]) == {job: 0}  # not yet due
    later = utcnow() + dt.timedelta(days=10)  # more than five working days later
    assert await platform.run_scheduled_jobs(now=later, names=[job]) == {job: 1}
    assert await platform.run_scheduled_jobs(now=later + dt.timedelta(days=1), names=[job]) == {job: 0}  # once
    events = await system_rows(platform, select(OutboxEvent.payload).where(OutboxEvent.type == "handvat2_signaleren.referral.overdue"))
    assert [row.payload["referral_id"] for row in events] == [referral["id"]]

    async with platform.work_as_system("utrecht", "test") as work:
        await work.session.execute(update(Referral).values(respond_by=dt.date.today() - dt.timedelta(days=2)))
        await work.commit()
    overdue = (await api.gql("utrecht", "{ overdueReferrals { totalCount nodes { id fromOrganisation toOrganisation daysOverdue } } }", user=ADMIN)).ok()
    assert overdue["overdueReferrals"] == {
        "totalCount": 1,
        "nodes": [{"id": referral["id"], "fromOrganisation": "Verloskundigenpraktijk De Wieg", "toOrganisation": "Schuldhulp Samen", "daysOverdue": 2}],
    }
    # The admin sees the referral's organisations and dates, not the family.
    asked = await api.gql("utrecht", "{ overdueReferrals { nodes { familyId } } }", user=ADMIN)
    assert (asked.status, asked.codes) == (400, ["GRAPHQL_VALIDATION_FAILED"])


async def test_retention_anonymises_closed_families_after_the_period(api: Api, utrecht: Coalition, flow: Flow, platform: Platform) -> None:
    family, _consent, referral = await flow.referred_family()
    (await flow.move(referral["id"], "terugtrekken", who="vroedvrouw", reason="Ouder wil eerst zelf bellen")).ok()
    add = "mutation($i: AddPlanItemInput!) { addPlanItem(input: $i) { planItem { id } } }"
    (await flow.call("vroedvrouw", add, {"i": {"familyId": family["id"], "domain": "SOCIAAL", "description": "Koffieochtend"}})).ok()
    await flow.signal(family["id"], note="Maakt zich zorgen over de huur")
    still_open = await flow.register("VK-2026-002")
    close = "mutation($id: ID!) { closeFamily(input: {id: $id}) { family { status } } }"
    (await flow.call("vroedvrouw", close, {"id": family["id"]})).ok()

    job = "handvat2_signaleren.retention"
    assert await platform.run_scheduled_jobs(now=utcnow() + dt.timedelta(days=330), names=[job]) == {job: 0}  # 11 months: kept
    moved = utcnow() + dt.timedelta(days=380)
    assert await platform.run_scheduled_jobs(now=moved, names=[job]) == {job: 1}
    assert await platform.run_scheduled_jobs(now=moved, names=[job]) == {job: 0}

    async with platform.work_as_system("utrecht", "test") as work:
        session = work.session
        stored = (await session.execute(select(Family).where(Family.id == uuid.UUID(family["id"])))).scalar_one()
        signals = list((await session.execute(select(Signal).where(Signal.family_id == stored.id))).scalars())
        kept = (await session.execute(select(Referral).where(Referral.family_id == stored.id))).scalar_one()
        plan = (await session.execute(select(func.count()).select_from(PlanItem))).scalar_one()
        untouched = (await session.execute(select(Family).where(Family.id == uuid.UUID(still_open["id"])))).scalar_one()
        history = list((await session.execute(select(WorkflowHistory).where(WorkflowHistory.subject_id == kept.id))).scalars())
        records = await processing_history(work, family["id"])
    assert (stored.status, stored.local_reference, stored.initials, stored.expected_month) == ("anonymised", None, None, None)
    assert signals and all(signal.note is None for signal in signals) and {s.classification for s in signals} == {"C"}  # counted, not told
    assert all(signal.risk_factors == [] and signal.recorded_by == NOBODY and signal.recorded_at.day == 1 for signal in signals)
    assert (stored.registered_by, stored.created_at.day, kept.referred_by, kept.sent_at.hour) == (NOBODY, 1, NOBODY, 0)
    assert {row.actor for row in history} == {"(geanonimiseerd)"} and all(row.reason is None for row in history)
    assert (kept.state, kept.note, kept.sent_at is not None) == ("teruggetrokken", None, True)
    assert plan == 0 and untouched.status == "open" and untouched.local_reference == "VK-2026-002"
    assert (records[-1].operation, records[-1].result, records[-1].actor_type) == ("retention", "anonymised", "system")

    deletions = (await api.gql("utrecht", "{ familyDeletions { nodes { familyIds action reason performedBy } } }", user=PRIVACY)).ok()["familyDeletions"]["nodes"]
    assert deletions == [
        {"familyIds": [family["id"]], "action": "ANONYMISED", "reason": deletions[0]["reason"], "performedBy": deletions[0]["performedBy"]}
    ]
    assert "12 maanden" in deletions[0]["reason"]
    assert (await flow.call("vroedvrouw", FAMILY, {"id": family["id"]})).codes == ["NOT_FOUND"]


async def test_retention_period_is_the_gemeentes_own(api: Api, coalitions: Coalitions, platform: Platform) -> None:
    configure = 'mutation { configureModule(input: {key: "handvat2_signaleren", config: {retention_months: 3}}) { module { key } } }'
    (await api.gql("s-hertogenbosch", configure, user=World.email("coalition_admin", "s-hertogenbosch"))).ok()
    close = "mutation($id: ID!) { closeFamily(input: {id: $id}) { family { status } } }"
    for coalition in (coalitions.utrecht, coalitions.bosch):
        flow = Flow(api, coalition)
        family = await flow.register()
        (await flow.call("vroedvrouw", close, {"id": family["id"]})).ok()
    job = "handvat2_signaleren.retention"
    assert await platform.run_scheduled_jobs(now=utcnow() + dt.timedelta(days=100), names=[job]) == {job: 1}
    statuses = {slug: [row.status for row in await system_rows(platform, select(Family.status), slug)] for slug in ("utrecht", "s-hertogenbosch")}
    assert statuses == {"utrecht": ["closed"], "s-hertogenbosch": ["anonymised"]}


# -- the family's rights ----------------------------------------------------------------------------------


async def test_export_and_erasure_on_request_are_recorded(api: Api, utrecht: Coalition, flow: Flow, platform: Platform) -> None:
    family, _consent, referral = await flow.referred_family()
    (await flow.move(referral["id"], "accepteren")).ok()
    await flow.feedback("vroedvrouw")
    query = "query($id: ID!) { familyExport(familyId: $id) }"
    assert (await flow.call("vroedvrouw", query, {"id": family["id"]})).codes == ["FORBIDDEN"]  # the privacy officer's task
    exported = (await api.gql("utrecht", query, {"id": family["id"]}, user=PRIVACY)).ok()["familyExport"]
    assert exported["family"]["local_reference"] == "VK-2026-001" and exported["gemeente"] == "Utrecht"
    assert [item["classification"] for item in exported["signals"]] == ["C"]
    assert exported["consents"][0]["organisations"] == ["Schuldhulp Samen"]
    assert [step["step"] for step in exported["referrals"][0]["history"]] == ["versturen", "accepteren"]
    assert utrecht.email("schuldhulp") in {row["by"] for row in exported["processing_log"]}
    assert [item["message"] for item in exported["referrals"][0]["notifications"]][-1].endswith("geaccepteerd.")
    assert exported["referrals"][0]["to_contact"] == "schuldhulp" and exported["referrals"][0]["responded_at"]
    assert (utrecht.email("vroedvrouw"), "referralFeedback") in {(row["by"], row["operation"]) for row in exported["processing_log"]}

    erase = "mutation($id: ID!, $r: String!) { eraseFamily(input: {familyId: $id, reason: $r}) { familyId deletion { familyIds action reason } } }"
    assert (await api.gql("utrecht", erase, {"id": family["id"], "r": "x"}, user=PRIVACY)).codes == ["VALIDATION_FAILED"]
    assert (await api.gql("utrecht", erase, {"id": family["id"], "r": "Verzoek, BSN 123456782"}, user=PRIVACY)).codes == ["IDENTIFYING_DATA"]
    assert (await flow.call("vroedvrouw", erase, {"id": family["id"], "r": "Verzoek van de ouder"})).codes == ["FORBIDDEN"]
    erased = (await api.gql("utrecht", erase, {"id": family["id"], "r": "Verzoek van de ouder (AVG art. 17)"}, user=PRIVACY)).ok()
    assert erased["eraseFamily"]["familyId"] == family["id"]
    assert erased["eraseFamily"]["deletion"] == {"familyIds": [family["id"]], "action": "ERASED", "reason": "Op verzoek: Verzoek van de ouder (AVG art. 17)"}

    for model in (Family, Signal, Referral):
        assert await system_rows(platform, select(model.id)) == []
    assert (await flow.call("vroedvrouw", FAMILY, {"id": family["id"]})).codes == ["NOT_FOUND"]
    assert (await api.gql("utrecht", query, {"id": family["id"]}, user=PRIVACY)).codes == ["NOT_FOUND"]
    deletions = await system_rows(platform, select(DeletionRecord.action, DeletionRecord.family_ids, DeletionRecord.reason))
    assert [(row.action, row.family_ids) for row in deletions] == [("erased", [family["id"]])] and "AVG art. 17" in deletions[0].reason
    async with platform.work_as_system("utrecht", "test") as work:
        records = await processing_history(work, family["id"])
    results = [(record.operation, record.result) for record in records]
    assert ("exportFamily", "exported") in results and results[-1] == ("eraseFamily", "deleted")  # the log itself stays
    events = await system_rows(platform, select(OutboxEvent.type, OutboxEvent.payload))
    assert [row.type for row in events if row.type.endswith("family.erased")] == ["handvat2_signaleren.family.erased"]
    # No older event names the family or its referral any more (only the erasure event itself).
    naming = [row.type for row in events if {family["id"], referral["id"]} & set(map(str, row.payload.values()))]
    assert naming == ["handvat2_signaleren.family.erased"]


# -- figures ------------------------------------------------------------------------------------------------

FIGURES = """{ signaleringFigures { threshold periodFrom periodTo
  signalsByWorry { wijk month worry count suppressed } signalsByClassification { wijk month classification count suppressed }
  referralsByPartnerTypeAndState { month partnerType state outcome count suppressed } acceptanceRate acceptanceBasis medianDaysToFirstContact } }"""


async def test_figures_suppress_small_cells(api: Api, utrecht: Coalition, flow: Flow, platform: Platform) -> None:
    family, _consent, referral = await flow.referred_family()
    (await flow.move(referral["id"], "accepteren")).ok()
    analyst = World.email("analyst", "utrecht")
    figures = (await api.gql("utrecht", FIGURES, user=analyst)).ok()["signaleringFigures"]
    month = f"{dt.date.today():%Y-%m}"
    assert figures["threshold"] == 10 and figures["periodTo"] == month
    assert figures["signalsByWorry"] == [{"wijk": "onbekend", "month": month, "worry": "GELDZORGEN", "count": None, "suppressed": True}]
    assert figures["referralsByPartnerTypeAndState"] == [
        {"month": month, "partnerType": "schuldhulpverlening", "state": "GEACCEPTEERD", "outcome": None, "count": None, "suppressed": True}
    ]
    assert figures["acceptanceRate"] is None and figures["acceptanceBasis"] is None
    assert "VK-2026" not in str(figures) and family["id"] not in str(figures)

    configure = 'mutation { configureModule(input: {key: "handvat2_signaleren", config: {min_cell_size: 5}}) { module { key } } }'
    (await api.gql("utrecht", configure, user=ADMIN)).ok()
    too_small = 'mutation { configureModule(input: {key: "handvat2_signaleren", config: {min_cell_size: 2}}) { module { key } } }'
    assert (await api.gql("utrecht", too_small, user=ADMIN)).codes == ["INVALID_CONFIG"]
    for _ in range(4):
        await flow.signal(family["id"])  # one family signalled five times is still one family
    figures = (await api.gql("utrecht", FIGURES, user=analyst)).ok()["signaleringFigures"]
    assert figures["signalsByWorry"][0] == {"wijk": "onbekend", "month": month, "worry": "GELDZORGEN", "count": None, "suppressed": True}
    for index in range(2, 6):
        other = await flow.register(f"VK-2026-{index:03d}")
        await flow.signal(other["id"])
    figures = (await api.gql("utrecht", FIGURES, user=analyst)).ok()["signaleringFigures"]
    assert figures["signalsByWorry"][0]["count"] == 9 and figures["signalsByClassification"][0] == {
        "wijk": "onbekend",
        "month": month,
        "classification": "C",
        "count": 9,
        "suppressed": False,
    }
    assert figures["referralsByPartnerTypeAndState"][0]["suppressed"] is True
    for period in ({"f": "2026-13"}, {"f": "2027-01", "t": "2026-01"}):
        query = "query($f: String, $t: String) { signaleringFigures(periodFrom: $f, periodTo: $t) { threshold } }"
        assert (await api.gql("utrecht", query, period, user=analyst)).codes == ["VALIDATION_FAILED"]


async def test_demo_has_families_and_referrals_in_every_demo_gemeente(platform: Platform, api: Api) -> None:
    from gateway.demo import seed_demo

    await seed_demo(platform)  # once for both gemeenten: seeding the demo is the slow part
    for slug in ("utrecht", "s-hertogenbosch"):
        async with platform.work_as_system(slug, "test") as work:
            families = (await work.session.execute(select(func.count()).select_from(Family))).scalar_one()
            states = set((await work.session.execute(select(Referral.state))).scalars())
        assert families >= 3 and {"verstuurd", "geaccepteerd", "afgerond"} <= states, slug


NESTED = """{ families { nodes { id wijk registeringOrganisation signals { classification organisation } consents { organisations valid }
  referrals { state toOrganisation toContact history { transition } } supportPlan { status } } } }"""


async def test_listing_families_with_their_details_takes_a_constant_number_of_statements(api: Api, utrecht: Coalition, flow: Flow, platform: Platform) -> None:
    from core.testing import count_statements

    async def statements() -> int:
        await api.token("utrecht", utrecht.email("vroedvrouw"))  # the login is not part of the request
        await platform.identity.keys.refresh(force=True)
        with count_statements(platform) as seen:
            (await flow.call("vroedvrouw", NESTED)).ok()
        return len(seen)

    await flow.referred_family()
    few = await statements()
    for index in range(2, 7):
        family = await flow.register(f"VK-2026-{index:03d}")
        await flow.signal(family["id"])
        consent = await flow.consent(family["id"])
        await flow.refer(family["id"], consent["id"])
    assert len((await flow.call("vroedvrouw", NESTED)).ok()["families"]["nodes"]) == 6
    assert await statements() == few


async def test_families_and_referrals_are_paged_newest_first(api: Api, utrecht: Coalition, flow: Flow, platform: Platform) -> None:
    created = [(await flow.register(f"VK-2026-{index:03d}"))["id"] for index in range(5)]
    page = "query($after: String) { families(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } }"
    seen, after = [], None
    while True:
        data = (await flow.call("vroedvrouw", page, {"after": after})).ok()["families"]
        assert data["totalCount"] == 5 and len(data["nodes"]) <= 2
        seen += [node["id"] for node in data["nodes"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert seen == list(reversed(created))
    for bad, code in [({"after": "nonsense"}, "VALIDATION_FAILED")]:
        assert (await flow.call("vroedvrouw", page, bad)).codes == [code]
    assert (await flow.call("vroedvrouw", "{ families(first: 1000) { totalCount } }")).codes == ["VALIDATION_FAILED"]
    # The filters are enums: an unknown value is refused before anything runs, a known one filters.
    for query in ('{ families(status: "open") { totalCount } }', "{ families(status: WEG) { totalCount } }", "{ referrals(state: WEG) { totalCount } }"):
        refused = await flow.call("vroedvrouw", query)
        assert refused.status == 400 and set(refused.codes) == {"GRAPHQL_VALIDATION_FAILED"}, (query, refused.body)
    # Each page records the read of its own families only: every family once over the three pages.
    async with platform.work_as_system("utrecht", "test") as work:
        for family_id in created:
            assert [record.operation for record in await processing_history(work, family_id)].count("families") == 1
    filtered = (await flow.call("vroedvrouw", "{ open: families(status: OPEN) { totalCount } closed: families(status: CLOSED) { totalCount } referrals(state: CONCEPT) { totalCount } }")).ok()
    assert filtered == {"open": {"totalCount": 5}, "closed": {"totalCount": 0}, "referrals": {"totalCount": 0}}


async def test_rates_over_a_period_are_rounded(api: Api, utrecht: Coalition, flow: Flow) -> None:
    (await api.gql("utrecht", 'mutation { configureModule(input: {key: "handvat2_signaleren", config: {min_cell_size: 5}}) { module { key } } }', user=ADMIN)).ok()
    for index in range(6):
        family = await flow.register(f"VK-2026-{index:03d}")
        await flow.signal(family["id"])
        referral = await flow.refer(family["id"], (await flow.consent(family["id"]))["id"])
        if index < 4:
            (await flow.move(referral["id"], "accepteren")).ok()
        else:
            (await flow.move(referral["id"], "afwijzen", reason="Wachtlijst vol")).ok()
    figures = (await api.gql("utrecht", "{ signaleringFigures { acceptanceRate acceptanceBasis } }", user=World.email("analyst", "utrecht"))).ok()
    assert figures["signaleringFigures"] == {"acceptanceRate": 0.65, "acceptanceBasis": 5}  # 4 of 6: 0.667 and 6, rounded


async def test_referrals_whose_consent_expired_are_withdrawn_by_a_job(api: Api, utrecht: Coalition, flow: Flow, platform: Platform) -> None:
    family = await flow.register()
    consent = await flow.consent(family["id"], days=30)
    referral = await flow.refer(family["id"], consent["id"])
    job = "handvat2_signaleren.expired_consents"
    assert await platform.run_scheduled_jobs(now=utcnow() + dt.timedelta(days=20), names=[job]) == {job: 0}
    assert await platform.run_scheduled_jobs(now=utcnow() + dt.timedelta(days=40), names=[job]) == {job: 1}
    assert await platform.run_scheduled_jobs(now=utcnow() + dt.timedelta(days=41), names=[job]) == {job: 0}
    seen = (await flow.call("vroedvrouw", "query($id: ID!) { referral(id: $id) { state history { transition reason } } }", {"id": referral["id"]})).ok()
    assert seen["referral"]["state"] == "TERUGGETROKKEN"
    assert seen["referral"]["history"][-1] == {"transition": "TERUGTREKKEN", "reason": "De toestemming van de ouder is verlopen."}
    assert [item["transition"] for item in await flow.feedback("vroedvrouw")] == ["TERUGTREKKEN"]
    close = "mutation($id: ID!) { closeFamily(input: {id: $id}) { family { status } } }"
    assert (await flow.call("vroedvrouw", close, {"id": family["id"]})).ok()["closeFamily"]["family"]["status"] == "CLOSED"
