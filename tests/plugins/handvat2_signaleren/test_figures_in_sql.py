"""Handvat 2's coalition figures are counted by the database (GROUP BY), not in Python: the
answers are exactly those of the counting in Python they replace (kept here as the
reference), on the demo data and on generated data with the awkward cases, on SQLite and on
PostgreSQL; and the number of statements does not grow with the data."""

from __future__ import annotations

import datetime as dt
import random
import statistics
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from core.models import Wijk
from core.platform import Platform
from core.plugin import ValidationFailed, Work, all_partners, all_wijken, disclose_table, disclosure_threshold
from core.services import coalition as coalition_service
from core.testing import configure_module, count_statements
from plugins.handvat2_signaleren import MODULE_KEY
from plugins.handvat2_signaleren.figures import Cell, Figures, coalition_figures
from plugins.handvat2_signaleren.models import Consent, Family, Referral, Signal
from tests.plugins.handvat2_signaleren.conftest import Coalitions

# -- the reference: the figures as they were counted in Python before (verbatim) -----------------

Key = tuple[str, ...]
Layout = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]


def reference_cells(counter: Counter[Key], families: dict[Key, set[Any]], names: tuple[str, ...], threshold: int, layout: Layout) -> list[Cell]:
    def part(key: Key, positions: tuple[int, ...]) -> Key:
        return tuple(key[position] for position in positions)

    def distinct(selected: Iterable[Key]) -> int:
        return len(set().union(*(families[key] for key in selected)))

    tables: dict[Key, dict[tuple[Key, Key], Key]] = defaultdict(dict)
    for key in counter:
        tables[part(key, layout[0])][part(key, layout[1]), part(key, layout[2])] = key
    cells: dict[Key, Cell] = {}
    for keys in tables.values():
        rows, columns = sorted({row for row, _ in keys}), sorted({column for _, column in keys})
        disclosed = disclose_table(
            {cell: counter[key] for cell, key in keys.items()},
            threshold,
            rows=rows,
            columns=columns,
            contributors={cell: len(families[key]) for cell, key in keys.items()},
            row_contributors={row: distinct(key for (r, _), key in keys.items() if r == row) for row in rows},
            column_contributors={column: distinct(key for (_, c), key in keys.items() if c == column) for column in columns},
            total_contributors=distinct(keys.values()),
        )
        for (row, column), key in keys.items():
            cells[key] = Cell(dict(zip(names, key, strict=True)), disclosed.cells[row, column].value)
    return [cells[key] for key in sorted(cells)]


def _month(moment: dt.datetime) -> str:
    return f"{moment:%Y-%m}"


def _month_bounds(start: str, end: str) -> tuple[dt.datetime, dt.datetime]:
    year, month = int(end[:4]), int(end[5:])
    after = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=dt.UTC)
    return dt.datetime(int(start[:4]), int(start[5:]), 1, tzinfo=dt.UTC), after


async def reference_figures(work: Work, period_from: str | None, period_to: str | None) -> Figures:
    config = await work.module_config(MODULE_KEY)
    threshold = disclosure_threshold(config.min_cell_size)
    today = dt.date.today()
    start = period_from or f"{today.year - 1:04d}-{today.month:02d}"
    end = period_to or f"{today:%Y-%m}"
    for value, field in ((start, "from"), (end, "to")):
        if len(value) != 7 or value[4] != "-" or not value.replace("-", "").isdigit() or not 1 <= int(value[5:]) <= 12:
            raise ValidationFailed("Geef een maand als JJJJ-MM.", field=field)
    if start > end:
        raise ValidationFailed("De periode begint na het einde.", field="from")
    begin, after = _month_bounds(start, end)
    wijken = {wijk.id: wijk.name for wijk in await all_wijken(work.session, active_only=False)}
    partner_types = {partner.id: partner.type for partner in await all_partners(work.session, active_only=False)}

    signals = (
        await work.session.execute(
            select(Signal.wijk_id, Signal.recorded_at, Signal.worries, Signal.classification, Signal.family_id).where(
                Signal.recorded_at >= begin, Signal.recorded_at < after
            )
        )
    ).all()
    by_worry: Counter[Key] = Counter()
    by_class: Counter[Key] = Counter()
    worry_families: dict[Key, set[Any]] = defaultdict(set)
    class_families: dict[Key, set[Any]] = defaultdict(set)
    for row in signals:
        wijk, month = wijken.get(row.wijk_id, "onbekend"), _month(row.recorded_at)
        for worry in row.worries:
            by_worry[(wijk, month, worry)] += 1
            worry_families[(wijk, month, worry)].add(row.family_id)
        by_class[(wijk, month, row.classification)] += 1
        class_families[(wijk, month, row.classification)].add(row.family_id)

    referrals = list(
        (await work.session.execute(select(Referral).where(Referral.sent_at >= begin, Referral.sent_at < after))).scalars()
    )
    first_signal = dict(
        (
            await work.session.execute(
                select(Signal.family_id, func.min(Signal.recorded_at))
                .where(Signal.family_id.in_({row.family_id for row in referrals}))
                .group_by(Signal.family_id)
            )
        ).all()
    )
    by_partner: Counter[Key] = Counter()
    partner_families: dict[Key, set[Any]] = defaultdict(set)
    for row in referrals:
        key = (_month(row.sent_at), partner_types.get(row.to_partner_id, "overig"), row.state, row.outcome or "")
        by_partner[key] += 1
        partner_families[key].add(row.family_id)
    accepted = sum(1 for row in referrals if row.responded_at is not None and row.state != "afgewezen")
    rejected = sum(1 for row in referrals if row.state == "afgewezen")
    answered = accepted + rejected
    to_contact = [
        (row.started_at - first_signal[row.family_id]).total_seconds() / 86400
        for row in referrals
        if row.started_at and row.family_id in first_signal
    ]
    to_completion = [
        (row.completed_at - first_signal[row.family_id]).total_seconds() / 86400
        for row in referrals
        if row.completed_at and row.family_id in first_signal
    ]

    def median(values: list[float]) -> float | None:
        return float(round(statistics.median(values))) if len(values) >= threshold else None

    return Figures(
        period_from=start,
        period_to=end,
        threshold=threshold,
        signals_by_worry=reference_cells(by_worry, worry_families, ("wijk", "month", "worry"), threshold, ((1,), (0,), (2,))),
        signals_by_classification=reference_cells(by_class, class_families, ("wijk", "month", "classification"), threshold, ((1,), (0,), (2,))),
        referrals_by_partner_type_and_state=reference_cells(
            by_partner, partner_families, ("month", "partner_type", "state", "outcome"), threshold, ((0,), (1,), (2, 3))
        ),
        acceptance_rate=round(accepted / answered * 20) / 20 if answered >= threshold else None,
        acceptance_basis=5 * round(answered / 5) if answered >= threshold else None,
        median_days_to_first_contact=median(to_contact),
        median_days_to_completion=median(to_completion),
    )


# -- generated data ------------------------------------------------------------------------------

UTC = dt.UTC
#: Moments in and around January and February 2026 (UTC): the first and the last moment of the
#: period, a moment just before midnight on 31 January in UTC (already February in the
#: Netherlands), and moments just outside.
MOMENTS = (
    dt.datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),  # before
    dt.datetime(2026, 1, 1, 0, 0, tzinfo=UTC),
    dt.datetime(2026, 1, 15, 12, 0, 0, 250000, tzinfo=UTC),
    dt.datetime(2026, 1, 31, 23, 30, tzinfo=UTC),  # January in UTC, February in Utrecht
    dt.datetime(2026, 2, 1, 0, 0, tzinfo=UTC),
    dt.datetime(2026, 2, 14, 8, 0, 0, 123456, tzinfo=UTC),
    dt.datetime(2026, 2, 28, 23, 59, 59, 999999, tzinfo=UTC),
    dt.datetime(2026, 3, 1, 0, 0, tzinfo=UTC),  # after
)
WORRIES = ("GELDZORGEN", "STRESS", "VOEDSELONZEKERHEID", "SOCIAAL_ISOLEMENT")
STATES = ("concept", "verstuurd", "geaccepteerd", "afgewezen", "in_behandeling", "afgerond", "teruggetrokken")
PERIODS = (("2026-01", "2026-02"), ("2026-02", "2026-02"), ("2025-12", "2026-03"), ("2026-01", "2026-01"), (None, None), ("2024-01", "2024-02"))


async def seed(platform: Platform, slug: str, *, families: int, seed: int, spread: bool = True) -> dict[str, int]:
    """`families` families with signals and referrals, drawn with `seed`. With `spread`: in
    every wijk (two of them named alike, one named "onbekend", one gone), in several months,
    with several worries per signal (or none, or one twice), to every kind of partner (two of
    one type, one of type "overig") and in every state. Without: one wijk, one month, one
    worry. Returns how many signals and referrals were added."""
    rng = random.Random(seed)
    added = {"signals": 0, "referrals": 0}
    async with platform.work_as_system(slug, "test") as work:
        session = work.session
        wijken: list[uuid.UUID | None] = [None]
        if spread:
            for code, name, active in (("01", "Noord", True), ("02", "Oost", True), ("03", "Oost", True), ("04", "onbekend", True), ("05", "Zuid", False)):
                wijk = Wijk(code=f"WK{seed % 100:02d}{code}", name=name, active=active)
                session.add(wijk)
                await session.flush()
                wijken.append(wijk.id)
            for name, kind in (("Schuldhulp Twee", "schuldhulpverlening"), ("Buurtnetwerk", "overig")):
                await coalition_service.create_partner(work, {"name": name, "domain": "informeel", "type": kind})
        partners = [partner.id for partner in await all_partners(session, active_only=False)]
        member = uuid.uuid4()
        for index in range(families):
            family = Family(
                local_reference=f"GEN-{seed}-{index}",
                phase="zwanger",
                wijk_id=rng.choice(wijken) if spread else None,
                registering_partner_id=partners[0],
                registered_by=member,
            )
            session.add(family)
            await session.flush()
            signalled = index % 11 != 10 or not spread  # now and then a family without a signal
            for _ in range(rng.randint(1, 3) if signalled else 0):
                if spread:
                    worries = rng.sample(WORRIES, rng.randint(0, 3))
                    if rng.random() < 0.1:
                        worries = [*worries, "GELDZORGEN", "GELDZORGEN"]  # a worry named twice counts twice
                    wijk_id = rng.choice([*wijken, uuid.uuid4()])  # a signal's wijk may be gone
                    moment = rng.choice(MOMENTS)
                else:
                    worries, wijk_id, moment = ["GELDZORGEN"], None, MOMENTS[2]
                session.add(
                    Signal(
                        family_id=family.id,
                        worries=worries,
                        suggested_classification="C",
                        classification=rng.choice("ABCD") if spread else "C",
                        wijk_id=wijk_id,
                        partner_id=partners[0],
                        recorded_by=member,
                        recorded_at=moment,
                    )
                )
                added["signals"] += 1
            await session.flush()
            consent = Consent(
                family_id=family.id,
                purpose="Doorverwijzen",
                partner_ids=[str(partner) for partner in partners],
                method="mondeling",
                given_on=dt.date(2025, 12, 1),
                valid_until=dt.date(2026, 12, 1),
                recorded_by=member,
            )
            session.add(consent)
            await session.flush()
            for _ in range(rng.randint(0, 2) if spread else 1):
                state = rng.choice(STATES) if spread else "verstuurd"
                sent = None if state == "concept" else (rng.choice(MOMENTS) if spread else MOMENTS[2])
                responded = started = completed = None
                outcome = None
                if sent is not None and (state in ("geaccepteerd", "afgewezen", "in_behandeling", "afgerond") or (state == "teruggetrokken" and rng.random() < 0.5)):
                    responded = sent + dt.timedelta(hours=rng.randint(1, 100))
                if responded is not None and state != "afgewezen" and state not in ("geaccepteerd",):
                    if state in ("in_behandeling", "afgerond") or rng.random() < 0.5:
                        # Whole and half days (a median exactly between two days), and odd moments.
                        started = responded + rng.choice([dt.timedelta(days=rng.randint(0, 20) / 2), dt.timedelta(seconds=rng.randint(1, 10**6), microseconds=7)])
                if state == "afgerond" and started is not None:
                    completed = started + dt.timedelta(days=rng.randint(1, 60), seconds=rng.randint(0, 86399))
                    outcome = rng.choice(["geholpen", "doel_bereikt", "niet_bereikt", None])
                elif state == "teruggetrokken" and rng.random() < 0.3:
                    outcome = ""  # an empty outcome is listed as no outcome
                session.add(
                    Referral(
                        family_id=family.id,
                        consent_id=consent.id,
                        from_partner_id=partners[0],
                        referred_by=member,
                        to_partner_id=rng.choice(partners),
                        state=state,
                        outcome=outcome,
                        sent_at=sent,
                        responded_at=responded,
                        started_at=started,
                        completed_at=completed,
                    )
                )
                added["referrals"] += 1
        await work.commit()
    return added


async def both(platform: Platform, slug: str, period: tuple[str | None, str | None]) -> tuple[Figures, Figures]:
    async with platform.work_as_system(slug, "test") as work:
        return await coalition_figures(work, *period), await reference_figures(work, *period)


def describe(figures: Figures) -> str:
    shown = sum(not cell.suppressed for cell in figures.signals_by_worry + figures.signals_by_classification + figures.referrals_by_partner_type_and_state)
    return f"{len(figures.signals_by_worry)}/{len(figures.signals_by_classification)}/{len(figures.referrals_by_partner_type_and_state)} cells, {shown} shown"


# -- the tests -----------------------------------------------------------------------------------


async def test_the_figures_counted_by_the_database_are_those_counted_in_python(platform: Platform, coalitions: Coalitions) -> None:
    await seed(platform, "utrecht", families=90, seed=1)
    await seed(platform, "s-hertogenbosch", families=30, seed=2)  # another tenant's signals count nowhere else
    for threshold in (5, 10):
        await configure_module(platform, "utrecht", MODULE_KEY, {"min_cell_size": threshold})
        for period in PERIODS:
            counted, reference = await both(platform, "utrecht", period)
            assert counted == reference, (threshold, period)
    # The data do reach the edges the comparison is about (with the threshold of 5).
    await configure_module(platform, "utrecht", MODULE_KEY, {"min_cell_size": 5})
    counted, _ = await both(platform, "utrecht", ("2026-01", "2026-02"))
    wijken = {cell.dimensions["wijk"] for cell in counted.signals_by_worry}
    assert wijken == {"Noord", "Oost", "Zuid", "onbekend"}, describe(counted)
    assert {cell.dimensions["month"] for cell in counted.signals_by_classification} == {"2026-01", "2026-02"}
    assert {cell.dimensions["partner_type"] for cell in counted.referrals_by_partner_type_and_state} >= {"schuldhulpverlening", "overig"}
    assert {cell.dimensions["state"] for cell in counted.referrals_by_partner_type_and_state} == set(STATES) - {"concept"}
    assert any(not cell.suppressed for cell in counted.signals_by_worry) and any(cell.suppressed for cell in counted.signals_by_worry)
    assert counted.acceptance_rate is not None and counted.median_days_to_first_contact is not None
    assert counted.median_days_to_completion is not None
    # The other gemeente's figures are its own.
    async with platform.work_as_system("s-hertogenbosch", "test") as work:
        bosch = await coalition_figures(work, "2026-01", "2026-02")
        assert bosch == await reference_figures(work, "2026-01", "2026-02")
    assert bosch != counted


async def test_the_demo_figures_are_those_counted_in_python(platform: Platform) -> None:
    from gateway.demo import seed_demo

    tenants = await seed_demo(platform)
    compared = 0
    for tenant in tenants:
        async with platform.work_as_system(tenant.slug, "test") as work:
            if MODULE_KEY not in work.enabled_modules:
                continue
            signals = (await work.session.execute(select(func.count()).select_from(Signal))).scalar_one()
        for threshold in (5, 10):
            await configure_module(platform, tenant.slug, MODULE_KEY, {"min_cell_size": threshold})
            counted, reference = await both(platform, tenant.slug, (None, None))
            assert counted == reference, tenant.slug
        compared += bool(signals and counted.signals_by_worry)
    assert compared >= 2


async def statements_for_figures(platform: Platform) -> list[str]:
    async with platform.work_as_system("utrecht", "test") as work:
        await work.module_config(MODULE_KEY)  # the transaction is begun before counting
        with count_statements(platform) as statements:
            await coalition_figures(work, "2026-01", "2026-02")
    return statements


async def test_the_figures_take_a_constant_number_of_statements_and_read_no_signal_one_by_one(platform: Platform, coalitions: Coalitions) -> None:
    few = await seed(platform, "utrecht", families=2, seed=3, spread=False)
    small = await statements_for_figures(platform)
    many = await seed(platform, "utrecht", families=120, seed=4)  # more signals, wijken, months, partners, states
    assert many["signals"] > 50 * few["signals"]
    large = await statements_for_figures(platform)
    assert len(large) == len(small), large
    # The module's configuration, the wijken, the partners; a grouped statement per table (by
    # worry, by classification, by partner type and state), the moments behind the medians.
    assert len(large) <= 7, large
    for statement in large:
        if "signaleren_signals" in statement and "GROUP BY" not in statement:
            # Only the first signal of a referred family, as a correlated min().
            assert "min(signaleren_signals.recorded_at)" in statement and "FROM signaleren_referrals" in statement, statement
    grouped = [statement for statement in large if "GROUP BY" in statement and "signaleren_" in statement]
    assert len(grouped) == 3, large
