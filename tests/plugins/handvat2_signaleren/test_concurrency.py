"""Many hands at once: concurrent mutations of one gemeente all succeed without deadlocks,
a request that waits too long for a row answers BUSY with nothing written, a connection
killed in the middle of a mutation leaves nothing half-written, and the processing log's
chain is intact afterwards."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from core.db import begin_write
from core.models import WorkflowHistory
from core.platform import Platform
from core.processing import ProcessingRecord, verify_chain
from core.tenancy import TenantContext, tenant_context
from core.testing import FreshDatabase, owner_engine, settings_for_database
from gateway.app import create_app
from plugins.handvat2_signaleren.models import Referral
from tests.conftest import Api, World
from tests.plugins.handvat2_signaleren.conftest import MOVE, Coalition, Flow

ADMIN = World.email("coalition_admin", "utrecht")
CREATE_PARTNER = "mutation($i: CreatePartnerInput!) { createPartner(input: $i) { partner { id } } }"


async def deadlocks(platform: Platform) -> int:
    """Deadlocks PostgreSQL detected in this database so far (0 on SQLite, which has none)."""
    if platform.engine.dialect.name != "postgresql":
        return 0
    async with owner_engine(platform).connect() as connection:
        await connection.execute(text("SELECT pg_stat_force_next_flush()"))
        await connection.execute(text("SELECT pg_stat_clear_snapshot()"))
        return (await connection.execute(text("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"))).scalar_one()


async def sent_referrals(flow: Flow, count: int) -> list[dict[str, Any]]:
    """`count` families, each with a signal, consent and a referral sent to the debt counsellor."""
    referrals = []
    for number in range(count):
        family = await flow.register(reference=f"VK-{number:03d}")
        consent = await flow.consent(family["id"])
        referrals.append(await flow.refer(family["id"], consent["id"]))
    return referrals


async def test_sixteen_concurrent_mutations_of_one_gemeente_all_succeed(api: Api, flow: Flow, utrecht: Coalition, platform: Platform, world: World) -> None:
    referrals = await sent_referrals(flow, 6)
    families = [(await flow.register(reference=f"SIG-{number:03d}"))["id"] for number in range(2)]
    await api.token("utrecht", ADMIN)  # logged in before, as people are
    before = await deadlocks(platform)

    def signal(family_id: str) -> Any:
        variables = {"i": {"familyId": family_id, "worries": ["GELDZORGEN"], "riskFactors": ["financiele_problemen"], "classification": "C"}}
        return flow.call("vroedvrouw", "mutation($i: RecordSignalInput!) { recordSignal(input: $i) { signal { id } } }", variables)

    calls = [signal(families[number % 2]) for number in range(6)]
    calls += [flow.move(referral["id"], "accepteren") for referral in referrals]
    calls += [
        api.gql("utrecht", CREATE_PARTNER, {"i": {"name": f"Buurtteam {number}", "domain": "SOCIAAL", "type": "WIJKTEAM"}}, user=ADMIN)
        for number in range(4)
    ]
    assert len(calls) >= 16
    responses = await asyncio.gather(*calls)
    assert [(response.status, response.codes) for response in responses] == [(200, [])] * len(calls)

    assert await deadlocks(platform) == before
    assert {referral["state"] for referral in (await flow.call("schuldhulp", "{ referrals { nodes { state } } }")).ok()["referrals"]["nodes"]} == {"GEACCEPTEERD"}
    # Every record of that load is in the chain, and the chain holds.
    await platform.seal_processing_logs([world.utrecht.id])
    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:
        report = await verify_chain(session, platform.settings.secret_key.get_secret_value())
    assert report.intact and report.unsealed == 0 and report.records > len(calls)


@asynccontextmanager
async def impatient_api(database: FreshDatabase, **settings: Any) -> AsyncIterator[tuple[Api, Platform]]:
    """An API of its own platform on the same database, waiting at most a second for a lock."""
    platform = Platform.create(settings_for_database(database, **{"db_lock_timeout": 1, **settings}), discover=True)
    app = create_app(platform=platform)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            yield Api(client, platform), platform
    finally:
        await platform.dispose()


@asynccontextmanager
async def holding(platform: Platform, tenant_id: uuid.UUID, referral_id: str) -> AsyncIterator[Any]:
    """Another transaction holding the referral's row (on SQLite: the database's write lock)."""
    with tenant_context(tenant_id):
        async with platform.session() as session:
            await begin_write(session)
            await session.execute(select(Referral).where(Referral.id == uuid.UUID(referral_id)).with_for_update())
            try:
                yield session
            finally:
                await session.rollback()


async def history_rows(platform: Platform, tenant_id: uuid.UUID) -> int:
    async with platform.session(TenantContext(tenant_id=tenant_id)) as session:
        return (await session.execute(select(func.count()).select_from(WorkflowHistory))).scalar_one()


async def test_a_request_waiting_for_a_held_row_answers_busy_within_the_lock_timeout(
    flow: Flow, utrecht: Coalition, platform: Platform, database: FreshDatabase, world: World
) -> None:
    (referral,) = await sent_referrals(flow, 1)
    history = await history_rows(platform, world.utrecht.id)
    async with impatient_api(database) as (impatient, _):
        waiting = Flow(impatient, utrecht)
        await impatient.token(utrecht.slug, utrecht.email("schuldhulp"))  # logged in before the wait
        async with holding(platform, world.utrecht.id, referral["id"]):
            started = time.monotonic()
            response = await waiting.move(referral["id"], "accepteren")
            waited = time.monotonic() - started
        assert response.codes == ["BUSY"], response.body
        assert response.headers.get("Retry-After") and "opnieuw" in response.errors[0]["message"]
        assert waited < 1 + 2.5  # the lock timeout, not the other transaction's length
        # Nothing was written: the referral is as it was, and no history row.
        assert (await flow.move(referral["id"], "accepteren")).ok()["moveReferral"]["referral"]["state"] == "GEACCEPTEERD"
    assert await history_rows(platform, world.utrecht.id) == history + 1
    await platform.seal_processing_logs([world.utrecht.id])
    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:
        statuses = list((await session.execute(select(ProcessingRecord.status).where(ProcessingRecord.operation == "referral.accepteren"))).scalars())
    assert statuses == ["ok"]  # the attempt that waited processed nothing: it failed on its first write


async def test_a_connection_killed_during_a_mutation_leaves_nothing_half_written(
    flow: Flow, utrecht: Coalition, platform: Platform, database: FreshDatabase, world: World, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("killing one connection of the server is PostgreSQL's")
    (referral,) = await sent_referrals(flow, 1)
    history = await history_rows(platform, world.utrecht.id)
    async with impatient_api(database, db_lock_timeout=30) as (victim_api, victim):
        victims = Flow(victim_api, utrecht)
        await victim_api.token(utrecht.slug, utrecht.email("schuldhulp"))
        async with holding(platform, world.utrecht.id, referral["id"]):
            pending = asyncio.create_task(victims.move(referral["id"], "accepteren"))
            role = victim.engine.url.username
            async with owner_engine(platform).connect() as connection:
                for _ in range(100):  # until the mutation waits for the row, then kill its connection
                    killed = (
                        await connection.execute(
                            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :role AND wait_event_type = 'Lock'"),
                            {"role": role},
                        )
                    ).scalars().all()
                    if killed:
                        break
                    await asyncio.sleep(0.05)
            assert killed == [True]
            response = await pending
        assert response.status == 200 and response.codes == ["DATABASE_UNAVAILABLE"], response.body
        # The same server keeps serving, and the mutation can simply be sent again.
        assert (await victims.move(referral["id"], "accepteren")).ok()["moveReferral"]["referral"]["state"] == "GEACCEPTEERD"
    assert await history_rows(platform, world.utrecht.id) == history + 1
