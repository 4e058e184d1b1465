"""The domain logic of handvat 3: the catalogue, parameters, the eligibility check, the
sociale kaart, bekendheid and search. Plain async functions over a `Work`."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import uuid
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import structlog
import textstat
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from sqlalchemy import event, func, select, update

from core.plugin import Conflict, NotFound, Partner, ValidationFailed, Wijk, Work, dialect_insert, parse_id, utcnow, validate
from plugins.handvat3_toegang import catalogue
from plugins.handvat3_toegang.eligibility import (
    ELIGIBLE,
    Condition,
    Household,
    Outcome,
    SOCIAL_MINIMUM_PARAMETER,
    ParameterValue,
    RuleError,
    check_rule,
    complete_facts,
    evaluate,
    relevance,
)
from plugins.handvat3_toegang.models import CatalogueRevision, Knowledge, ParameterOverride, Regeling, RuleVersion, Service, UsageCount
from plugins.handvat3_toegang.search import index_item, search_documents

MODULE_KEY = "handvat3_toegang"
log = structlog.get_logger(__name__)
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,79}$")
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class RuleRefused(ValidationFailed):
    code = "RULE_INVALID"


class TestVectorsFailed(ValidationFailed):
    code = "TEST_VECTORS_FAILED"


# -- parameters -----------------------------------------------------------------------------------


@dataclass
class Parameters:
    """National parameter values with the gemeente's own values of the overridable ones."""

    overrides: dict[str, list[ParameterOverride]] = field(default_factory=dict)

    def on(self, key: str, day: dt.date) -> ParameterValue:
        definition = catalogue.national_parameters()[key]
        if definition.overridable:
            own = [row for row in self.overrides.get(key, []) if row.valid_from <= day]
            if own:
                latest = max(own, key=lambda row: row.valid_from)
                return ParameterValue(key, latest.value, latest.valid_from, latest.legal_basis_url or definition.legal_basis_url, True)
        version = definition.version_on(day)
        if version is None:
            raise ValidationFailed(
                f"De parameter {key} heeft nog geen waarde op {day:%d-%m-%Y}.", field="referenceDate", code="NO_PARAMETER_VALUE"
            )
        return ParameterValue(
            key, version.value, version.valid_from, definition.legal_basis_url, possibly_outdated=definition.possibly_outdated(version, day)
        )

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
    rows = (await work.session.execute(select(ParameterOverride).order_by(ParameterOverride.valid_from))).scalars()
    overrides: dict[str, list[ParameterOverride]] = {}
    for row in rows:
        overrides.setdefault(row.key, []).append(row)
    return Parameters(overrides)


class ParameterInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str
    valid_from: dt.date
    value: float = Field(ge=0, le=10_000_000)
    legal_basis_url: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https://\S+$", max_length=500)] | None = None

    @field_validator("key")
    @classmethod
    def _overridable(cls, key: str) -> str:
        definition = catalogue.national_parameters().get(key)
        if definition is None:
            raise ValueError(f"Onbekende parameter '{key}'.")
        if not definition.overridable:
            raise ValueError(f"De parameter '{key}' is landelijk vastgesteld; een gemeente kan die niet wijzigen.")
        return key


async def set_parameter(work: Work, data: dict[str, Any]) -> ParameterOverride:
    """The gemeente's value of an overridable parameter from a date on. Checks on a date
    before `valid_from` keep the earlier value."""
    fields = validate(ParameterInput, data, prefix="input")
    existing = (
        await work.session.execute(
            select(ParameterOverride).where(ParameterOverride.key == fields.key, ParameterOverride.valid_from == fields.valid_from)
        )
    ).scalar_one_or_none()
    row = existing or ParameterOverride(key=fields.key, valid_from=fields.valid_from, value=fields.value, set_by=work.actor)
    row.value, row.legal_basis_url, row.set_by, row.set_at = fields.value, fields.legal_basis_url, work.actor, utcnow()
    if existing is None:
        work.session.add(row)
    await work.session.flush()
    # The gemeente's own and adapted regelingen were saved with its values: their test
    # vectors must still pass with this one (on its date).
    failed = [
        (regeling, result)
        for regeling, results in await run_all_vectors(work, own_values_only=True, on=fields.valid_from)
        for result in results
        if not result.passed
    ]
    if failed:
        regeling, first = failed[0]
        raise TestVectorsFailed(
            f"Met deze waarde geeft testgeval '{first.name}' van '{regeling.name}' {first.actual} in plaats van {first.expected}. "
            "Pas eerst dat testgeval aan. Er is niets opgeslagen.",
            field="input.value",
            failures=[{"regeling": item.key, "name": result.name, "expected": result.expected, "actual": result.actual} for item, result in failed],
        )
    await touch_catalogue(work.session, work.tenant.id)
    return row


# -- the catalogue ----------------------------------------------------------------------------------


class ConditionInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    question: Text
    met: Text
    not_met: Text
    rule: dict[str, Any]


class TestVectorInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Short
    reference_date: dt.date | None = None
    household: dict[str, Any]
    expected: Literal["ELIGIBLE", "POSSIBLY", "NOT_ELIGIBLE"]

    @field_validator("reference_date")
    @classmethod
    def _plausible_date(cls, day: dt.date | None) -> dt.date | None:
        if day is not None and not VECTOR_DATES[0] <= day <= VECTOR_DATES[1]:
            raise ValueError(f"Kies een peildatum tussen {VECTOR_DATES[0]:%d-%m-%Y} en {VECTOR_DATES[1]:%d-%m-%Y}.")
        return day


#: The dates a test vector may be checked on (a check itself: `checked_reference_date`).
VECTOR_DATES = (dt.date(2000, 1, 1), dt.date(2100, 12, 31))


class RegelingInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str
    name: Short
    summary: Text
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)] = ""
    category: str
    level: str
    provider_name: Short | None = None
    provider_partner_id: uuid.UUID | None = None
    apply_steps: list[Text] = []
    apply_url: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https?://\S+$", max_length=500)] | None = None
    apply_phone: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ()-]{3,20}$")] | None = None
    apply_documents: list[Short] = []
    costs: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    tags: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]] = []
    source_url: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https?://\S+$", max_length=500)] | None = None
    content_checked_on: dt.date | None = None
    conditions: list[ConditionInput] = []
    test_vectors: list[TestVectorInput] = []
    published: bool | None = None  # None: published when new, unchanged when adapted

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not KEY_PATTERN.match(value):
            raise ValueError("Een sleutel bestaat uit kleine letters, cijfers en _, bijvoorbeeld kindpakket_extra.")
        return value

    @field_validator("category")
    @classmethod
    def _category(cls, value: str) -> str:
        if value not in catalogue.CATEGORIES:
            raise ValueError(f"Kies een categorie uit: {', '.join(catalogue.CATEGORIES)}.")
        return value

    @field_validator("level")
    @classmethod
    def _level(cls, value: str) -> str:
        if value not in catalogue.LEVELS:
            raise ValueError(f"Kies een niveau uit: {', '.join(catalogue.LEVELS)}.")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> RegelingInput:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError("'geldig tot' ligt vóór 'geldig vanaf'.")
        ids = [condition.id for condition in self.conditions]
        if len(ids) != len(set(ids)):
            raise ValueError("Elke voorwaarde heeft een eigen id.")
        if self.conditions and not any(vector.expected == ELIGIBLE for vector in self.test_vectors):
            raise ValueError("Geef bij voorwaarden minstens één testgeval dat in aanmerking komt.")
        if self.conditions and not any(vector.expected == "NOT_ELIGIBLE" for vector in self.test_vectors):
            raise ValueError("Geef bij voorwaarden minstens één testgeval dat niet in aanmerking komt.")
        return self


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


@dataclass
class CompiledRegeling:
    row: Regeling
    conditions: list[Condition]


_compiled_cache: dict[tuple[uuid.UUID, dt.datetime], list[Condition]] = {}


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


def compiled(row: Regeling) -> CompiledRegeling:
    return CompiledRegeling(row, conditions_of(row))


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


def _vector_facts_known(vectors: Sequence[TestVectorInput]) -> None:
    from pydantic import ValidationError

    from plugins.handvat3_toegang.eligibility import DERIVED_FACTS, FACTS

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


def _readability_warnings(summary: str, minimum: float) -> list[str]:
    score = readability(summary)
    if score < minimum:
        return [f"De samenvatting is niet in eenvoudige taal (leesbaarheid {score:.0f}, doel ten minste {minimum:.0f}): gebruik kortere zinnen en gewone woorden."]
    return []


def readability(text: str) -> float:
    """Flesch-Douma reading ease of Dutch text (textstat); higher is easier, B1 ≈ 60+. The
    formula can leave its 0-100 scale for very long or very short sentences; it is kept on
    it, so that the gemeente's threshold (0-100) can reach every text."""
    textstat.set_lang("nl")
    return round(min(max(float(textstat.flesch_reading_ease(text)), 0.0), 100.0), 1)


async def _check_provider(work: Work, partner_id: uuid.UUID | None) -> None:
    if partner_id is None:
        return
    if (await work.session.execute(select(Partner.id).where(Partner.id == partner_id))).first() is None:
        raise NotFound("Deze partnerorganisatie bestaat niet.", field="input.providerPartnerId")


async def save_regeling(work: Work, data: dict[str, Any], *, existing: Regeling | None = None) -> tuple[Regeling, list[str]]:
    """Create the gemeente's own regeling or adapt one (also a national one). The rules must
    be valid and the regeling's own test vectors must pass; else nothing is saved.
    Returns the row and warnings (e.g. about plain language)."""
    fields = validate(RegelingInput, data, prefix="input")
    _vector_facts_known(fields.test_vectors)
    conditions = compile_conditions([condition.model_dump() for condition in fields.conditions])
    await _check_provider(work, fields.provider_partner_id)
    parameters = await parameters_of(work)
    vectors = [vector.model_dump() for vector in fields.test_vectors]
    failed = [result for result in run_vectors(conditions, vectors, parameters, dt.date.today()) if not result.passed]
    if failed:
        first = failed[0]
        raise TestVectorsFailed(
            f"Testgeval '{first.name}' verwacht {first.expected}, maar de regels geven {first.actual}. Er is niets opgeslagen.",
            field="input.testVectors",
            failures=[{"name": item.name, "expected": item.expected, "actual": item.actual} for item in failed],
        )
    clash = (await work.session.execute(select(Regeling.id).where(Regeling.key == fields.key))).scalar_one_or_none()
    if clash is not None and (existing is None or clash != existing.id):
        raise Conflict(f"Er is al een regeling met de sleutel '{fields.key}'.", field="input.key")
    row = existing or Regeling(key=fields.key, name=fields.name, summary=fields.summary, category=fields.category, level=fields.level)
    values = fields.model_dump(mode="json")
    if values["published"] is None:
        values["published"] = existing.published if existing is not None else True
    for name in ("valid_from", "valid_to", "content_checked_on"):
        values[name] = getattr(fields, name)
    values["provider_partner_id"] = fields.provider_partner_id
    if existing is not None:
        await remember_conditions(work.session, existing, values["conditions"], work.actor)
    for name, value in values.items():
        setattr(row, name, value)
    if existing is not None and existing.national_key:
        row.adapted = True
    row.updated_at, row.updated_by = utcnow(), work.actor
    if existing is None:
        row.position = await _next_position(work)
        work.session.add(row)
    await work.session.flush()
    await index_regeling(work.session, row)
    await touch_catalogue(work.session, work.tenant.id)
    config = await work.module_config(MODULE_KEY)
    return row, _readability_warnings(row.summary, config.readability_min_score)


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


async def index_regeling(session: Any, row: Regeling) -> None:
    """The regeling's searchable text (public when published and not hidden)."""
    text = f"{row.summary}\n{row.description}\n{' '.join(row.tags)}"
    await index_item(session, "regeling", row.id, row.name, text, public=row.published and not row.hidden)


async def _next_position(work: Work) -> int:
    highest = (await work.session.execute(select(func.max(Regeling.position)))).scalar_one()
    return (highest or 0) + 10


async def get_regeling(work: Work, regeling_id: Any, *, field: str = "id") -> Regeling:
    row = (await work.session.execute(select(Regeling).where(Regeling.id == parse_id(regeling_id, field)))).scalar_one_or_none()
    if row is None:
        raise NotFound("Deze regeling bestaat niet.", field=field)
    return row


async def set_visibility(work: Work, regeling_id: Any, *, hidden: bool | None = None, published: bool | None = None) -> Regeling:
    row = await get_regeling(work, regeling_id, field="input.id")
    if hidden is not None:
        row.hidden = hidden
    if published is not None:
        row.published = published
    row.updated_at, row.updated_by = utcnow(), work.actor
    await work.session.flush()
    await index_regeling(work.session, row)
    await touch_catalogue(work.session, work.tenant.id)
    return row


async def reorder(work: Work, regeling_ids: Sequence[Any]) -> list[Regeling]:
    """Put these regelingen first, in this order; the rest keep their order after them."""
    ids = [parse_id(value, "input.ids") for value in regeling_ids]
    if len(ids) != len(set(ids)):
        raise ValidationFailed("Elke regeling mag maar één keer in de volgorde staan.", field="input.ids")
    rows = {row.id: row for row in (await work.session.execute(select(Regeling))).scalars()}
    unknown = [str(value) for value in ids if value not in rows]
    if unknown:
        raise NotFound("Een of meer regelingen bestaan niet.", field="input.ids", unknown=unknown)
    ordered = [rows[value] for value in ids] + sorted((row for key, row in rows.items() if key not in set(ids)), key=lambda row: row.position)
    for index, row in enumerate(ordered):
        row.position = (index + 1) * 10
    await work.session.flush()
    await touch_catalogue(work.session, work.tenant.id)
    return ordered


async def sync_national(work: Work) -> int:
    return await sync_national_into(work.session, work.tenant)


def _national_content(row: Regeling) -> tuple[Any, ...]:
    names = ("name", "summary", "description", "category", "level", "provider_name", "apply_steps", "apply_url", "apply_phone",
             "apply_documents", "costs", "tags", "source_url", "content_checked_on", "conditions", "test_vectors")  # fmt: skip
    # JSON with sorted keys: PostgreSQL's JSONB gives objects back in its own key order.
    return tuple(json.dumps(getattr(row, name), sort_keys=True, default=str) for name in names)


async def sync_national_into(session: Any, tenant: Any) -> int:
    """Copy the national seed into the gemeente's catalogue (the session's tenant): new
    regelingen are added, regelingen the gemeente did not adapt are updated. Returns how
    many changed."""
    rows = list((await session.execute(select(Regeling))).scalars())
    existing = {row.national_key: row for row in rows if row.national_key}
    own_keys = {row.key for row in rows if not row.national_key}
    position = max((row.position for row in rows), default=0) + 10
    changed = 0
    for item in catalogue.national_regelingen():
        row = existing.get(item["key"])
        if row is not None and row.adapted:
            continue
        if row is None:
            if item["key"] in own_keys:
                log.warning("toegang.national_key_taken", key=item["key"])  # the gemeente's own regeling keeps the key
                continue
            row = Regeling(key=item["key"], national_key=item["key"], position=position, name="", summary="", category="", level="")
            position += 10
            session.add(row)
        before = _national_content(row)
        apply = item.get("apply") or {}
        row.name, row.summary, row.description = item["name"], item["summary"], item.get("description", "")
        row.category, row.level, row.provider_name = item["category"], item["level"], item.get("provider")
        row.apply_steps, row.apply_url = list(apply.get("steps") or []), apply.get("url")
        row.apply_phone, row.apply_documents = apply.get("phone"), list(apply.get("documents") or [])
        row.costs, row.tags, row.source_url = item.get("costs"), list(item.get("tags") or []), item.get("source_url")
        checked = item.get("content_checked_on")
        row.content_checked_on = checked if isinstance(checked, dt.date) or checked is None else dt.date.fromisoformat(str(checked))
        national_conditions = [dict(condition) for condition in item.get("conditions") or []]
        if row not in session.new:  # an existing regeling: keep its conditions before they change
            await remember_conditions(session, row, national_conditions, "landelijke catalogus")
        row.conditions = national_conditions
        row.test_vectors = [
            {**vector, "reference_date": str(vector["reference_date"]) if vector.get("reference_date") else None}
            for vector in item.get("test_vectors") or []
        ]
        if _national_content(row) != before:
            row.updated_at, row.updated_by = utcnow(), "landelijke catalogus"
            changed += 1
    await session.flush()
    for row in (await session.execute(select(Regeling).where(Regeling.national_key.is_not(None)))).scalars():
        await index_regeling(session, row)
    await touch_catalogue(session, tenant.id)
    return changed


# -- the check ---------------------------------------------------------------------------------------


#: The oldest a child in the household can be: an earlier birth date is a typing error
#: (0001-01-01, 1926 for 2026), not a child whose age a regeling could ask about.
MAX_CHILD_AGE_YEARS = 30


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier (28 February for 29 February in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


class ProfileInput(BaseModel):
    """What a parent or professional tells about a household. Every field is optional: what
    is not given makes a regeling POSSIBLY instead of a guess."""

    model_config = ConfigDict(extra="forbid")

    household_type: Literal["alleenstaand", "alleenstaande_ouder", "paar"] | None = None
    age: int | None = Field(default=None, ge=12, le=120)
    net_monthly_income: float | None = Field(default=None, ge=0, le=1_000_000)
    gross_yearly_income: float | None = Field(default=None, ge=0, le=10_000_000)
    assets: float | None = Field(default=None, ge=0, le=100_000_000)
    pregnant: bool | None = None
    due_date: dt.date | None = None
    children_birth_dates: list[dt.date] | None = Field(default=None, max_length=20)
    lives_in_gemeente: bool | None = None
    rents_home: bool | None = None
    monthly_rent: float | None = Field(default=None, ge=0, le=100_000)
    student: bool | None = None
    self_employed: bool | None = None
    has_debts: bool | None = None
    has_health_insurance: bool | None = None

    def facts_for(self, reference_date: dt.date) -> dict[str, Any]:
        if self.children_birth_dates and any(day > reference_date for day in self.children_birth_dates):
            raise ValidationFailed("Een kind kan niet na de peildatum geboren zijn.", field="profile.childrenBirthDates")
        earliest = years_before(reference_date, MAX_CHILD_AGE_YEARS)
        if self.children_birth_dates and any(day < earliest for day in self.children_birth_dates):
            raise ValidationFailed(
                f"Een kind in het huishouden is hoogstens {MAX_CHILD_AGE_YEARS} jaar oud: controleer de geboortedatum.",
                field="profile.childrenBirthDates",
            )
        if self.due_date is not None:
            if self.pregnant is False:
                raise ValidationFailed("Een uitgerekende datum hoort bij een zwangerschap.", field="profile.dueDate")
            if self.due_date < reference_date - dt.timedelta(days=31):
                raise ValidationFailed("De uitgerekende datum ligt in het verleden.", field="profile.dueDate")
            if self.due_date > reference_date + dt.timedelta(days=300):
                raise ValidationFailed("De uitgerekende datum ligt meer dan 10 maanden vooruit.", field="profile.dueDate")
        if self.household_type == "alleenstaande_ouder" and self.children_birth_dates == [] and not self.pregnant:
            raise ValidationFailed("Een alleenstaande ouder heeft een kind of verwacht er een.", field="profile.householdType")
        raw = self.model_dump()
        return raw


@dataclass
class CheckResult:
    regeling: Regeling
    outcome: Outcome


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


NORM_FACTS = frozenset({"social_minimum", "income_pct_social_minimum"})
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


catalogue_cache = CatalogueCache()
usage_tally = UsageTally()


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


def valid_on(valid_from: dt.date | None, valid_to: dt.date | None, day: dt.date) -> bool:
    return not ((valid_from and valid_from > day) or (valid_to and valid_to < day))


def current_on(row: Regeling, day: dt.date) -> bool:
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


async def regeling_exists(session: Any, regeling_id: Any) -> bool:
    try:
        identifier = uuid.UUID(str(regeling_id))
    except ValueError:
        return False
    return (await session.execute(select(Regeling.id).where(Regeling.id == identifier))).first() is not None


async def count_referral(session: Any, event: Any) -> None:
    """A referral to a regeling (an event with `regeling_id`) counts towards its use."""
    try:
        regeling_id = uuid.UUID(str(event.payload["regeling_id"]))
    except (KeyError, ValueError):
        return
    if (await session.execute(select(Regeling.id).where(Regeling.id == regeling_id))).first() is not None:
        await count_usage(session, event.tenant_id, Counter({(regeling_id, "referred", utcnow().strftime("%Y-%m")): 1}))


async def mark_referred(work: Work, regeling_id: Any) -> Regeling:
    """A professional referred a family to this regeling (counted, nothing about the family)."""
    from core.plugin import publish_event

    row = await get_regeling(work, regeling_id, field="input.regelingId")
    publish_event(work.session, "handvat3_toegang.regeling.referred", {"regeling_id": str(row.id)}, actor=work.actor)
    return row


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
        results.append((row, run_vectors(compiled(row).conditions, row.test_vectors, own if gemeente_values else national, on or dt.date.today())))
    return results


# -- sociale kaart, bekendheid, search -------------------------------------------------------------


class ServiceInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    partner_id: uuid.UUID
    name: Short
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] = ""
    audience: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""
    wijk_codes: list[Annotated[str, StringConstraints(pattern=r"^WK\d{6}$")]] = []
    contact: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None
    opening_hours: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None
    published: bool | None = None  # None: published when new, unchanged when edited


async def save_service(work: Work, data: dict[str, Any], *, existing: Service | None = None) -> Service:
    fields = validate(ServiceInput, data, prefix="input")
    if (await work.session.execute(select(Partner.id).where(Partner.id == fields.partner_id))).first() is None:
        raise NotFound("Deze partnerorganisatie bestaat niet.", field="input.partnerId")
    known = set((await work.session.execute(select(Wijk.code).where(Wijk.code.in_(fields.wijk_codes)))).scalars())
    unknown = sorted(set(fields.wijk_codes) - known)
    if unknown:
        raise ValidationFailed(f"Onbekende wijk(en): {', '.join(unknown)}.", field="input.wijkCodes")
    clash = (await work.session.execute(select(Service.id).where(Service.name == fields.name))).scalar_one_or_none()
    if clash is not None and (existing is None or clash != existing.id):
        raise Conflict("Er is al een aanbod met deze naam.", field="input.name")
    row = existing or Service(partner_id=fields.partner_id, name=fields.name)
    values = fields.model_dump()
    if values["published"] is None:
        values["published"] = existing.published if existing is not None else True
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    if existing is None:
        work.session.add(row)
    await work.session.flush()
    await index_item(work.session, "service", row.id, row.name, f"{row.description}\n{row.audience}", public=row.published)
    return row


async def services_in_wijk(session: Any, rows: list[Service], wijk_code: str | None) -> list[Service]:
    """The services of the sociale kaart for one wijk (those for the whole gemeente and
    those for this wijk); a code that is no wijk of this gemeente is NOT_FOUND, never an
    empty filter that silently answers everything."""
    if wijk_code is None or not wijk_code.strip():
        return rows
    if (await session.execute(select(Wijk.id).where(Wijk.code == wijk_code))).first() is None:
        raise NotFound("Deze wijk bestaat niet in deze gemeente.", field="wijkCode")
    return [row for row in rows if not row.wijk_codes or wijk_code in row.wijk_codes]


async def mark_known(work: Work, regeling_id: Any, known: bool) -> Regeling:
    """A member says "I know this regeling and can explain it" (or takes that back)."""
    row = await get_regeling(work, regeling_id, field="input.regelingId")
    membership_id = work.principal.membership_id
    if membership_id is None:
        raise ValidationFailed("Alleen leden van de coalitie kunnen dit aangeven.", field="input.regelingId")
    mark = (
        await work.session.execute(select(Knowledge).where(Knowledge.regeling_id == row.id, Knowledge.membership_id == membership_id))
    ).scalar_one_or_none()
    if known and mark is None:
        work.session.add(Knowledge(regeling_id=row.id, membership_id=membership_id, partner_id=work.principal.partner_id))
    elif not known and mark is not None:
        await work.session.delete(mark)
    await work.session.flush()
    return row


async def search(work: Work, query: str, *, public: bool, limit: int = 20) -> list[tuple[str, Any]]:
    """Regelingen and services matching a Dutch query, best first: (kind, row)."""
    query = (query or "").strip()
    if not query or len(query) > 200:
        raise ValidationFailed("Geef een zoekvraag van 1 tot 200 tekens.", field="query")
    hits = await search_documents(work.session, work.tenant.id, query, public=public, limit=limit)
    regelingen = {row.id: row for row in (await work.session.execute(select(Regeling).where(Regeling.id.in_([hit.item_id for hit in hits if hit.kind == "regeling"])))).scalars()}
    services = {row.id: row for row in (await work.session.execute(select(Service).where(Service.id.in_([hit.item_id for hit in hits if hit.kind == "service"])))).scalars()}
    found = []
    for hit in hits:
        row = (regelingen if hit.kind == "regeling" else services).get(hit.item_id)
        if row is None or getattr(row, "hidden", False):  # a hidden regeling is not the gemeente's
            continue
        if public and not (row.published and (hit.kind != "regeling" or current_on(row, dt.date.today()))):
            continue  # the index says public; the row has the last word
        found.append((hit.kind, row))
    return found

