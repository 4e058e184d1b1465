"""The gemeente's catalogue of regelingen: its own and adapted regelingen (rules and test
vectors checked before anything is saved), the national seed copied in and kept up to
date, visibility, order, what the coalition and the public see, and search."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any, Literal

import structlog
from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator, model_validator
from sqlalchemy import Date, bindparam, func, or_, select
from sqlalchemy.orm import load_only

from core.plugin import Conflict, NotFound, ValidationFailed, Work, paginate, parse_id, partners_by_id, utcnow, validate
from plugins.handvat3_toegang import MODULE_KEY
from plugins.handvat3_toegang import catalogue as national
from plugins.handvat3_toegang.eligibility import ELIGIBLE
from plugins.handvat3_toegang.models import Regeling, Service
from plugins.handvat3_toegang.search import index_item, search_documents
from plugins.handvat3_toegang.services.check import current_on, touch_catalogue
from plugins.handvat3_toegang.services.rules import (
    TestVectorsFailed,
    check_vector_households,
    compile_conditions,
    parameters_of,
    remember_conditions,
    run_vectors,
)

log = structlog.get_logger(__name__)

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,79}$")
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https?://\S+$", max_length=500)]

#: The dates a test vector may be checked on (a check itself: `checked_reference_date`).
VECTOR_DATES = (dt.date(2000, 1, 1), dt.date(2100, 12, 31))


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
    apply_url: Url | None = None
    apply_phone: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ()-]{3,20}$")] | None = None
    apply_documents: list[Short] = []
    costs: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    tags: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]] = []
    source_url: Url | None = None
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
        if value not in national.CATEGORIES:
            raise ValueError(f"Kies een categorie uit: {', '.join(national.CATEGORIES)}.")
        return value

    @field_validator("level")
    @classmethod
    def _level(cls, value: str) -> str:
        if value not in national.LEVELS:
            raise ValueError(f"Kies een niveau uit: {', '.join(national.LEVELS)}.")
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


@functools.lru_cache(maxsize=4096)
def readability(text: str) -> float:
    """Flesch-Douma reading ease of Dutch text (textstat); higher is easier, B1 ≈ 60+. The
    formula can leave its 0-100 scale for very long or very short sentences; it is kept on
    it, so that the gemeente's threshold (0-100) can reach every text. Remembered per text
    (a list asks for the same summaries again and again)."""
    import textstat  # when first needed: it loads nltk, which would add ~1 s to every start-up

    textstat.set_lang("nl")
    return round(min(max(float(textstat.flesch_reading_ease(text)), 0.0), 100.0), 1)


def _readability_warnings(summary: str, minimum: float) -> list[str]:
    score = readability(summary)
    if score < minimum:
        return [f"De samenvatting is niet in eenvoudige taal (leesbaarheid {score:.0f}, doel ten minste {minimum:.0f}): gebruik kortere zinnen en gewone woorden."]
    return []


# -- reading ------------------------------------------------------------------------------------


#: Loaded with every regeling of a list: its key and its place in the order (the cursors).
PAGE_COLUMNS = (Regeling.id, Regeling.position, Regeling.name)


def _only(statement: Any, columns: Sequence[Any] | None) -> Any:
    """`statement` loading only these columns of the regelingen (with `PAGE_COLUMNS`; None:
    every column). Reading another column of such a row raises instead of loading it (an
    async session cannot load behind the caller's back)."""
    if columns is None:
        return statement
    return statement.options(_load_only(tuple(column.key for column in columns)))


@functools.lru_cache(maxsize=256)
def _load_only(names: tuple[str, ...]) -> Any:
    # Made once per set of columns (an option is immutable; a query's selection repeats).
    return load_only(*PAGE_COLUMNS, *(getattr(Regeling, name) for name in names), raiseload=True)


async def get_regeling(work: Work, regeling_id: Any, *, field: str = "id", columns: Sequence[Any] | None = None) -> Regeling:
    """One regeling (NOT_FOUND on `field` otherwise), with only `columns` loaded when given
    (a query's; a change needs every column)."""
    statement = _only(select(Regeling), columns).where(Regeling.id == parse_id(regeling_id, field))
    row = (await work.session.execute(statement)).scalar_one_or_none()
    if row is None:
        raise NotFound("Deze regeling bestaat niet.", field=field)
    return row


async def regeling_exists(session: Any, regeling_id: Any) -> bool:
    try:
        identifier = uuid.UUID(str(regeling_id))
    except ValueError:
        return False
    return (await session.execute(select(Regeling.id).where(Regeling.id == identifier))).first() is not None


#: Turns a page's rows into its nodes (all at once: what they need is read in one batch).
ToNodes = Callable[[list[Regeling]], Awaitable[list[Any]]]


#: The order of the catalogue, and of its pages.
IN_ORDER = (Regeling.position, Regeling.name, Regeling.id)


@functools.lru_cache(maxsize=256)
def _page_select(columns: tuple[Any, ...] | None, *, public: bool, include_hidden: bool, by_category: bool) -> Any:
    """The statement of a page of the catalogue: built once per selection of columns and
    filter (a query's repeat), the category and the day bound per call (`_page`), so that a
    page's statement is the same object each time (see `paginate`). Of whole rows (`columns`
    None), else of `columns` as read-only result rows (no entities: a page is only read, and
    its nodes read a row's fields by name as they read an entity's), with the whole primary
    key as an entity has it (what is cached per row is cached under the gemeente's id too)."""
    statement = select(Regeling) if columns is None else select(*dict.fromkeys((Regeling.tenant_id, *PAGE_COLUMNS, *columns)))
    if public:
        statement = _current(_public(statement), bindparam("today", type_=Date()))
    elif not include_hidden:
        statement = statement.where(Regeling.hidden.is_(False))
    if by_category:
        statement = statement.where(Regeling.category == bindparam("category", type_=Regeling.category.type))
    return statement


async def _page(
    work: Work,
    columns: Sequence[Any] | None,
    *,
    public: bool,
    include_hidden: bool = False,
    category: str | None,
    first: int | None,
    after: str | None,
    to_nodes: ToNodes,
) -> Any:
    """A page (a connection) of regelingen in the gemeente's order (then by name)."""
    statement = _page_select(tuple(columns) if columns is not None else None, public=public, include_hidden=include_hidden, by_category=bool(category))
    return await paginate(
        work.session,
        statement,
        order_by=IN_ORDER,
        first=first,
        after=after,
        max_page_size=work.settings.graphql_max_page_size,
        to_nodes=to_nodes,
        as_rows=columns is not None,
        params={"category": category, "today": dt.date.today()},
    )


async def regelingen_page(
    work: Work,
    *,
    category: str | None,
    include_hidden: bool,
    first: int | None,
    after: str | None,
    to_nodes: ToNodes,
    columns: Sequence[Any] | None = None,
) -> Any:
    """A page of the gemeente's catalogue for the coalition, in its order (hidden ones only
    when asked), with only `columns` read when given."""
    return await _page(work, columns, public=False, include_hidden=include_hidden, category=category, first=first, after=after, to_nodes=to_nodes)


def _public(statement: Any) -> Any:
    """Only what the public sees: published and not hidden (and current: `current_on`)."""
    return statement.where(Regeling.published.is_(True), Regeling.hidden.is_(False))


def _current(statement: Any, day: Any) -> Any:
    """Only regelingen valid on `day` (a date, or a parameter bound to one; `current_on`, in SQL)."""
    return statement.where(
        or_(Regeling.valid_from.is_(None), Regeling.valid_from <= day), or_(Regeling.valid_to.is_(None), Regeling.valid_to >= day)
    )


async def public_regelingen_page(
    work: Work, *, category: str | None, first: int | None, after: str | None, to_nodes: ToNodes, columns: Sequence[Any] | None = None
) -> Any:
    """A page of the published, visible and current regelingen, in the gemeente's order,
    with only `columns` read when given."""
    return await _page(work, columns, public=True, category=category, first=first, after=after, to_nodes=to_nodes)


async def public_regeling(work: Work, key: str, *, columns: Sequence[Any] | None = None) -> Regeling:
    """One published, visible and current regeling; any other is NOT_FOUND. Only `columns`
    are loaded when given (and what tells whether it is current)."""
    if columns is not None:
        columns = [*columns, Regeling.valid_from, Regeling.valid_to]
    statement = _only(_public(select(Regeling)), columns).where(Regeling.key == key)
    row = (await work.session.execute(statement)).scalar_one_or_none()
    if row is None or not current_on(row, dt.date.today()):
        raise NotFound("Deze regeling bestaat niet of is niet gepubliceerd.", field="key")
    return row


async def search(work: Work, query: str, *, public: bool, limit: int = 20) -> list[tuple[str, Any]]:
    """Regelingen and services matching a Dutch query, best first: (kind, row)."""
    query = (query or "").strip()
    if not query or len(query) > 200:
        raise ValidationFailed("Geef een zoekvraag van 1 tot 200 tekens.", field="query")
    hits = await search_documents(work.session, work.tenant.id, query, public=public, limit=limit)
    regeling_ids = [hit.item_id for hit in hits if hit.kind == "regeling"]
    service_ids = [hit.item_id for hit in hits if hit.kind == "service"]
    regeling_rows = {row.id: row for row in (await work.session.execute(select(Regeling).where(Regeling.id.in_(regeling_ids)))).scalars()}
    service_rows = {row.id: row for row in (await work.session.execute(select(Service).where(Service.id.in_(service_ids)))).scalars()}
    found = []
    for hit in hits:
        row = (regeling_rows if hit.kind == "regeling" else service_rows).get(hit.item_id)
        if row is None or getattr(row, "hidden", False):  # a hidden regeling is not the gemeente's
            continue
        if public and not (row.published and (hit.kind != "regeling" or current_on(row, dt.date.today()))):
            continue  # the index says public; the row has the last word
        found.append((hit.kind, row))
    return found


# -- writing ------------------------------------------------------------------------------------


async def _check_provider(work: Work, partner_id: uuid.UUID | None) -> None:
    if partner_id is not None and not await partners_by_id(work.session, [partner_id]):
        raise NotFound("Deze partnerorganisatie bestaat niet.", field="input.providerPartnerId")


async def save_regeling(work: Work, data: dict[str, Any], *, existing: Regeling | None = None) -> tuple[Regeling, list[str]]:
    """Create the gemeente's own regeling or adapt one (also a national one). The rules must
    be valid and the regeling's own test vectors must pass; else nothing is saved.
    Returns the row and warnings (e.g. about plain language)."""
    fields = validate(RegelingInput, data, prefix="input")
    check_vector_households(fields.test_vectors)
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


async def update_regeling(work: Work, regeling_id: Any, data: dict[str, Any]) -> tuple[Regeling, list[str]]:
    """Adapt a regeling (also a national one: the national seed no longer overwrites it)."""
    existing = await get_regeling(work, regeling_id, field="input.id")
    return await save_regeling(work, data, existing=existing)


async def index_regeling(session: Any, row: Regeling) -> None:
    """The regeling's searchable text (public when published and not hidden)."""
    text = f"{row.summary}\n{row.description}\n{' '.join(row.tags)}"
    await index_item(session, "regeling", row.id, row.name, text, public=row.published and not row.hidden)


async def _next_position(work: Work) -> int:
    highest = (await work.session.execute(select(func.max(Regeling.position)))).scalar_one()
    return (highest or 0) + 10


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


# -- the national seed --------------------------------------------------------------------------


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
    for item in national.national_regelingen():
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
