"""The fixtures come from the platform's test kit (`-p core.testing` in pyproject.toml); the
module is found through its entry point, since it is installed in the test environment.

Three gemeenten with handvat 2 and this module on, each with the foundation as a partner
organisation; Joke, a volunteer of the foundation, is a member in Utrecht and
's-Hertogenbosch (the same person), not in Amsterdam."""

from __future__ import annotations

import datetime as dt
import email
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from core.testing import DEFAULT_MEMBERS, DEFAULT_PARTNERS, Api, World, add_member, configure_module, make_world, ok

KEY = "babyspullen"
HANDVAT2 = "handvat2_signaleren"
VOLUNTEER = "joke@stichtingbabyspullen.example"
FOUNDATION_MAIL = "hulp@stichtingbabyspullen.example"
PARTNERS = {
    **DEFAULT_PARTNERS,
    "stichting": {"name": "Stichting Babyspullen", "type": "overig", "domain": "informeel", "email": FOUNDATION_MAIL},
}
MEMBERS = {**DEFAULT_MEMBERS, "vrijwilliger": (("partner_worker",), "stichting")}

REGISTER = "mutation($i: RegisterFamilyInput!) { registerFamily(input: $i) { family { id } } }"
CONSENT = "mutation($i: RecordConsentInput!) { recordConsent(input: $i) { consent { id } } }"
REQUEST_FIELDS = (
    "id state familyId requestedByMyOrganisation forMyOrganisation dueDate childAgeMonths clothingSize diaperSize "
    "items { key label } handover pickupPoint deliveryAddress closedAt feedback { step state message reason }"
)
REQUEST = f"mutation($i: RequestStarterPackageInput!) {{ requestStarterPackage(input: $i) {{ request {{ {REQUEST_FIELDS} }} }} }}"
MOVE = f"mutation($i: MoveStarterPackageRequestInput!) {{ moveStarterPackageRequest(input: $i) {{ request {{ {REQUEST_FIELDS} }} }} }}"
REQUESTS = f"{{ starterPackageRequests {{ totalCount edges {{ node {{ {REQUEST_FIELDS} }} }} }} }}"
INBOX = f"{{ starterPackageInbox {{ slug name truncated problem requests {{ {REQUEST_FIELDS} }} }} }}"


@pytest.fixture(scope="session")
def mail_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mail")


@pytest.fixture(scope="session")
def kansrijk_test_settings(mail_dir: Path) -> dict[str, Any]:
    """Mail goes to files (the step links arrive there), as with KANSRIJK_MAIL_SENDER=file."""
    return {"mail_sender": "file", "mail_dir": str(mail_dir)}


@dataclass
class Coalitions:
    utrecht: World
    den_bosch: World
    amsterdam: World


async def gemeente(platform: Any, code: str) -> World:
    world = await make_world(platform, code, modules=[HANDVAT2, KEY], partners=PARTNERS, members=MEMBERS)
    await configure_module(platform, world.slug, KEY, {"foundation_partner_id": world.partners["stichting"]})
    return world


@pytest.fixture
async def coalitions(platform: Any) -> Coalitions:
    found = Coalitions(await gemeente(platform, "GM0344"), await gemeente(platform, "GM0796"), await gemeente(platform, "GM0363"))
    for world in (found.utrecht, found.den_bosch):
        await add_member(platform, world.slug, VOLUNTEER, ["partner_worker"], partner_id=world.partners["stichting"], name="Joke")
    return found


_references = itertools.count(1)


async def family_with_consent(api: Api, world: World, *, to: str = "stichting", who: str = "professional") -> str:
    """A family registered by `who`, whose parent consented to sharing with partner `to`."""
    month = (dt.date.today() + dt.timedelta(days=60)).strftime("%Y-%m")
    family = ok(await api.gql(world.slug, REGISTER, {"i": {"localReference": f"VK-{next(_references)}", "phase": "ZWANGER", "expectedMonth": month}}, user=world.email(who)))
    family_id = family["registerFamily"]["family"]["id"]
    today = dt.date.today()
    consent = {
        "familyId": family_id,
        "purpose": "Een startpakket aanvragen bij de stichting",
        "partnerIds": [world.partners[to]],
        "method": "MONDELING",
        "givenOn": today.isoformat(),
        "validUntil": (today + dt.timedelta(days=180)).isoformat(),
    }
    ok(await api.gql(world.slug, CONSENT, {"i": consent}, user=world.email(who)))
    return family_id


def package(family_id: str, **extra: Any) -> dict[str, Any]:
    """A request input: due in two months, clothes and a pram, picked up."""
    return {
        "familyId": family_id,
        "dueDate": (dt.date.today() + dt.timedelta(days=60)).isoformat(),
        "clothingSize": "56",
        "diaperSize": "1",
        "items": ["kleding", "luiers", "kinderwagen"],
        "handover": "OPHALEN",
        "pickupPoint": "Uitgiftepunt van de stichting",
        **extra,
    }


async def request_package(api: Api, world: World, family_id: str | None = None, **extra: Any) -> dict[str, Any]:
    family_id = family_id or await family_with_consent(api, world)
    answer = await api.gql(world.slug, REQUEST, {"i": package(family_id, **extra)}, user=world.email("professional"))
    return ok(answer)["requestStarterPackage"]["request"]


async def move(api: Api, world: World, request_id: str, transition: str, *, who: str = "vrijwilliger", reason: str | None = None) -> Any:
    data = {"id": request_id, "transition": transition, **({"reason": reason} if reason is not None else {})}
    return await api.gql(world.slug, MOVE, {"i": data}, user=who if "@" in who else world.email(who))


def mailed_links(mail_dir: Path, to: str) -> list[str]:
    """The step links mailed to `to`, oldest first."""
    links = []
    for path in sorted(mail_dir.glob("*.eml"), key=lambda path: path.stat().st_mtime_ns):
        message = email.message_from_bytes(path.read_bytes())
        if message["To"] == to:
            body = message.get_payload(decode=True).decode()
            links += [line.strip() for line in body.splitlines() if "/step-link?link=" in line]
    return links
