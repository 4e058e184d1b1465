"""The explainable check of a household against the gemeente's whole catalogue.

A check reads a snapshot of the gemeente's catalogue kept in memory (every visible
regeling prepared, with the parameter values), revalidated against the gemeente's
catalogue revision; every change to the catalogue replaces that revision
(`touch_catalogue`). It counts which regelingen it checked and matched in memory, written
now and then: nothing about the household is stored."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy import bindparam, event, select, update

from core.plugin import ValidationFailed, Work, dialect_insert, utcnow, validate
from plugins.handvat3_toegang import catalogue
from plugins.handvat3_toegang.eligibility import (
    ELIGIBLE,
    OUTCOMES,
    Condition,
    Household,
    Outcome,
    ParameterValue,
    complete_facts,
    outcome_of,
    parameter_key,
)
from plugins.handvat3_toegang.models import CatalogueRevision, ParameterOverride, Regeling, RuleVersion, UsageCount
from plugins.handvat3_toegang.profile import ProfileInput
from plugins.handvat3_toegang.services.rules import (
    Parameters,
    Rules,
    TooManyChecks,
    ValuesOnDay,
    compile_conditions,
    conditions_of,
    parameters_of,
)

log = structlog.get_logger(__name__)


@dataclass
class CheckResult:
    regeling: Regeling
    outcome: Outcome


def valid_on(valid_from: dt.date | None, valid_to: dt.date | None, day: dt.date) -> bool:
    return not ((valid_from and valid_from > day) or (valid_to and valid_to < day))


def current_on(row: Regeling, day: dt.date) -> bool:
    """Whether the regeling applies on `day` (its validity period)."""
    return valid_on(row.valid_from, row.valid_to, day)


def checked_reference_date(reference_date: dt.date | None) -> dt.date:
    """The date to check on: today, or a given date within the years the catalogue's
    parameters have values for."""
    day = reference_date or dt.date.today()
    first, last = catalogue.first_complete_date(), dt.date(2100, 12, 31)
    if not first <= day <= last:
        raise ValidationFailed(
            f"Kies een peildatum tussen {first:%d-%m-%Y} en {last:%d-%m-%Y}: daarvoor heeft de catalogus geen bedragen.",
            field="referenceDate",
        )
    return day


# -- the catalogue as a check reads it ----------------------------------------------------------


@dataclass(frozen=True)
class CatalogueEntry:
    """One visible regeling as a check reads it, prepared when the catalogue is loaded."""

    regeling: Regeling  # a copy that belongs to no session
    rules: Rules
    #: Earlier conditions: (first day they no longer applied, rules), oldest first.
    history: tuple[tuple[dt.date, Rules], ...]
    # Copied from the row: plain attributes, read for every regeling in every check, are
    # much cheaper than the model's instrumented ones.
    published: bool
    valid_from: dt.date | None
    valid_to: dt.date | None
    order: tuple[int, str]
    regeling_id: uuid.UUID

    def current_on(self, day: dt.date) -> bool:
        return valid_on(self.valid_from, self.valid_to, day)

    def rules_on(self, day: dt.date) -> Rules:
        """The conditions that applied on `day`: an earlier version when they changed after it."""
        for applied_until, rules in self.history:
            if day < applied_until:
                return rules
        return self.rules


@dataclass(frozen=True)
class PlannedRegeling:
    """A regeling as every check on one day (of a household type, public or not) evaluates
    it: the conditions that applied that day and the parameter values its outcome shows."""

    entry: CatalogueEntry
    conditions: list[Condition]
    #: The outcome's parameters (sorted by key): those the rules read, and the household's
    #: bijstandsnorm when they read the social minimum.
    parameters: tuple[ParameterValue, ...]
    position: int
    sort_name: str  # as `relevance` orders names


@dataclass(frozen=True)
class CheckPlan:
    """The regelingen a check on one day evaluates, in the catalogue's order, and the
    values of every parameter their rules read (on one day a key has one value)."""

    regelingen: tuple[PlannedRegeling, ...]
    values: dict[str, Any]


#: How many plans (days, household types, public or not) and days of parameter values a
#: snapshot keeps, the oldest dropped first: most checks are on today (8 plans).
_PLANS_KEPT = 16


@dataclass(frozen=True)
class CatalogueSnapshot:
    """What a check needs of one gemeente's catalogue: the visible regelingen, prepared,
    and the parameter values. Its rows belong to no session. What the checks on one day
    share is prepared once per snapshot (`plan`): a catalogue change replaces the snapshot."""

    token: uuid.UUID | None
    entries: tuple[CatalogueEntry, ...]
    parameters: Parameters
    _plans: dict[tuple[dt.date, str | None, bool], CheckPlan] = field(default_factory=dict, repr=False, compare=False)
    _days: dict[dt.date, ValuesOnDay] = field(default_factory=dict, repr=False, compare=False)

    def values_on(self, day: dt.date) -> ValuesOnDay:
        """The parameter values on `day`, each looked up once per snapshot."""
        values = self._days.get(day)
        if values is None:
            if len(self._days) >= _PLANS_KEPT:
                del self._days[next(iter(self._days))]
            values = self._days[day] = self.parameters.on_day(day)
        return values

    def plan(self, day: dt.date, facts: Mapping[str, Any], public: bool) -> CheckPlan:
        """The regelingen a check on `day` evaluates for a household with these facts (only
        its household type matters) in the public or the professional's check. A parameter
        a rule needs that has no value on `day` is refused (`NoParameterValue`) as the
        check reaches it, and no plan is kept."""
        key = (day, facts.get("household_type"), public)
        plan = self._plans.get(key)
        if plan is not None:
            return plan
        on_day = self.values_on(day)
        planned, values = [], {}
        for entry in self.entries:
            if (public and not entry.published) or not entry.current_on(day):
                continue
            rules = entry.rules_on(day)
            parameters = on_day.subset(rules.parameters_for(facts))
            values.update((name, value.value) for name, value in parameters.items())
            ordered = tuple(sorted(parameters.values(), key=parameter_key))
            planned.append(PlannedRegeling(entry, rules.conditions, ordered, entry.order[0], entry.order[1].lower()))
        plan = CheckPlan(tuple(planned), values)
        if len(self._plans) >= _PLANS_KEPT:
            del self._plans[next(iter(self._plans))]
        self._plans[key] = plan
        return plan


#: Session info key: the gemeenten whose catalogue the session's transaction changed.
_CHANGED_CATALOGUES = "toegang.changed_catalogues"


class CatalogueCache:
    """Snapshots per gemeente. A change made in this process is seen by the next check (the
    change drops the snapshot, and again when its transaction ends, so neither an
    uncommitted nor a rolled-back catalogue stays); a change made by another server process
    is seen once the snapshot is revalidated against the gemeente's revision token, at most
    `revalidate_after` seconds later. A check reads the database only to revalidate or
    reload: never more statements with more regelingen."""

    def __init__(self, size: int = 512, revalidate_after: float = 1.0) -> None:
        self.size = size
        self.revalidate_after = revalidate_after
        self._snapshots: OrderedDict[uuid.UUID, tuple[CatalogueSnapshot, float]] = OrderedDict()
        # Raised by every forget: a snapshot loaded while the catalogue changed is not kept.
        self._generations: Counter[uuid.UUID] = Counter()

    async def snapshot(self, work: Work) -> CatalogueSnapshot:
        tenant_id = work.tenant.id
        if tenant_id in _changed_catalogues(work.session):
            # This transaction changed the catalogue: it reads its own, uncommitted version,
            # which no other request may see.
            token = await _revision_token(work)
            return await _load_snapshot(work, token)
        cached = self._snapshots.get(tenant_id)
        now = time.monotonic()
        if cached is not None and now - cached[1] < self.revalidate_after:
            return cached[0]
        generation = self._generations[tenant_id]
        token = await _revision_token(work)
        if cached is not None and token is not None and cached[0].token == token:
            self._keep(tenant_id, cached[0], now, generation)
            return cached[0]
        snapshot = await _load_snapshot(work, token)
        if token is not None:
            self._keep(tenant_id, snapshot, now, generation)
        return snapshot

    def _keep(self, tenant_id: uuid.UUID, snapshot: CatalogueSnapshot, validated_at: float, generation: int) -> None:
        if self._generations[tenant_id] != generation:  # changed (here) while this one was read
            return
        self._snapshots[tenant_id] = (snapshot, validated_at)
        self._snapshots.move_to_end(tenant_id)
        if len(self._snapshots) > self.size:
            self._snapshots.popitem(last=False)

    def forget(self, tenant_id: uuid.UUID) -> None:
        self._snapshots.pop(tenant_id, None)
        self._generations[tenant_id] += 1

    def forget_when_done(self, session: Any, tenant_id: uuid.UUID) -> None:
        """Forget the gemeente's snapshot now and when the session's transaction ends."""
        self.forget(tenant_id)
        sync_session = getattr(session, "sync_session", session)
        changed: set[uuid.UUID] | None = sync_session.info.get(_CHANGED_CATALOGUES)
        if changed is None:
            changed = sync_session.info[_CHANGED_CATALOGUES] = set()

            def forget_changed(_session: Any, transaction: Any) -> None:
                if transaction.parent is not None:  # a savepoint: the transaction goes on
                    return
                for changed_tenant in changed:
                    self.forget(changed_tenant)
                changed.clear()

            # Committed, rolled back or closed: the change is either visible to every
            # session now or gone, so the next check loads whichever it is.
            event.listen(sync_session, "after_transaction_end", forget_changed)
        changed.add(tenant_id)


def _changed_catalogues(session: Any) -> set[uuid.UUID]:
    """The gemeenten whose catalogue the session's open transaction changed."""
    return getattr(session, "sync_session", session).info.get(_CHANGED_CATALOGUES) or set()


_REVISIONS = CatalogueRevision.__table__  # type: ignore[attr-defined]
#: The gemeente's revision token: the one statement of a check that revalidates.
_READ_TOKEN = select(_REVISIONS.c.token).where(_REVISIONS.c.tenant_id == bindparam("tenant_id"))


async def _revision_token(work: Work) -> uuid.UUID | None:
    """The gemeente's catalogue revision token, read on the session's connection (in its
    transaction, under its lock) with the tenant given explicitly: a check revalidates its
    cached catalogue with this one small statement, without the ORM's per-statement work (the
    tenant criteria added to the statement, the ORM result). The explicit tenant condition
    is what those criteria would add; on PostgreSQL, row-level security applies as well."""

    def read(session: Any) -> uuid.UUID | None:
        return session.connection().execute(_READ_TOKEN, {"tenant_id": work.tenant.id}).scalar_one_or_none()

    return await work.session.run_sync(read)


async def _load_snapshot(work: Work, token: uuid.UUID | None) -> CatalogueSnapshot:
    rows = list((await work.session.execute(select(Regeling).where(Regeling.hidden.is_(False)))).scalars())
    parameters = await parameters_of(work)
    overrides = {key: [ParameterOverride(**value.model_dump()) for value in values] for key, values in parameters.overrides.items()}
    history: dict[uuid.UUID, list[tuple[dt.date, Rules]]] = {}
    for version in (await work.session.execute(select(RuleVersion).order_by(RuleVersion.applied_until))).scalars():
        rules = Rules.of(compile_conditions(version.conditions, field_prefix="conditions"))
        history.setdefault(version.regeling_id, []).append((version.applied_until, rules))
    # Copies that belong to no session: shared read-only by the checks that follow (and by
    # concurrent resolvers of one request), never flushed anywhere.
    entries = []
    for row in rows:
        copy = Regeling(**row.model_dump())
        entries.append(
            CatalogueEntry(
                copy, Rules.of(conditions_of(copy)), tuple(history.get(copy.id, ())),
                copy.published, copy.valid_from, copy.valid_to, (copy.position, copy.name.lower()), copy.id,
            )
        )  # fmt: skip
    return CatalogueSnapshot(token, tuple(entries), Parameters(overrides))


catalogue_cache = CatalogueCache()

# One row per gemeente: its token changes in the transaction of every catalogue change.
CATALOGUE_REVISION_ID = uuid.UUID(int=1)


async def touch_catalogue(session: Any, tenant_id: uuid.UUID) -> None:
    """Mark the gemeente's catalogue (regelingen, parameter values) as changed: a new
    revision token for every server process, and this process's cached copy dropped."""
    token, now = uuid.uuid4(), utcnow()
    result = await session.execute(update(CatalogueRevision).values(token=token, changed_at=now))
    if result.rowcount == 0:
        session.add(CatalogueRevision(id=CATALOGUE_REVISION_ID, token=token, changed_at=now))
        await session.flush()
    catalogue_cache.forget_when_done(session, tenant_id)


# -- usage counted in memory --------------------------------------------------------------------


class UsageTally:
    """How often regelingen were checked and matched, counted in memory per month and
    written for a gemeente by its first check after `interval` seconds and by the scheduled
    job `handvat3_toegang.write_usage` (every minute), so that checks, also parents'
    anonymous ones, rarely write. The usage overview adds this process's counts not yet
    written. A process that stops loses at most a minute of counts: they are statistics,
    not records."""

    def __init__(self, interval: float = 60.0) -> None:
        self.interval = interval
        self._pending: dict[uuid.UUID, Counter[tuple[uuid.UUID, str, str]]] = {}
        self._since: dict[uuid.UUID, float] = {}

    def add(self, tenant_id: uuid.UUID, events: Iterable[tuple[uuid.UUID, str]]) -> None:
        month = utcnow().strftime("%Y-%m")
        self._pending.setdefault(tenant_id, Counter()).update((regeling_id, kind, month) for regeling_id, kind in events)
        self._since.setdefault(tenant_id, time.monotonic())

    def due(self, tenant_id: uuid.UUID) -> bool:
        since = self._since.get(tenant_id)
        return since is not None and time.monotonic() - since >= self.interval

    def pending(self, tenant_id: uuid.UUID) -> Counter[tuple[uuid.UUID, str, str]]:
        return Counter(self._pending.get(tenant_id, ()))

    def take(self, tenant_id: uuid.UUID) -> Counter[tuple[uuid.UUID, str, str]]:
        self._since.pop(tenant_id, None)
        return self._pending.pop(tenant_id, Counter())


usage_tally = UsageTally()


async def count_usage(session: Any, tenant_id: uuid.UUID, tally: Mapping[tuple[uuid.UUID, str, str], int]) -> None:
    """Add to the usage counts (per regeling, kind and month) in one statement."""
    if not tally:
        return
    statement = dialect_insert(session)(UsageCount).values(
        [{"tenant_id": tenant_id, "id": uuid.uuid4(), "regeling_id": regeling_id, "month": month, "kind": kind, "count": count}
         for (regeling_id, kind, month), count in tally.items()]
    )  # fmt: skip
    statement = statement.on_conflict_do_update(
        index_elements=["tenant_id", "regeling_id", "month", "kind"], set_={"count": UsageCount.count + statement.excluded.count}
    )
    await session.execute(statement)


async def write_usage(work: Work) -> int:
    """Write the gemeente's counted usage, in a transaction of its own; a failure loses
    these counts and never fails the check that triggered it."""
    counts = usage_tally.take(work.tenant.id)
    if not counts:
        return 0
    try:
        async with work.separate_transaction() as session:
            await count_usage(session, work.tenant.id, counts)
    except Exception:  # e.g. a regeling removed meanwhile (the module was purged), a busy database
        log.warning("toegang.usage_dropped", counts=len(counts), exc_info=False)
        return 0
    return sum(counts.values())


async def write_usage_job(work: Work, _now: dt.datetime) -> int:
    """Scheduled: write what this process counted for the gemeente."""
    return await write_usage(work)


# -- the check ----------------------------------------------------------------------------------


async def check(work: Work, profile: dict[str, Any], reference_date: dt.date | None, *, public: bool) -> list[CheckResult]:
    """Every (published, visible) regeling of the gemeente for this household, sorted by
    relevance. No statement while the cached catalogue was revalidated within the last
    second, one (the catalogue's revision) to revalidate it, four when it changed: never
    more with more regelingen. Nothing about the household is stored. What does not depend
    on the household (the regelingen that apply on the day, their compiled conditions and
    parameter values) is prepared once per catalogue revision (`CatalogueSnapshot.plan`)."""
    day = checked_reference_date(reference_date)
    fields = validate(ProfileInput, profile, prefix="profile")
    snapshot = await catalogue_cache.snapshot(work)
    on_day = snapshot.values_on(day)
    facts = complete_facts(fields.facts_for(day), day, lambda key, _on: on_day.get(key).value)
    plan = snapshot.plan(day, facts, public)
    household = Household(facts)  # prepared once for all regelingen
    data = household.with_values(plan.values)
    ranked = []
    for planned in plan.regelingen:
        outcome = outcome_of(planned.conditions, household, data, list(planned.parameters))
        # As `relevance(outcome, position, name)`, with the name lowered once per plan.
        rank = (_OUTCOME_RANK[outcome.status], len(outcome.missing), planned.position, planned.sort_name)
        ranked.append((rank, planned.entry, outcome))
    ranked.sort(key=_rank)
    results = [CheckResult(entry.regeling, outcome) for _, entry, outcome in ranked]
    usage_tally.add(
        work.tenant.id,
        [(entry.regeling_id, "checked") for _, entry, _ in ranked]
        + [(entry.regeling_id, "matched") for _, entry, outcome in ranked if outcome.status == ELIGIBLE],
    )
    if usage_tally.due(work.tenant.id):
        await write_usage(work)
    return results


_OUTCOME_RANK = {status: OUTCOMES.index(status) for status in OUTCOMES}


def _rank(item: tuple[tuple[Any, ...], CatalogueEntry, Outcome]) -> tuple[Any, ...]:
    return item[0]


#: Work extras key: how many public checks this request asked for.
_PUBLIC_CHECKS = "public_checks"


async def public_check(work: Work, profile: dict[str, Any], reference_date: dt.date | None) -> list[CheckResult]:
    """A parent's check over the published catalogue: one per request, so that aliases do
    not multiply what the rate limit counts."""
    checks = work.extras.get(_PUBLIC_CHECKS, 0) + 1
    work.extras[_PUBLIC_CHECKS] = checks
    if checks > 1:
        raise TooManyChecks("Eén check per verzoek.", field="eligibilityCheck")
    return await check(work, profile, reference_date, public=True)
