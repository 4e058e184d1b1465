"""Searching the practice library (handvat 4's `practiceLibrary`) costs little more than the
bare full-text query behind it.

Five gemeenten with handvat 4 on, 1 000 published examples each written directly (as
publishing leaves them: an example, its current published version with its search text, a
few adoptions), so 5 000 published examples of realistic length, a quarter of them about
verloskundigen. On PostgreSQL (the target of this benchmark; skipped when unreachable),
from one run (these machines are noisy: compare the ratio, not raw numbers):

1. the baseline: the bare full-text query returning the same page, on a connection of the
   engine past the ORM (with the tenant setting its row-level security needs): the ranked
   page of 20 (`ts_rank` on the stored vector, `@@ plainto_tsquery('dutch', …)`) with the
   fields the request shows;
2. the `practiceLibrary(search: …, first: 20)` request through the ASGI app as a member of
   another gemeente (token check, the count for `totalCount`, the page, the adoptions of
   the page's examples, the GraphQL answer);

interleaved (one of each in turn, the order alternating per round), the median latency of
each and the ratio baseline / request, i.e. the request's throughput as a fraction of the
bare query's (target >= 0.6), with the spread of the per-round ratios. It also says whether
the page's plan uses the GIN index `fts_leren_practice_versions`: for the app role it does
not (row-level security evaluates the shared-read policy before the not-leakproof `@@`), so
both queries match the stored vectors (`fts_vector`) of the readable rows.

    uv run python benchmarks/library_search.py [--rounds 10] [--per-round 5] [--examples 5000] [--search verloskundige]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.db import TENANT_SETTING  # noqa: E402
from core.platform import Platform  # noqa: E402
from core.plugin import utcnow  # noqa: E402
from core.testing import TEST_SECRET, fresh_database, make_world, migrate_platform, owner_engine, postgres_unavailable_reason, settings_for_database  # noqa: E402
from gateway.app import create_app  # noqa: E402
from gateway.logging import configure_logging  # noqa: E402
from plugins.handvat4_leren.domain import GemeenteSize, TargetGroup, Theme  # noqa: E402
from plugins.handvat4_leren.models import Adoption, PracticeExample, PracticeVersion  # noqa: E402
from plugins.handvat4_leren.services.library import index_text  # noqa: E402

GEMEENTEN = ("GM0344", "GM0796", "GM0855", "GM0363", "GM0193")
PAGE_SIZE = 20
MEMBERS = {"analyst": (("analyst",), None)}
QUERY = """query($s: String!, $n: Int!) { practiceLibrary(search: $s, first: $n) { totalCount edges { node {
  id gemeenteName currentVersion { title problem themes targetGroups gemeenteSize } adoptionCount } } } }"""
#: The bare query: the same page, ranked as the service ranks it, with the fields the request shows.
VECTOR = "v.fts_vector"  # the stored dutch vector of title and text (migration leren_0001)
BARE = f"""SELECT v.id, v.example_id, e.gemeente_name, v.title, v.problem, v.themes, v.target_groups, v.gemeente_size
FROM leren_practice_versions v JOIN leren_practice_examples e ON e.id = v.example_id
WHERE v.current AND v.published AND ({VECTOR}) @@ plainto_tsquery('dutch', :search)
ORDER BY ts_rank({VECTOR}, plainto_tsquery('dutch', :search)) DESC, v.published_at DESC, v.id DESC
LIMIT {PAGE_SIZE}"""

#: Sentences the examples are made of; one in four examples is about verloskundigen.
SUBJECTS = ("Het wijkteam", "De jeugdgezondheidszorg", "De schuldhulpverlening", "Het consultatiebureau", "De kraamzorg", "De huisarts",
            "Het maatschappelijk werk", "De bibliotheek", "De voedselbank", "De gemeente")  # fmt: skip
VERBS = ("vraagt naar", "bespreekt", "helpt bij", "verwijst warm door bij", "organiseert een avond over", "signaleert")
TOPICS = ("geldzorgen", "rondkomen", "toeslagen", "de bijzondere bijstand", "schulden", "stress", "babyspullen", "het kindgebonden budget",
          "de energierekening", "huisvesting", "taal", "de zorgverzekering")  # fmt: skip
MIDWIVES = ("De verloskundigen stellen bij de intake een vaste vraag over rondkomen.", "Samen met de verloskundige bellen we de ouders na.")


def sentences(rng: random.Random, count: int) -> str:
    return " ".join(f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(TOPICS)} met {rng.choice(TOPICS)}." for _ in range(count))


def example_rows(rng: random.Random, gemeente: str, number: int) -> tuple[PracticeExample, PracticeVersion]:
    now = utcnow()
    midwives = rng.random() < 0.25
    example = PracticeExample(id=uuid.uuid4(), state="gepubliceerd", gemeente_name=gemeente, created_by="benchmark", published=True, published_at=now)
    version = PracticeVersion(
        id=uuid.uuid4(), example_id=example.id, number=1, state="gepubliceerd", current=True, published=True, published_at=now, written_by="benchmark",
        title=f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(TOPICS)} ({number})",
        problem=sentences(rng, 3), target_group=sentences(rng, 1),
        approach=(rng.choice(MIDWIVES) + " " if midwives else "") + sentences(rng, 5),
        partners_involved=sentences(rng, 1), experts_role=sentences(rng, 2), results=sentences(rng, 3), what_worked=sentences(rng, 2),
        what_did_not_work=sentences(rng, 2), preconditions=sentences(rng, 2), costs=sentences(rng, 1),
        themes=rng.sample([str(theme) for theme in Theme], 2), target_groups=rng.sample([str(group) for group in TargetGroup], 2),
        gemeente_size=str(rng.choice(list(GemeenteSize))),
        interventions=[{"database": "nji", "name": "VoorZorg", "url": None, "erkenningsniveau": "effectief_eerste_aanwijzingen"}] if midwives else [],
    )  # fmt: skip
    index_text(version)
    example.current_version_id = version.id
    return example, version


async def seed(platform: Platform, worlds: list[Any], per_gemeente: int) -> None:
    """The examples of each gemeente, written as that gemeente (the shared shape's owner),
    and some adoptions by the others."""
    rng = random.Random(2026)
    ids: list[uuid.UUID] = []
    for world in worlds:
        async with platform.work_as_system(world.slug, "benchmark") as work:
            for start in range(0, per_gemeente, 500):
                for number in range(start, min(start + 500, per_gemeente)):
                    example, version = example_rows(rng, world.tenant.name, number)
                    work.session.add_all([example, version])
                    ids.append(example.id)
                await work.session.flush()
            await work.commit()
    for world in worlds:
        async with platform.work_as_system(world.slug, "benchmark") as work:
            for example_id in rng.sample(ids, len(ids) // 10):
                work.session.add(Adoption(example_id=example_id, version_number=1, gemeente_name=world.tenant.name, adopted_by="benchmark", published=True))
            await work.commit()
    async with owner_engine(platform).connect() as connection:  # the statistics autovacuum would gather soon after such a load
        await connection.execute(text("ANALYZE"))
        await connection.commit()


async def run_baseline(platform: Platform, tenant_id: uuid.UUID, search: str) -> float:
    started = time.perf_counter()
    async with platform.engine.connect() as connection, connection.begin():
        await connection.execute(text(f"SELECT set_config('{TENANT_SETTING}', :tenant, true)"), {"tenant": str(tenant_id)})
        rows = (await connection.execute(text(BARE), {"search": search})).all()
    elapsed = (time.perf_counter() - started) * 1000
    assert len(rows) == PAGE_SIZE, len(rows)
    return elapsed


async def run_request(client: httpx.AsyncClient, slug: str, token: str, search: str) -> float:
    started = time.perf_counter()
    response = await client.post(f"/t/{slug}/graphql", json={"query": QUERY, "variables": {"s": search, "n": PAGE_SIZE}}, headers={"Authorization": f"Bearer {token}"})
    elapsed = (time.perf_counter() - started) * 1000
    body = response.json()
    assert response.status_code == 200 and not body.get("errors"), body
    assert len(body["data"]["practiceLibrary"]["edges"]) == PAGE_SIZE
    return elapsed


async def same_page(platform: Platform, client: httpx.AsyncClient, world: Any, token: str, search: str) -> tuple[int, str]:
    """The request answers the baseline's page (the same examples, in the same order); the
    number of matches and the plan of the page's query."""
    response = await client.post(f"/t/{world.slug}/graphql", json={"query": QUERY, "variables": {"s": search, "n": PAGE_SIZE}}, headers={"Authorization": f"Bearer {token}"})
    answer = response.json()["data"]["practiceLibrary"]
    async with platform.engine.connect() as connection, connection.begin():
        await connection.execute(text(f"SELECT set_config('{TENANT_SETTING}', :tenant, true)"), {"tenant": str(world.tenant.id)})
        bare = [str(row.example_id) for row in (await connection.execute(text(BARE), {"search": search})).all()]
        plan = "\n".join(row[0] for row in (await connection.execute(text(f"EXPLAIN {BARE}"), {"search": search})).all())
    assert [edge["node"]["id"] for edge in answer["edges"]] == bare, "the request and the bare query answer different pages"
    return answer["totalCount"], plan


async def compare(platform: Platform, client: httpx.AsyncClient, reader: Any, token: str, search: str, rounds: int, per_round: int) -> None:
    """The request against the bare query for one search, interleaved, with the ratio."""
    total, plan = await same_page(platform, client, reader, token, search)
    index_used = "fts_leren_practice_versions" in plan
    print(f"  search {search!r}: {total} matches; the page's plan uses the GIN index: {'yes' if index_used else 'NO'}")
    for _ in range(3):  # warm up both (caches, the database's buffers)
        await run_request(client, reader.slug, token, search)
        await run_baseline(platform, reader.tenant.id, search)
    latencies: dict[str, list[float]] = {"baseline": [], "request": []}
    ratios = []
    for number in range(rounds):
        this_round: dict[str, list[float]] = {"baseline": [], "request": []}
        for _ in range(per_round):
            pair = [("baseline", run_baseline(platform, reader.tenant.id, search)), ("request", run_request(client, reader.slug, token, search))]
            for name, call in pair if number % 2 == 0 else reversed(pair):
                this_round[name].append(await call)
        ratios.append(statistics.median(this_round["baseline"]) / statistics.median(this_round["request"]))
        for name in latencies:
            latencies[name] += this_round[name]
    baseline, request = statistics.median(latencies["baseline"]), statistics.median(latencies["request"])
    print(f"    bare full-text query (the page):   median {baseline:.1f} ms = {1000 / baseline:.1f} /s")
    print(f"    practiceLibrary request:           median {request:.1f} ms = {1000 / request:.1f} /s")
    print(
        f"    ratio request / bare throughput: {baseline / request:.2f}  (per round {min(ratios):.2f} .. {max(ratios):.2f}, "
        f"stdev {statistics.pstdev(ratios):.2f}; target >= 0.6)\n"
    )


async def measure(rounds: int, per_round: int, examples: int, searches: list[str]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        database = await fresh_database("postgresql", Path(directory))
        settings = settings_for_database(database, log_level="ERROR", secret_key=TEST_SECRET)
        configure_logging(settings)
        platform = Platform.create(settings)
        try:
            await migrate_platform(platform)
            await platform.start()
            worlds = [await make_world(platform, code, modules=["handvat4_leren"], members=MEMBERS, partners={}) for code in GEMEENTEN]
            started = time.perf_counter()
            await seed(platform, worlds, examples // len(GEMEENTEN))
            print(f"postgresql: seeded {examples} published examples of {len(GEMEENTEN)} gemeenten in {time.perf_counter() - started:.1f} s")
            reader = worlds[2]  # reads the examples of every gemeente, its own included
            token = reader.token("analyst")
            app = create_app(platform=platform)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=120) as client:
                for search in searches:
                    await compare(platform, client, reader, token, search, rounds, per_round)
        finally:
            await platform.dispose()
            await database.drop()


async def main(rounds: int, per_round: int, examples: int, searches: list[str]) -> None:
    reason = await postgres_unavailable_reason()
    if reason is not None:
        print(f"postgresql: skipped ({reason})")
        return
    await measure(rounds, per_round, examples, searches)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds")
    parser.add_argument("--per-round", type=int, default=5, help="requests (and baseline runs) per round")
    parser.add_argument("--examples", type=int, default=5_000, help="published examples in the library")
    parser.add_argument("--search", action="append", help="what to search for (repeatable; default: verloskundige)")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rounds, arguments.per_round, arguments.examples, arguments.search or ["verloskundige"]))
