"""The per-wijk monitoring view of a gemeente (handvat 1's `wijkMonitoring`) costs little
more than the GROUP BY behind it.

One gemeente with 12 wijken, a KWB table of its wijken and, bulk-inserted, 10^5 signals of
25 000 families this year (spread over the wijken, some without a wijk) and 5 000 referrals
in several states. Per database (SQLite, and PostgreSQL when reachable), from one run (these
machines are noisy: compare the ratio, not raw numbers):

1. the baseline: the same aggregates as plain SQL `GROUP BY` statements with
   `COUNT(DISTINCT family_id)` (signals per wijk with distinct families, new families per
   wijk, referrals sent / accepted / completed with distinct families per wijk of the
   family) on a connection of the engine, past the ORM, as a hand-written report would
   run them;
2. the `wijkMonitoring` request through the ASGI app (token check, the hooks of handvat 2
   and 3, the CBS figures, small-cell suppression, the GraphQL answer);

interleaved (one of each in turn, the order alternating per round), the median latency of
each and the ratio baseline / request, i.e. the request's throughput as a fraction of the
raw GROUP BY's (target >= 0.8 on PostgreSQL).

    uv run python benchmarks/monitoring_view.py [--rounds 10] [--per-round 5] [--signals 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import and_, case, distinct, func, insert, or_, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.platform import Platform  # noqa: E402
from core.services import coalition as coalition_service  # noqa: E402
from core.db import TENANT_SETTING  # noqa: E402
from core.testing import TEST_SECRET, fresh_database, make_world, migrate_platform, owner_engine, postgres_unavailable_reason, settings_for_database  # noqa: E402
from gateway.app import create_app  # noqa: E402
from gateway.logging import configure_logging  # noqa: E402
from plugins.handvat1_zicht.services import cbs  # noqa: E402
from plugins.handvat2_signaleren.models import Consent, Family, Referral, Signal  # noqa: E402
from tests.plugins.handvat1_zicht import kwbfiles  # noqa: E402  (a KWB file of the gemeente's wijken)

WIJKEN = 12
FAMILIES_PER_SIGNAL = 4  # 10^5 signals of 25 000 families
REFERRALS = 5_000
QUERY = """query($y: Int!) { wijkMonitoring(year: $y) { year cbsYear threshold availableSources
  platformFigures { key perBirths perWijk }
  rows { regionCode regionType cbs { indicator value status } platform { figure count suppressed ratePer100Births } } } }"""
YEAR = dt.date.today().year


def moment(rng: random.Random) -> dt.datetime:
    return dt.datetime(YEAR, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=rng.randrange(0, 330 * 86400))


async def seed(platform: Platform, tenant_id: uuid.UUID, slug: str, partner: uuid.UUID, member: uuid.UUID, signals: int, directory: Path) -> None:
    """The wijken, their KWB figures, and the signals, families and referrals in bulk."""
    path = kwbfiles.write(directory, "85984NED.json", kwbfiles.odata("85984NED", wijken=WIJKEN))
    async with platform.work_as_platform("benchmark") as work:
        await cbs.import_file(work, path)
        await work.commit()
    rng = random.Random(2024)
    async with platform.work_as_system(slug, "benchmark") as work:
        wijken = [await coalition_service.create_wijk(work, {"code": f"WK0344{index:02d}", "name": f"Wijk {index:02d}"}) for index in range(1, WIJKEN + 1)]
        await work.commit()
    # Unequal wijken, as real ones are; one family in twenty without a wijk.
    weights = [index * index for index in range(1, WIJKEN + 1)]
    families = []
    for _ in range(signals // FAMILIES_PER_SIGNAL):
        wijk = rng.choices(wijken, weights)[0].id if rng.random() > 0.05 else None
        families.append({"tenant_id": tenant_id, "id": uuid.uuid4(), "local_reference": None, "phase": "kind_0_2", "wijk_id": wijk,
                         "registering_partner_id": partner, "registered_by": member, "status": "open", "created_at": moment(rng),
                         "updated_at": moment(rng)})  # fmt: skip
    signal_rows = [
        {"tenant_id": tenant_id, "id": uuid.uuid4(), "family_id": family["id"], "worries": ["geldzorgen"], "risk_factors": [], "protective_factors": [],
         "suggested_classification": "A", "classification": "A", "wijk_id": family["wijk_id"], "partner_id": partner, "recorded_by": member,
         "recorded_at": moment(rng)}
        for family in families for _ in range(FAMILIES_PER_SIGNAL)
    ]  # fmt: skip
    consents, referrals = [], []
    states = [("verstuurd", None), ("geaccepteerd", None), ("afgewezen", None), ("afgerond", "geholpen"), ("afgerond", "niet_geholpen")]
    for family in rng.sample(families, REFERRALS):
        consent = {"tenant_id": tenant_id, "id": uuid.uuid4(), "family_id": family["id"], "purpose": "Doorverwijzen", "partner_ids": [str(partner)],
                   "method": "mondeling", "given_on": dt.date(YEAR, 1, 1), "valid_until": dt.date(YEAR + 1, 1, 1), "recorded_by": member,
                   "recorded_at": moment(rng)}  # fmt: skip
        consents.append(consent)
        state, outcome = rng.choice(states)
        sent = moment(rng)
        responded = sent + dt.timedelta(days=2) if state != "verstuurd" else None
        referrals.append({"tenant_id": tenant_id, "id": uuid.uuid4(), "family_id": family["id"], "consent_id": consent["id"], "from_partner_id": partner,
                          "referred_by": member, "to_partner_id": partner, "support": ["schuldhulp"], "state": state, "outcome": outcome,
                          "created_at": sent, "sent_at": sent, "responded_at": responded,
                          "completed_at": sent + dt.timedelta(days=20) if state == "afgerond" else None, "updated_at": sent})  # fmt: skip
    async with platform.work_as_system(slug, "benchmark") as work:
        for model, rows in ((Family, families), (Signal, signal_rows), (Consent, consents), (Referral, referrals)):
            for start in range(0, len(rows), 5_000):
                await work.session.execute(insert(model.__table__), rows[start : start + 5_000])
        await work.commit()
    # The statistics autovacuum would gather soon after such a load (without them PostgreSQL
    # plans for a table of a few rows).
    async with owner_engine(platform).connect() as connection:
        await connection.execute(text("ANALYZE"))
        await connection.commit()


def baseline_statements(tenant_id: uuid.UUID) -> list[Any]:
    """The aggregates of the view as plain GROUP BY statements on the tables."""
    signals, families, referrals = Signal.__table__.c, Family.__table__.c, Referral.__table__.c
    begin, after = dt.datetime(YEAR, 1, 1, tzinfo=dt.UTC), dt.datetime(YEAR + 1, 1, 1, tzinfo=dt.UTC)

    def within(column: Any) -> Any:
        return and_(column >= begin, column < after)

    sent = within(referrals.sent_at)
    accepted = and_(within(referrals.responded_at), referrals.state != "afgewezen")
    helped = and_(within(referrals.completed_at), referrals.outcome.in_(("geholpen", "deels_geholpen", "elders_geholpen")))
    columns = [column for condition in (sent, accepted, helped) for column in (func.sum(case((condition, 1), else_=0)), func.count(distinct(case((condition, referrals.family_id)))))]
    return [
        select(signals.wijk_id, func.count(), func.count(distinct(signals.family_id)))
        .where(signals.tenant_id == tenant_id, within(signals.recorded_at))
        .group_by(signals.wijk_id),
        select(families.wijk_id, func.count()).where(families.tenant_id == tenant_id, within(families.created_at)).group_by(families.wijk_id),
        select(families.wijk_id, *columns)
        .join(Family.__table__, and_(families.id == referrals.family_id, families.tenant_id == referrals.tenant_id))
        .where(referrals.tenant_id == tenant_id, or_(sent, accepted, helped))
        .group_by(families.wijk_id),
    ]


async def run_baseline(platform: Platform, tenant_id: uuid.UUID, statements: list[Any]) -> float:
    """The statements on a connection of the platform's engine, past the ORM; on PostgreSQL
    with the tenant setting its row-level security needs (as a request's transaction has)."""
    started = time.perf_counter()
    async with platform.engine.connect() as connection, connection.begin():
        if connection.dialect.name == "postgresql":
            await connection.execute(text(f"SELECT set_config('{TENANT_SETTING}', :tenant, true)"), {"tenant": str(tenant_id)})
        for statement in statements:
            (await connection.execute(statement)).all()
    return (time.perf_counter() - started) * 1000


async def run_request(client: httpx.AsyncClient, token: str) -> float:
    started = time.perf_counter()
    response = await client.post("/t/utrecht/graphql", json={"query": QUERY, "variables": {"y": YEAR}}, headers={"Authorization": f"Bearer {token}"})
    elapsed = (time.perf_counter() - started) * 1000
    body = response.json()
    assert response.status_code == 200 and not body.get("errors"), body
    return elapsed


async def measure(backend: str, rounds: int, per_round: int, signals: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        database = await fresh_database(backend, Path(directory))
        settings = settings_for_database(database, log_level="ERROR", secret_key=TEST_SECRET)
        configure_logging(settings)
        platform = Platform.create(settings)
        try:
            await migrate_platform(platform)
            await platform.start()
            world = await make_world(platform, "GM0344", modules=["handvat1_zicht", "handvat2_signaleren", "handvat3_toegang"])
            started = time.perf_counter()
            await seed(platform, world.tenant.id, world.slug, uuid.UUID(world.partners["verloskundige"]), uuid.UUID(world.members["professional"]), signals, Path(directory))
            print(f"{backend}: seeded {signals} signals, {signals // FAMILIES_PER_SIGNAL} families, {REFERRALS} referrals over {WIJKEN} wijken in {time.perf_counter() - started:.1f} s")
            app = create_app(platform=platform)
            statements = baseline_statements(world.tenant.id)
            token = world.token("analyst")
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=120) as client:
                for _ in range(3):  # warm up both (caches, the database's buffers)
                    await run_request(client, token)
                    await run_baseline(platform, world.tenant.id, statements)
                latencies: dict[str, list[float]] = {"baseline": [], "request": []}
                ratios = []
                for number in range(rounds):
                    this_round: dict[str, list[float]] = {"baseline": [], "request": []}
                    for _ in range(per_round):
                        pair = [("baseline", run_baseline(platform, world.tenant.id, statements)), ("request", run_request(client, token))]
                        for name, call in pair if number % 2 == 0 else reversed(pair):
                            this_round[name].append(await call)
                    ratios.append(statistics.median(this_round["baseline"]) / statistics.median(this_round["request"]))
                    for name in latencies:
                        latencies[name] += this_round[name]
            baseline, request = statistics.median(latencies["baseline"]), statistics.median(latencies["request"])
            print(f"  raw GROUP BY (3 statements):  median {baseline:.1f} ms = {1000 / baseline:.1f} /s")
            print(f"  wijkMonitoring request:       median {request:.1f} ms = {1000 / request:.1f} /s")
            print(f"  ratio request / raw throughput: {baseline / request:.2f}  (rounds: {', '.join(f'{ratio:.2f}' for ratio in ratios)}; target >= 0.8)\n")
        finally:
            await platform.dispose()
            await database.drop()


async def main(rounds: int, per_round: int, signals: int, backends: list[str]) -> None:
    for backend in backends:
        if backend == "postgresql":
            reason = await postgres_unavailable_reason()
            if reason is not None:
                print(f"postgresql: skipped ({reason})")
                continue
        await measure(backend, rounds, per_round, signals)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds")
    parser.add_argument("--per-round", type=int, default=5, help="requests (and baseline runs) per round")
    parser.add_argument("--signals", type=int, default=100_000, help="signals in the gemeente this year")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append", help="only this database (repeatable; default both)")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rounds, arguments.per_round, arguments.signals, arguments.backend or ["sqlite", "postgresql"]))
