"""The platform's performance suite: each request of the platform against the committed
baseline app (benchmarks/baseline: plain FastAPI doing the same token check and the same
SQL by hand) on the same database, each in its own uvicorn process, measured in turns
(platform, baseline, platform, ...) for several rounds, on the embedded SQLite database
and on PostgreSQL (as the app role, with row-level security). Prints a table of ratios
(platform requests/s ÷ baseline requests/s: 1.0 is as fast as the hand-written endpoint)
with the median and the spread over the rounds, the start-up time to /health and the
memory of the platform's process. docs/performance.md explains how to read it.

    uv run python benchmarks/run.py [--rounds 5] [--seconds 2] [--only trivial,figures] [--backend sqlite]

These machines are noisy: compare ratios measured in the same run, never raw numbers
between runs. The load comes from a small keep-alive HTTP client in this process (an
HTTP library would itself be the bottleneck against the faster baseline and flatter the
ratios)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.config import Settings  # noqa: E402
from core.platform import Platform  # noqa: E402
from core.testing import (  # noqa: E402
    TEST_SECRET,
    fresh_database,
    migrate_platform,
    postgres_unavailable_reason,
    settings_for_database,
    token_for,
)
from gateway.demo import seed_demo  # noqa: E402

#: The gemeente of the list requests, and the one holding 10^5 signals for the figures.
LISTS_TENANT = "utrecht"
FIGURES_TENANT = "s-hertogenbosch"
FIGURES_SIGNALS = 100_000
#: The professional whose practice registers the families of the `families` request, and
#: who asks for them (she sees what her organisation registered).
FAMILIES_LOGIN = "verloskundige@utrecht.example"
FAMILIES_COUNT = 40


@dataclass(frozen=True)
class Case:
    """One request, on the platform and on the baseline, and its target ratio."""

    name: str
    tenant: str
    login: str
    query: str
    baseline_path: str
    target: float
    #: Whether both must give the same `data` (lists: byte-identical JSON).
    same_answer: bool = False
    concurrency: int = 4
    #: Whether the request writes processing records (a read of family data): see `seal_records`.
    records: bool = False


CASES = [
    Case("trivial", LISTS_TENANT, "verloskundige@utrecht.example", "{ tenant { name } }", "trivial", 0.6, same_answer=True),
    Case(
        "regelingen",
        LISTS_TENANT,
        "verloskundige@utrecht.example",
        "{ regelingen(first: 60) { edges { node { id key name summary category level costs validFrom validTo tags "
        "providerName howToApply { steps url phone documents } } } } }",
        "regelingen",
        0.6,
        same_answer=True,
    ),
    Case(
        "partners",
        LISTS_TENANT,
        "regisseur@utrecht.example",
        "{ partners(first: 50) { edges { node { id name type phone members { displayName jobTitle } } } } }",
        "partners",
        0.6,
        same_answer=True,
    ),
    Case(
        "figures",
        FIGURES_TENANT,
        "analist@s-hertogenbosch.example",
        '{ signaleringFigures(periodFrom: "2025-01", periodTo: "2026-12") { threshold signalsByWorry { wijk month worry count } signalsByClassification { wijk month classification count } referralsByPartnerTypeAndState { month count } } }',
        "figures",
        0.8,
        concurrency=2,
    ),
    Case(
        "families",
        LISTS_TENANT,
        FAMILIES_LOGIN,
        "{ families(first: 40) { edges { node { id localReference initials phase expectedMonth birthMonth wijk registeringOrganisation "
        "registeredByMyOrganisation status createdAt closedAt "
        "signals { id recordedAt organisation worries riskFactors protectiveFactors note suggestedClassification classification classificationReason } "
        "consents { id purpose organisations method givenOn validUntil revokedAt valid } "
        "referrals { id fromOrganisation toOrganisation toContact support note state rejectionReason outcome outcomeNote createdAt sentAt "
        "respondBy respondedAt startedAt completedAt history { at transition fromState toState reason } allowedTransitions } "
        "supportPlan { id domain description status regelingId updatedAt } } } } }",
        "families",
        0.6,
        same_answer=True,
        records=True,
    ),
]


# -- load -------------------------------------------------------------------------------------


async def _requests_per_second(port: int, request: bytes, seconds: float, connections: int) -> float:
    """Requests per second of `connections` keep-alive connections sending `request` for
    `seconds`; every answer must be 200."""
    deadline = time.perf_counter() + seconds
    done = 0

    async def connection() -> None:
        nonlocal done
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < deadline:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head[9:12])
                length = _content_length(head)
                body = await reader.readexactly(length)
                if status != 200:
                    raise RuntimeError(f"HTTP {status}: {body[:300]!r}")
                done += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(connections)))
    return done / (time.perf_counter() - started)


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            return int(line[15:])
    raise RuntimeError(f"an answer without Content-Length: {head!r}")


def _post(path: str, body: dict[str, Any], token: str) -> bytes:
    payload = json.dumps(body).encode()
    return (
        f"POST {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    ).encode() + payload


async def _fetch(port: int, request: bytes) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    body = await reader.readexactly(_content_length(head))
    writer.close()
    return int(head[9:12]), body


# -- processes ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings as the KANSRIJK_* environment a server process reads."""
    env: dict[str, str] = {}
    for name, value in settings:
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        env[f"KANSRIJK_{name.upper()}"] = json.dumps(value) if isinstance(value, (list, dict)) else str(value)
    return env


@dataclass
class Server:
    """A uvicorn process of an app factory, started and waited for."""

    factory: str
    env: dict[str, str]
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None
    startup_seconds: float = 0.0

    async def start(self) -> Server:
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", self.factory, "--port", str(self.port), "--log-level", "warning", "--no-access-log"],
            env={**os.environ, **self.env, "PYTHONPATH": str(ROOT)},
            cwd=ROOT,
        )
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.factory} exited with {self.process.returncode}")
            try:
                status, _ = await _fetch(self.port, b"GET /health HTTP/1.1\r\nHost: bench\r\n\r\n")
                if status == 200:
                    break
            except OSError:
                pass
            await asyncio.sleep(0.02)
        self.startup_seconds = time.perf_counter() - started
        return self

    def cpu_seconds(self) -> float:
        """The CPU time the process used so far (user and system)."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


# -- data -----------------------------------------------------------------------------------


async def seed_signals(platform: Platform, slug: str, count: int) -> None:
    """`count` signals over two years in the gemeente's wijken, on 1/5 as many families."""
    from sqlalchemy import insert, select

    from core.plugin import all_partners, all_wijken
    from core.models import Membership
    from plugins.handvat2_signaleren.models import Family, Signal

    rng = random.Random(16)
    worries = ["geldzorgen", "betalingsachterstanden", "schulden", "woononzekerheid", "voedselonzekerheid", "stress", "sociaal_isolement", "overig"]
    async with platform.work_as_system(slug, "benchmark") as work:
        wijken = [wijk.id for wijk in await all_wijken(work.session)] + [None]
        partner = (await all_partners(work.session))[0].id
        member = (await work.session.execute(select(Membership.id).limit(1))).scalar_one()
        families = [
            {"id": uuid.uuid4(), "phase": "zwanger", "status": "open", "registering_partner_id": partner, "registered_by": member, "wijk_id": rng.choice(wijken)}
            for _ in range(count // 5)
        ]
        await work.session.execute(insert(Family), families)
        start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
        rows = []
        for number in range(count):
            family = rng.choice(families)
            classification = rng.choice("ABCD")
            rows.append(
                {
                    "family_id": family["id"],
                    "worries": rng.sample(worries, rng.randint(1, 3)),
                    "suggested_classification": classification,
                    "classification": classification,
                    "wijk_id": family["wijk_id"],
                    "partner_id": partner,
                    "recorded_by": member,
                    "recorded_at": start + dt.timedelta(minutes=number * 10 + rng.randint(0, 9)),
                }
            )
            if len(rows) == 10_000:
                await work.session.execute(insert(Signal), rows)
                rows = []
        if rows:
            await work.session.execute(insert(Signal), rows)
        await work.commit()


async def seed_families(platform: Platform, slug: str, count: int) -> None:
    """`count` families registered by the verloskundige's practice through handvat 2's own
    services (the checks, the workflow history and the processing log as in use): each with
    two or three signals, a consent for the debt counsellors (and for every third family
    the food bank too), a referral to the debt counsellors in one of four states (the
    receiving side takes its steps as its member would) and, for every other family, a
    plan item."""
    from sqlalchemy import select

    from core.models import Membership
    from core.plugin import all_members, all_partners, all_wijken
    from plugins.handvat2_signaleren.permissions import FAMILY_READ, FAMILY_WRITE, REFERRAL_RESPOND, REFERRAL_SEND
    from plugins.handvat2_signaleren.services.consent import record_consent
    from plugins.handvat2_signaleren.services.families import register_family
    from plugins.handvat2_signaleren.services.plan import add_plan_item
    from plugins.handvat2_signaleren.services.referrals import create_referral, take_step
    from plugins.handvat2_signaleren.services.signals import record_signal

    rng = random.Random(40)
    worries = ["geldzorgen", "betalingsachterstanden", "schulden", "woononzekerheid", "voedselonzekerheid", "stress", "sociaal_isolement"]
    risks = ["financiele_problemen", "langdurig_laag_inkomen", "geen_of_onzeker_werk", "huisvestingsproblemen", "langdurige_stress", "weinig_sociaal_netwerk"]
    protection = ["steunend_netwerk", "steunende_partner", "stabiele_woonplek", "hulp_kunnen_vragen"]
    today = dt.date.today()

    def month(offset: int) -> str:
        index = today.year * 12 + today.month - 1 + offset
        return f"{index // 12:04d}-{index % 12 + 1:02d}"

    async with platform.work_as_system(slug, "benchmark") as work:
        session = work.session
        partners = {partner.type: partner for partner in await all_partners(session)}
        debt, food = partners["schuldhulpverlening"], partners["voedselbank"]
        professional_id = (await session.execute(select(Membership.id).where(Membership.email == FAMILIES_LOGIN))).scalar_one()
        members = {member.id: member for member in await all_members(session)}
        professional = members[professional_id]
        contact = next(member for member in members.values() if member.partner_id == debt.id)
        wijken = [wijk.code for wijk in await all_wijken(session)]
        registering = work.acting_as(professional, {FAMILY_READ, FAMILY_WRITE, REFERRAL_SEND})
        receiving = work.acting_as(contact, {FAMILY_READ, REFERRAL_RESPOND})
        for number in range(count):
            phase = ("zwanger", "kind_0_2", "preconceptie")[number % 3]
            family = await register_family(
                registering,
                {
                    "local_reference": f"VK-BENCH-{number + 1:03d}",
                    "initials": "AB" if number % 2 else None,
                    "phase": phase,
                    "expected_month": month(rng.randint(1, 8)) if phase == "zwanger" else None,
                    "birth_month": month(-rng.randint(1, 20)) if phase == "kind_0_2" else None,
                    "wijk_code": rng.choice(wijken) if wijken and number % 4 else None,
                },
            )
            family_id = str(family.row.id)
            for _ in range(2 + number % 2):
                await record_signal(
                    registering,
                    {
                        "family_id": family_id,
                        "worries": rng.sample(worries, rng.randint(1, 3)),
                        "risk_factors": rng.sample(risks, rng.randint(1, 3)),
                        "protective_factors": rng.sample(protection, rng.randint(0, 2)),
                        "note": "Gesprek op het spreekuur" if number % 3 else None,
                        # A reason with every classification: it may differ from the suggested one.
                        "classification": rng.choice("BC"),
                        "classification_reason": "Inschatting na het gesprek",
                    },
                )
            consent = await record_consent(
                registering,
                {
                    "family_id": family_id,
                    "purpose": "Doorverwijzen voor steun en terugkoppeling",
                    "partner_ids": [str(debt.id)] + ([str(food.id)] if number % 3 == 0 else []),
                    "method": "mondeling" if number % 2 else "schriftelijk",
                    "given_on": today - dt.timedelta(days=2),
                    "valid_until": today + dt.timedelta(days=180),
                },
            )
            steps = number % 4  # 0: concept, 1: sent, 2: accepted, 3: in behandeling
            referral = await create_referral(
                registering,
                {
                    "family_id": family_id,
                    "consent_id": str(consent.row.id),
                    "to_partner_id": str(debt.id),
                    "to_contact_id": str(contact.id) if number % 2 else None,
                    "support": ["schuldhulp"] + (["financiele_hulp"] if number % 3 else []),
                    "note": "Graag contact na de bevalling" if number % 5 == 0 else None,
                    "send": steps > 0,
                },
            )
            for name in ("accepteren", "starten")[: max(0, steps - 1)]:
                await take_step(receiving, referral.row, name)
            if number % 2 == 0:
                await add_plan_item(registering, {"family_id": family_id, "domain": "financieel", "description": "Samen de post en rekeningen op orde brengen"})
        await work.commit()


async def seal_records(platform: Platform) -> None:
    """Seal what the last turn left unsealed in the processing log, between the turns (not
    measured). The platform seals every unsealed record of a gemeente, whoever wrote it: on
    SQLite in the request that writes its own, on PostgreSQL in its process's sealer a
    moment later. The baseline writes its records as the platform does but does not seal
    them; without this the platform's process would chain the baseline's records during its
    own turn. What the platform seals of its own records in its turn stays its cost."""
    await platform.seal_processing_logs()
    await platform.engine.dispose()  # no connection of this process held during a turn


@dataclass
class Measured:
    ratios: dict[str, list[float]] = field(default_factory=dict)
    rates: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    #: Seconds from starting the process to its first `/health` 200, one per start.
    startup_seconds: list[float] = field(default_factory=list)
    baseline_startup_seconds: list[float] = field(default_factory=list)
    rss_idle_mb: float = 0.0
    rss_after_mb: float = 0.0
    differences: list[str] = field(default_factory=list)
    #: Milliseconds graphql-core alone needs to execute a request's query over its answer.
    graphql_floor_ms: dict[str, float] = field(default_factory=dict)


def graphql_floor_ms(sdl: str, query: str, data: dict[str, Any], repeat: int = 50) -> float:
    """The least time any server built on graphql-core needs for this answer: the query
    (parsed and validated beforehand) executed by graphql-core alone on the platform's own
    schema (from its SDL, default resolvers) over the platform's answer as plain dicts; no
    database, no token, no resolver or permission of ours, no HTTP, no JSON. Median of
    five runs of `repeat` executions, in milliseconds."""
    from graphql import build_schema, execute_sync, parse

    schema, document = build_schema(sdl), parse(query)
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(repeat):
            result = execute_sync(schema, document, root_value=data)
        samples.append((time.perf_counter() - started) / repeat * 1000)
    if result.errors or result.data != data:
        raise RuntimeError(f"graphql-core alone did not reproduce the answer: {result.errors}")
    return statistics.median(samples)


def _profile_name(backend: str, case: str, side: str) -> str:
    return f"{backend}-{case}.txt" if side == "platform" else f"{backend}-{case}-baseline.txt"


def _note_cpu(profile_dir: Path, name: str, cpu_ms: float) -> None:
    """The server's CPU time per request while it was sampled, beside the samples
    (`cpu.json`: `profile_summary.py --layers` turns shares into milliseconds with it)."""
    path = profile_dir / "cpu.json"
    known = json.loads(path.read_text()) if path.exists() else {}
    known[name] = round(cpu_ms, 4)
    path.write_text(json.dumps(known, indent=1, sort_keys=True))


def _py_spy(server: Server, output: Path, seconds: float) -> subprocess.Popen[bytes]:
    """py-spy (when installed) sampling a server's process while it is measured: the
    collapsed stacks, for `benchmarks/profile_summary.py`."""
    assert server.process is not None
    output.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        ["py-spy", "record", "--pid", str(server.process.pid), "--duration", str(max(1, int(seconds))), "--rate", "1000", "--format", "raw", "--output", str(output), "--nonblocking"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def measure(
    backend: str, cases: list[Case], rounds: int, seconds: float, say: Callable[[str], None], profile_dir: Path | None = None
) -> Measured:
    result = Measured()
    with tempfile.TemporaryDirectory() as directory:
        database = await fresh_database(backend, Path(directory))
        settings = settings_for_database(database, log_level="WARNING", secret_key=TEST_SECRET)
        platform = Platform.create(settings)
        servers: list[Server] = []
        try:
            await migrate_platform(platform)
            await platform.start()
            names = {case.name for case in cases}
            extra = {"figures": f" and {FIGURES_SIGNALS:,} signals", "families": f" and {FAMILIES_COUNT} families"}
            say(f"{backend}: seeding the demo" + "".join(text for name, text in extra.items() if name in names))
            await seed_demo(platform)
            if "figures" in names:
                await seed_signals(platform, FIGURES_TENANT, FIGURES_SIGNALS)
            if "families" in names:
                await seed_families(platform, LISTS_TENANT, FAMILIES_COUNT)
            tokens = {(case.tenant, case.login): await token_for(platform, case.tenant, case.login) for case in cases}
            await platform.dispose()
            env = settings_env(settings) | {"KANSRIJK_LOG_JSON": "false"}
            platform_server = await Server("gateway.asgi:app_factory", env).start()
            servers.append(platform_server)
            baseline_server = await Server("benchmarks.baseline.app:create_app", env).start()
            servers.append(baseline_server)
            result.startup_seconds.append(platform_server.startup_seconds)
            result.baseline_startup_seconds.append(baseline_server.startup_seconds)
            result.rss_idle_mb = platform_server.rss_mb()

            requests: dict[str, tuple[bytes, bytes]] = {}
            sdl = (ROOT / "docs" / "schema.graphql").read_text(encoding="utf-8")
            for case in cases:
                token = tokens[case.tenant, case.login]
                ours = _post(f"/t/{case.tenant}/graphql", {"query": case.query}, token)
                theirs = _post(f"/t/{case.tenant}/{case.baseline_path}", {}, token)
                requests[case.name] = (ours, theirs)
                (status, body), (base_status, base_body) = await _fetch(platform_server.port, ours), await _fetch(baseline_server.port, theirs)
                if status != 200 or "errors" in json.loads(body) or base_status != 200:
                    raise RuntimeError(f"{case.name}: platform {status} {body[:400]!r}, baseline {base_status} {base_body[:400]!r}")
                if case.same_answer and json.loads(body) != json.loads(base_body):
                    result.differences.append(case.name)
                result.graphql_floor_ms[case.name] = graphql_floor_ms(sdl, case.query, json.loads(body)["data"])
                # Warm both (caches, connections, compiled statements).
                await _requests_per_second(platform_server.port, ours, 0.3, case.concurrency)
                await _requests_per_second(baseline_server.port, theirs, 0.3, case.concurrency)
                if case.records:
                    await seal_records(platform)

            # With --profile, a round of its own first (number -1), sampled and not counted:
            # the sampler's cost falls unevenly on the two sides.
            for number in range(-1 if profile_dir is not None else 0, rounds):
                profiling = number < 0
                for case in cases:
                    ours, theirs = requests[case.name]
                    order = [(platform_server, ours), (baseline_server, theirs)]
                    if number % 2:  # who goes first alternates: drift hits both alike
                        order.reverse()
                    rates = {}
                    for server, request in order:
                        side = "platform" if server is platform_server else "baseline"
                        spy = _py_spy(server, profile_dir / _profile_name(backend, case.name, side), seconds) if profiling else None
                        cpu_before = server.cpu_seconds() if spy is not None else 0.0
                        rates[server is platform_server] = await _requests_per_second(server.port, request, seconds, case.concurrency)
                        if spy is not None:
                            spy.wait()
                            done = rates[server is platform_server] * seconds  # requests in the round, about
                            cpu_ms = (server.cpu_seconds() - cpu_before) * 1000 / max(done, 1)
                            _note_cpu(profile_dir, _profile_name(backend, case.name, side), cpu_ms)  # type: ignore[arg-type]
                        if case.records:
                            await seal_records(platform)
                    if not profiling:
                        result.rates.setdefault(case.name, []).append((rates[True], rates[False]))
                        result.ratios.setdefault(case.name, []).append(rates[True] / rates[False])
                say(f"{backend}: the sampled round done" if profiling else f"{backend}: round {number + 1}/{rounds} done")
            result.rss_after_mb = platform_server.rss_mb()
            for server in servers:
                server.stop()
            # A start is one sample, as noisy as a round: more starts, in turns.
            for number in range(1, rounds):
                pair = [("platform", "gateway.asgi:app_factory"), ("baseline", "benchmarks.baseline.app:create_app")]
                for side, factory in pair if number % 2 == 0 else reversed(pair):
                    server = await Server(factory, env).start()
                    servers.append(server)
                    server.stop()
                    (result.startup_seconds if side == "platform" else result.baseline_startup_seconds).append(server.startup_seconds)
            say(f"{backend}: {rounds} starts of each done")
        finally:
            for server in servers:
                server.stop()
            await platform.dispose()
            await database.drop()
    return result


def _speeds(ours: float, theirs: float) -> str:
    """Both sides in one unit: requests/s, or the time of one request when either is slow."""
    if min(ours, theirs) >= 20:
        return f"{ours:.0f} req/s vs {theirs:.0f} req/s"
    return f"{1000 / ours:.0f} ms vs {1000 / theirs:.0f} ms"


def _cell(values: list[float]) -> str:
    if not values:
        return "–"
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def table(cases: list[Case], results: dict[str, Measured], rounds: int, seconds: float) -> str:
    backends = list(results)
    lines = [
        f"{rounds} rounds of {seconds:g} s per request and side; ratio = platform requests/s ÷ baseline requests/s, "
        "median (lowest–highest round)",
        "",
        "| request | target | " + " | ".join(backends) + " |",
        "|---|---|" + "---|" * len(backends),
    ]

    def ratio(measured: Measured, case: Case) -> str:
        rates = measured.rates.get(case.name, [])
        rate = f", {_speeds(statistics.median(r[0] for r in rates), statistics.median(r[1] for r in rates))}" if rates else ""
        return _cell(measured.ratios.get(case.name, [])) + rate

    def graphql_alone(measured: Measured, case: Case) -> str:
        floor, rates = measured.graphql_floor_ms.get(case.name), measured.rates.get(case.name, [])
        if floor is None or not rates:
            return "–"
        baseline_ms = 1000 / statistics.median(r[1] for r in rates)
        return f"{floor:.2f} ms; baseline + it: {baseline_ms / (baseline_ms + floor):.2f}×"

    def rows(first_cells: Callable[[Case], str], cell: Callable[[Measured, Case], str]) -> list[str]:
        return [f"| {first_cells(case)} | " + " | ".join(cell(results[backend], case) for backend in backends) + " |" for case in cases]

    lines += rows(lambda case: f"{case.name} | ≥ {case.target}", ratio)
    lines.append(
        "| start-up to /health (platform; baseline), s | ≤ 3 s | "
        + " | ".join(f"{_cell(results[b].startup_seconds)}; {_cell(results[b].baseline_startup_seconds)}" for b in backends)
        + " |"
    )
    lines.append(
        "| RSS idle → after the suite | ≤ 1.5× | "
        + " | ".join(f"{results[b].rss_idle_mb:.0f} → {results[b].rss_after_mb:.0f} MB ({results[b].rss_after_mb / results[b].rss_idle_mb:.2f}×)" for b in backends)
        + " |"
    )
    lines += [
        "",
        "What GraphQL execution alone costs: graphql-core executing the same query over the same answer (plain dicts, the",
        "platform's schema, nothing else), per answer, and the ratio of a server that did exactly the baseline's work and",
        "then only that (baseline time per request ÷ (that time + graphql-core's), from the baseline's median requests/s):",
        "",
        "| request | " + " | ".join(backends) + " |",
        "|---|" + "---|" * len(backends),
    ]
    lines += rows(lambda case: case.name, graphql_alone)
    differences = [f"{backend}: {', '.join(results[backend].differences)}" for backend in backends if results[backend].differences]
    if differences:
        lines += ["", "ANSWERS DIFFER from the baseline's: " + "; ".join(differences)]
    return "\n".join(lines)


def compile_project() -> None:
    """The project's own modules compiled to bytecode, as an install compiles them (`uv sync
    --no-editable` under `[tool.uv] compile-bytecode`) and as a checkout has them after its
    first run wherever Python may write bytecode. Where it may not (PYTHONDONTWRITEBYTECODE,
    as on the CI machines), every start of a checkout would otherwise compile ~250 modules
    from source, ~0.5 s that no deployment pays."""
    import compileall

    for folder in ("core", "gateway", "plugins", "benchmarks", "examples"):
        compileall.compile_dir(ROOT / folder, quiet=1)


async def main(arguments: argparse.Namespace) -> int:
    compile_project()
    cases = [case for case in CASES if not arguments.only or case.name in arguments.only.split(",")]
    backends = [arguments.backend] if arguments.backend else ["sqlite", "postgresql"]
    if "postgresql" in backends and (reason := await postgres_unavailable_reason()) is not None:
        print(f"PostgreSQL skipped: {reason}", file=sys.stderr)
        backends.remove("postgresql")
    results = {}
    for backend in backends:
        results[backend] = await measure(
            backend, cases, arguments.rounds, arguments.seconds, lambda line: print(line, file=sys.stderr, flush=True), arguments.profile
        )
    print(f"\n{dt.date.today().isoformat()}, {os.cpu_count()} cores; the project's modules compiled to bytecode first, as an install does\n")
    print(table(cases, results, arguments.rounds, arguments.seconds))
    return 1 if any(measured.differences for measured in results.values()) else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=2.0, help="how long each side is measured per round")
    parser.add_argument("--only", default="", help="comma-separated request names (" + ", ".join(case.name for case in CASES) + ")")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"])
    parser.add_argument(
        "--profile",
        type=Path,
        help="a folder for py-spy's samples of the platform and the baseline in an extra first round (not counted), and their CPU time per request (py-spy must be installed)",
    )
    sys.exit(asyncio.run(main(parser.parse_args())))
