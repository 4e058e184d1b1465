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
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import event, select, update

from core.plugin import ValidationFailed, Work, dialect_insert, utcnow, validate
from plugins.handvat3_toegang import catalogue
from plugins.handvat3_toegang.eligibility import ELIGIBLE, Household, Outcome, complete_facts, evaluate, relevance
from plugins.handvat3_toegang.models import CatalogueRevision, ParameterOverride, Regeling, RuleVersion, UsageCount
from plugins.handvat3_toegang.profile import ProfileInput
from plugins.handvat3_toegang.services.rules import Parameters, Rules, TooManyChecks, compile_conditions, conditions_of, parameters_of

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

    def current_on(self, day: dt.date) -> bool:
        return valid_on(self.valid_from, self.valid_to, day)

    def rules_on(self, day: dt.date) -> Rules:
        """The conditions that applied on `day`: an earlier version when they changed after it."""
        for applied_until, rules in self.history:
            if day < applied_until:
                return rules
        return self.rules


@dataclass(frozen=True)
class CatalogueSnapshot:
    """What a check needs of one gemeente's catalogue: the visible regelingen, prepared,
    and the parameter values. Its rows belong to no session."""

    token: uuid.UUID | None
    entries: tuple[CatalogueEntry, ...]
    parameters: Parameters


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
            token = (await work.session.execute(select(CatalogueRevision.token))).scalar_one_or_none()
            return await _load_snapshot(work, token)
        cached = self._snapshots.get(tenant_id)
        now = time.monotonic()
        if cached is not None and now - cached[1] < self.revalidate_after:
            return cached[0]
        generation = self._generations[tenant_id]
        token = (await work.session.execute(select(CatalogueRevision.token))).scalar_one_or_none()
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
                copy.published, copy.valid_from, copy.valid_to, (copy.position, copy.name.lower()),
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
    more with more regelingen. Nothing about the household is stored."""
    day = checked_reference_date(reference_date)
    fields = validate(ProfileInput, profile, prefix="profile")
    snapshot = await catalogue_cache.snapshot(work)
    parameters = snapshot.parameters
    on_day = parameters.on_day(day)
    facts = complete_facts(fields.facts_for(day), day, lambda key, _on: on_day.get(key).value)
    household = Household(facts)  # prepared once for all regelingen
    ranked = []
    for entry in snapshot.entries:
        if (public and not entry.published) or not entry.current_on(day):
            continue
        rules = entry.rules_on(day)
        outcome = evaluate(rules.conditions, household, on_day.subset(rules.parameters_for(facts)))
        ranked.append((relevance(outcome, *entry.order), CheckResult(entry.regeling, outcome)))
    ranked.sort(key=lambda pair: pair[0])
    results = [result for _, result in ranked]
    usage_tally.add(
        work.tenant.id,
        [(result.regeling.id, "checked") for result in results]
        + [(result.regeling.id, "matched") for result in results if result.outcome.status == ELIGIBLE],
    )
    if usage_tally.due(work.tenant.id):
        await write_usage(work)
    return results


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
