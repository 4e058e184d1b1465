"""A document the schema parsed, checked and validated before is executed at once the next
time (core.graphql.builder `PlatformSchema.execute`): the same answers and errors as through
strawberry's pipeline of extensions; a document that failed anything is never remembered;
the operation name and the allowed operation types are part of what is remembered."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from core.config import Settings
from core.graphql import builder
from core.platform import Platform

QUERIES = (OperationType.QUERY,)
BOTH = (OperationType.QUERY, OperationType.MUTATION)


@pytest.fixture(scope="module")
def schema() -> Any:
    return Platform.create(Settings(database_url="sqlite+aiosqlite:///:memory:", debug=False, secret_key="x" * 40)).schema


def answer(result: Any) -> tuple[Any, list[tuple[str, Any, Any]]]:
    return result.data, [(error.message, error.path, (error.extensions or {}).get("code")) for error in result.errors or ()]


async def twice(schema: Any, query: str, **kwargs: Any) -> tuple[Any, Any, bool]:
    """The answer through the pipeline and the next one, and whether the next was prepared."""
    schema._prepared.clear()
    first = answer(await schema.execute(query, **kwargs))
    prepared = any(key[0] == query for key in schema._prepared)
    return first, answer(await schema.execute(query, **kwargs)), prepared


async def test_a_valid_document_is_prepared_and_answers_the_same(schema: Any) -> None:
    query = "query($show: Boolean!) { __typename @include(if: $show) }"
    first, second, prepared = await twice(schema, query, variable_values={"show": True}, allowed_operation_types=QUERIES)
    assert prepared and first == second == ({"__typename": "Query"}, [])
    assert answer(await schema.execute(query, variable_values={"show": False}, allowed_operation_types=QUERIES)) == ({}, [])
    # Variables are checked on every execution: a wrong one is refused on the prepared path too.
    bad = answer(await schema.execute(query, variable_values={"show": "ja"}, allowed_operation_types=QUERIES))
    assert bad[0] is None and bad[1] and "Boolean" in bad[1][0][0]


@pytest.mark.parametrize(
    "query",
    [
        "{ __typename",  # does not parse
        "{ nope }",  # not valid
        "{ __schema { types { name } } }",  # introspection: refused by a rule outside debug
        "{ " + " ".join(f"a{n}: __typename" for n in range(200)) + " }",  # too many aliases
    ],
)
async def test_a_document_that_fails_is_never_remembered(schema: Any, query: str) -> None:
    first, second, prepared = await twice(schema, query, allowed_operation_types=QUERIES)
    assert not prepared and first == second and first[0] is None and first[1]


async def test_the_operation_name_and_the_allowed_types_are_part_of_it(schema: Any) -> None:
    document = "query A { a: __typename } query B { b: __typename } mutation M { __typename }"
    schema._prepared.clear()
    for _ in range(2):
        assert answer(await schema.execute(document, operation_name="A", allowed_operation_types=BOTH)) == ({"a": "Query"}, [])
        assert answer(await schema.execute(document, operation_name="B", allowed_operation_types=BOTH)) == ({"b": "Query"}, [])
        assert answer(await schema.execute(document, operation_name="M", allowed_operation_types=BOTH)) == ({"__typename": "Mutation"}, [])
    # The mutation ran where mutations are allowed: where only queries are, it is still refused.
    for _ in range(2):
        with pytest.raises(InvalidOperationTypeError):
            await schema.execute(document, operation_name="M", allowed_operation_types=QUERIES)


async def test_the_prepared_documents_are_bounded(schema: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(builder, "PREPARED_DOCUMENTS", 5)
    schema._prepared.clear()
    for n in range(12):
        await schema.execute(f"{{ n{n}: __typename }}", allowed_operation_types=QUERIES)
    assert len(schema._prepared) == 5 and [key[0] for key in schema._prepared][-1] == "{ n11: __typename }"
