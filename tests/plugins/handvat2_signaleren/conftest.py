"""A coalition for handvat 2's tests: in both gemeenten the module is on, with a midwives'
practice, a debt counsellor and a food bank, and people working there."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from core.platform import Platform
from core.services import coalition as coalition_service
from core.services import modules as module_service
from core.testing import add_member
from tests.conftest import Api, GraphQLResponse, World

KEY = "handvat2_signaleren"


@dataclass
class Coalition:
    """Ids of the partner organisations and e-mail addresses of the people, per gemeente."""

    slug: str
    partners: dict[str, str] = field(default_factory=dict)  # verloskundige, schuldhulp, voedselbank
    members: dict[str, str] = field(default_factory=dict)  # name -> membership id

    def email(self, name: str) -> str:
        return f"{name}@{self.slug}.example"


PEOPLE = (
    # name, role, organisation
    ("vroedvrouw", "professional", "verloskundige"),
    ("schuldhulp", "professional", "schuldhulp"),
    ("schuldhulp-medewerker", "partner_worker", "schuldhulp"),
    ("voedselbank-medewerker", "partner_worker", "voedselbank"),
)


async def build_coalition(platform: Platform, slug: str) -> Coalition:
    built = Coalition(slug)
    async with platform.work_as_system(slug, "test") as work:
        await module_service.enable_module(work, KEY)
        for key, name, domain, kind in (
            ("verloskundige", "Verloskundigenpraktijk De Wieg", "medisch", "verloskundige"),
            ("schuldhulp", "Schuldhulp Samen", "sociaal", "schuldhulpverlening"),
            ("voedselbank", "Voedselbank Centrum", "informeel", "voedselbank"),
        ):
            partner = await coalition_service.create_partner(work, {"name": name, "domain": domain, "type": kind})
            built.partners[key] = str(partner.id)
        await work.commit()
    for name, role, organisation in PEOPLE:
        member = await add_member(platform, slug, built.email(name), [role], partner_id=built.partners[organisation], name=name)
        built.members[name] = str(member.id)
    return built


@dataclass
class Coalitions:
    utrecht: Coalition
    bosch: Coalition


@pytest.fixture
async def coalitions(world: World, platform: Platform) -> Coalitions:
    return Coalitions(await build_coalition(platform, "utrecht"), await build_coalition(platform, "s-hertogenbosch"))


@pytest.fixture
def utrecht(coalitions: Coalitions) -> Coalition:
    return coalitions.utrecht


# -- GraphQL of handvat 2 -------------------------------------------------------------------------

FAMILY_FIELDS = "id localReference initials phase expectedMonth birthMonth wijk registeringOrganisation registeredByMyOrganisation status"
REFERRAL_FIELDS = (
    "id familyId fromOrganisation toOrganisation toContact support state rejectionReason outcome sentAt respondBy "
    "respondedAt startedAt completedAt allowedTransitions history { transition fromState toState reason }"
)
REGISTER = f"mutation($i: RegisterFamilyInput!) {{ registerFamily(input: $i) {{ family {{ {FAMILY_FIELDS} }} }} }}"
SIGNAL = """mutation($i: RecordSignalInput!) { recordSignal(input: $i) {
  suggestedClassification guides { key guide { intro questions } }
  signal { id worries riskFactors protectiveFactors classification suggestedClassification classificationReason organisation } } }"""
CONSENT = "mutation($i: RecordConsentInput!) { recordConsent(input: $i) { consent { id purpose organisations method givenOn validUntil revokedAt valid } } }"
REVOKE = "mutation($i: RevokeConsentInput!) { revokeConsent(input: $i) { consent { id revokedAt valid } } }"
REFER = f"mutation($i: CreateReferralInput!) {{ createReferral(input: $i) {{ referral {{ {REFERRAL_FIELDS} }} }} }}"
MOVE = f"mutation($i: MoveReferralInput!) {{ moveReferral(input: $i) {{ referral {{ {REFERRAL_FIELDS} }} }} }}"
FAMILY = f"""query($id: ID!) {{ family(id: $id) {{ {FAMILY_FIELDS}
  signals {{ classification }} consents {{ id valid }} referrals {{ id state }} supportPlan {{ id domain status regelingId }} }} }}"""
FAMILIES = f"{{ families {{ nodes {{ {FAMILY_FIELDS} }} }} }}"
FEEDBACK = "query($u: Boolean!) { referralFeedback(unreadOnly: $u) { totalCount nodes { id referralId transition message readAt } } }"


def next_month() -> str:
    today = dt.date.today()
    index = today.year * 12 + today.month  # the month after this one, zero-based
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


class Flow:
    """The steps of a professional's work, through GraphQL, as the people of one coalition."""

    def __init__(self, api: Api, coalition: Coalition) -> None:
        self.api, self.coalition = api, coalition

    async def call(self, who: str, query: str, variables: dict[str, Any] | None = None) -> GraphQLResponse:
        email = who if "@" in who else self.coalition.email(who)
        return await self.api.gql(self.coalition.slug, query, variables, user=email)

    async def register(self, reference: str = "VK-2026-001", who: str = "vroedvrouw", **extra: Any) -> dict[str, Any]:
        data = {"localReference": reference, "phase": "ZWANGER", "expectedMonth": next_month(), **extra}
        return (await self.call(who, REGISTER, {"i": data})).ok()["registerFamily"]["family"]

    async def signal(self, family_id: str, who: str = "vroedvrouw", **extra: Any) -> dict[str, Any]:
        data = {"familyId": family_id, "worries": ["GELDZORGEN"], "riskFactors": ["financiele_problemen"], "classification": "C", **extra}
        return (await self.call(who, SIGNAL, {"i": data})).ok()["recordSignal"]

    async def consent(self, family_id: str, to: str = "schuldhulp", who: str = "vroedvrouw", days: int = 180) -> dict[str, Any]:
        today = dt.date.today()
        data = {
            "familyId": family_id,
            "purpose": "Doorverwijzen voor schuldhulp en terugkoppeling",
            "partnerIds": [self.coalition.partners[to]],
            "method": "MONDELING",
            "givenOn": today.isoformat(),
            "validUntil": (today + dt.timedelta(days=days)).isoformat(),
        }
        return (await self.call(who, CONSENT, {"i": data})).ok()["recordConsent"]["consent"]

    def referral_input(self, family_id: str, consent_id: str, to: str = "schuldhulp", **extra: Any) -> dict[str, Any]:
        return {"familyId": family_id, "consentId": consent_id, "toPartnerId": self.coalition.partners[to], "support": ["SCHULDHULP"], **extra}

    async def refer(self, family_id: str, consent_id: str, to: str = "schuldhulp", *, send: bool = True, **extra: Any) -> dict[str, Any]:
        data = self.referral_input(family_id, consent_id, to, send=send, **extra)
        return (await self.call("vroedvrouw", REFER, {"i": data})).ok()["createReferral"]["referral"]

    async def move(self, referral_id: str, transition: str, who: str = "schuldhulp", **extra: Any) -> GraphQLResponse:
        """A step by its workflow name (`accepteren`), sent as the enum's member (`ACCEPTEREN`)."""
        return await self.call(who, MOVE, {"i": {"id": referral_id, "transition": str(transition).upper(), **extra}})

    async def feedback(self, who: str, unread_only: bool = False) -> list[dict[str, Any]]:
        """The person's feedback (one page: the newest 100)."""
        return (await self.call(who, FEEDBACK, {"u": unread_only})).ok()["referralFeedback"]["nodes"]

    async def referred_family(self) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        """A family with a signal and consent, referred (sent) to the debt counsellor."""
        family = await self.register()
        await self.signal(family["id"])
        consent = await self.consent(family["id"])
        referral = await self.refer(family["id"], consent["id"], toContactId=self.coalition.members["schuldhulp"])
        return family, consent, referral


@pytest.fixture
def flow(api: Api, utrecht: Coalition) -> Flow:
    return Flow(api, utrecht)
