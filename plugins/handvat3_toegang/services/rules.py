"""Eligibility as data: the parameter values rules read (national ones, with the
gemeente's own values of the overridable ones), conditions compiled and checked, test
vectors, and the conditions a regeling had before they changed."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from core.plugin import ValidationFailed, Work, parse_id
from plugins.handvat3_toegang import catalogue
from plugins.handvat3_toegang.eligibility import (
    DERIVED_FACTS,
    FACTS,
    SOCIAL_MINIMUM_PARAMETER,
    Condition,
    ParameterValue,
    RuleError,
    check_rule,
    complete_facts,
    evaluate,
)
from plugins.handvat3_toegang.models import ParameterOverride, Regeling, RuleVersion
from plugins.handvat3_toegang.profile import ProfileInput


class RuleRefused(ValidationFailed):
    code = "RULE_INVALID"
    description = "Een regel van de regeling is ongeldig (onbekend gegeven, onbekende parameter of verkeerde vorm)."


class TestVectorsFailed(ValidationFailed):
    code = "TEST_VECTORS_FAILED"
    description = "De testgevallen van de regeling geven niet de verwachte uitkomst; er is niets opgeslagen."


class NoParameterValue(ValidationFailed):
    code = "NO_PARAMETER_VALUE"
    description = "Een parameter die de regels gebruiken heeft op de peildatum nog geen waarde."


class TooManyChecks(ValidationFailed):
    code = "TOO_MANY_CHECKS"
    description = "Eén check per verzoek op de openbare API (aliassen tellen mee)."


# -- parameter values ---------------------------------------------------------------------------


@dataclass
class Parameters:
    """National parameter values with the gemeente's own values of the overridable ones."""

    overrides: dict[str, list[ParameterOverride]] = field(default_factory=dict)

    def value_on(self, key: str, day: dt.date) -> ParameterValue | None:
        """The value of `key` on `day`, or None when it has none yet on that day."""
        definition = catalogue.national_parameters()[key]
        if definition.overridable:
            own = [row for row in self.overrides.get(key, []) if row.valid_from <= day]
            if own:
                latest = max(own, key=lambda row: row.valid_from)
                return ParameterValue(key, latest.value, latest.valid_from, latest.legal_basis_url or definition.legal_basis_url, True)
        version = definition.version_on(day)
        if version is None:
            return None
        return ParameterValue(
            key, version.value, version.valid_from, definition.legal_basis_url, possibly_outdated=definition.possibly_outdated(version, day)
        )

    def on(self, key: str, day: dt.date) -> ParameterValue:
        """The value of `key` on `day`; a rule that needs one that has none is refused."""
        value = self.value_on(key, day)
        if value is None:
            raise NoParameterValue(f"De parameter {key} heeft nog geen waarde op {day:%d-%m-%Y}.", field="referenceDate")
        return value

    def on_day(self, day: dt.date) -> ValuesOnDay:
        return ValuesOnDay(self, day)


class ValuesOnDay:
    """The parameter values on one day, each looked up once: a check reads the same
    parameters for many regelingen."""

    def __init__(self, parameters: Parameters, day: dt.date) -> None:
        self._parameters = parameters
        self._day = day
        self._values: dict[str, ParameterValue] = {}

    def get(self, key: str) -> ParameterValue:
        value = self._values.get(key)
        if value is None:
            value = self._values[key] = self._parameters.on(key, self._day)
        return value

    def subset(self, keys: Iterable[str]) -> dict[str, ParameterValue]:
        return {key: self.get(key) for key in keys}


async def parameters_of(work: Work) -> Parameters:
    """The national values with the gemeente's own."""
    rows = (await work.session.execute(select(ParameterOverride).order_by(ParameterOverride.valid_from))).scalars()
    overrides: dict[str, list[ParameterOverride]] = {}
    for row in rows:
        overrides.setdefault(row.key, []).append(row)
    return Parameters(overrides)


# -- conditions ---------------------------------------------------------------------------------


def compile_conditions(raw: Sequence[dict[str, Any]], *, field_prefix: str = "input.conditions") -> list[Condition]:
    parameters = catalogue.national_parameters()
    compiled = []
    for index, item in enumerate(raw):
        try:
            facts, params = check_rule(item.get("rule"), parameters)
        except RuleError as exc:
            raise RuleRefused(f"Voorwaarde '{item.get('id')}': {exc}.", field=f"{field_prefix}.{index}.rule") from None
        compiled.append(
            Condition(
                id=item["id"],
                question=item["question"],
                met=item["met"],
                not_met=item.get("not_met") or item.get("notMet", ""),
                rule=item["rule"],
                facts=frozenset(facts),
                parameters=frozenset(params),
            )
        )
    return compiled


_compiled_cache: dict[tuple[uuid.UUID, uuid.UUID, dt.datetime], list[Condition]] = {}


def conditions_of(row: Regeling) -> list[Condition]:
    """The regeling's conditions, checked and compiled once per version of the row."""
    key = (row.tenant_id, row.id, row.updated_at)
    conditions = _compiled_cache.get(key)
    if conditions is None:
        if len(_compiled_cache) > 10_000:
            _compiled_cache.clear()
        conditions = compile_conditions(row.conditions, field_prefix="conditions")
        _compiled_cache[key] = conditions
    return conditions


NORM_FACTS = frozenset({"social_minimum", "income_pct_social_minimum"})


@dataclass(frozen=True)
class Rules:
    """A regeling's compiled conditions, the parameters they read, and whether they read a
    fact derived from the bijstandsnorm."""

    conditions: list[Condition]
    parameters: frozenset[str]
    reads_norm: bool

    @classmethod
    def of(cls, conditions: list[Condition]) -> Rules:
        keys = frozenset(key for condition in conditions for key in condition.parameters)
        return cls(conditions, keys, any(condition.facts & NORM_FACTS for condition in conditions))

    def parameters_for(self, facts: Mapping[str, Any]) -> frozenset[str]:
        """The parameters an outcome rests on: those the rules read, and the household's
        bijstandsnorm when a rule reads the (percentage of the) social minimum."""
        norm = SOCIAL_MINIMUM_PARAMETER.get(facts.get("household_type") or "") if self.reads_norm else None
        return self.parameters | {norm} if norm else self.parameters


def _canonical(conditions: Any) -> str:
    return json.dumps(conditions, sort_keys=True, default=str)


async def remember_conditions(session: Any, row: Regeling, new_conditions: list[dict[str, Any]], actor: str) -> None:
    """Keep a regeling's conditions before they change, as applying until today, so that a
    check on an earlier date uses them. Changed twice in one day: the version that applied
    before today is the one kept."""
    if _canonical(row.conditions) == _canonical(new_conditions):
        return
    today = dt.date.today()
    kept = (
        await session.execute(select(RuleVersion.id).where(RuleVersion.regeling_id == row.id, RuleVersion.applied_until == today))
    ).first()
    if kept is None:
        session.add(RuleVersion(regeling_id=row.id, conditions=[dict(item) for item in row.conditions], applied_until=today, replaced_by=actor))


# -- test vectors -------------------------------------------------------------------------------


@dataclass(frozen=True)
class VectorResult:
    name: str
    expected: str
    actual: str
    reference_date: dt.date

    @property
    def passed(self) -> bool:
        return self.expected == self.actual


def run_vectors(conditions: list[Condition], vectors: Sequence[dict[str, Any]], parameters: Parameters, today: dt.date) -> list[VectorResult]:
    results = []
    rules = Rules.of(conditions)
    for vector in vectors:
        day = vector.get("reference_date") or today
        day = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
        values = parameters.on_day(day)
        facts = complete_facts(vector_household(vector["household"]), day, lambda key, _on: values.get(key).value)
        outcome = evaluate(conditions, facts, values.subset(rules.parameters_for(facts)))
        results.append(VectorResult(vector["name"], vector["expected"], outcome.status, day))
    return results


def vector_household(household: dict[str, Any]) -> dict[str, Any]:
    """A test vector's household as facts: its profile fields validated like a real profile
    (dates as dates), and derived facts (e.g. `youngest_child_months`) given directly."""
    given = {name: value for name, value in household.items() if name in ProfileInput.model_fields}
    derived = {name: value for name, value in household.items() if name not in ProfileInput.model_fields}
    return {**derived, **ProfileInput.model_validate(given).model_dump(exclude_none=True)}


def check_vector_households(vectors: Sequence[Any]) -> None:
    """Every test vector's household names known facts only, with values a real profile
    could have (each vector has `name`, `household` and `reference_date`)."""
    for index, vector in enumerate(vectors):
        field = f"input.testVectors.{index}.household"
        unknown = [name for name in vector.household if name not in FACTS and name not in ProfileInput.model_fields]
        if unknown:
            raise ValidationFailed(f"Onbekend gegeven in testgeval: {', '.join(unknown)}.", field=field)
        try:
            vector_household(vector.household)
            # The same date checks as a real profile (no child born after the reference date, ...).
            ProfileInput.model_validate({k: v for k, v in vector.household.items() if k in ProfileInput.model_fields}).facts_for(
                vector.reference_date or dt.date.today()
            )
        except ValidationError as error:
            problem = error.errors()[0]
            raise ValidationFailed(f"Testgeval '{vector.name}': {'.'.join(map(str, problem['loc']))}: {problem['msg']}", field=field) from None
        except ValidationFailed as error:
            raise ValidationFailed(f"Testgeval '{vector.name}': {error.message}", field=field) from None
        for name in DERIVED_FACTS & set(vector.household):
            value = vector.household[name]
            if not isinstance(value, (bool, int, float)) or (not isinstance(value, bool) and value < 0):
                raise ValidationFailed(f"Testgeval '{vector.name}': {name} moet een getal of ja/nee zijn.", field=field)


async def run_all_vectors(
    work: Work, regeling_ids: Sequence[Any] | None = None, *, own_values_only: bool = False, on: dt.date | None = None
) -> list[tuple[Regeling, list[VectorResult]]]:
    """Every regeling's test vectors: the national (unadapted) ones with the national values
    they were written for, the gemeente's own and adapted ones with the gemeente's values
    (`own_values_only`: only those). Vectors without a date run on `on` (default today)."""
    statement = select(Regeling).order_by(Regeling.position)
    if regeling_ids:
        statement = statement.where(Regeling.id.in_([parse_id(value, "regelingIds") for value in regeling_ids]))
    rows = list((await work.session.execute(statement)).scalars())
    own, national = await parameters_of(work), Parameters()
    results = []
    for row in rows:
        gemeente_values = not row.national_key or row.adapted
        if own_values_only and not gemeente_values:
            continue
        results.append((row, run_vectors(conditions_of(row), row.test_vectors, own if gemeente_values else national, on or dt.date.today())))
    return results
