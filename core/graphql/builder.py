"""Builds the one strawberry schema from core and every loaded module, once at start-up."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from inspect import isawaitable
from typing import Any

import strawberry
from graphql import DocumentNode, GraphQLError, execute
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, ParserCache, SchemaExtension
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.extensions.max_aliases import create_validator as create_aliases_validator
from strawberry.extensions.query_depth_limiter import create_validator as create_depth_validator
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types.base import StrawberryList, StrawberryOptional, has_object_definition
from strawberry.types.field import StrawberryField

from core.config import Settings
from core.graphql.contract import SCALAR_MAP, apply_contract, error_code_enum
from core.graphql.execution import PlatformExecutionContext, prepare_plans
from core.graphql.fields import READ_PERMISSION_ATTR, ModuleGate, RequirePermission, Transactional
from core.graphql.limits import limited_validation
from core.validation import MAX_JSON_NESTING
from core.graphql.pagination import Connection
from core.runtime import CORE_PLUGIN_NAME, ModuleRuntime


def _unwrap(type_: Any) -> Any:
    """The object type behind lists, optionals and connections."""
    while True:
        if isinstance(type_, (StrawberryList, StrawberryOptional)):
            type_ = type_.of_type
            continue
        definition = getattr(type_, "__strawberry_definition__", None)
        if definition is not None and definition.specialized_type_var_map:
            if definition.concrete_of is not None and issubclass(definition.concrete_of.origin, Connection):
                type_ = next(iter(definition.specialized_type_var_map.values()))
                continue
        return type_


def _object_fields(root: type) -> Iterator[tuple[type, StrawberryField]]:
    """Every field of every object type reachable from `root` (each type once)."""
    seen: set[int] = set()
    pending = [root]
    while pending:
        current = pending.pop()
        if id(current) in seen or not has_object_definition(current):
            continue
        seen.add(id(current))
        for strawberry_field in current.__strawberry_definition__.fields:
            yield current, strawberry_field
            target = _unwrap(strawberry_field.type)
            if has_object_definition(target):
                pending.append(target)
            definition = getattr(strawberry_field.type, "__strawberry_definition__", None)
            if definition is not None and has_object_definition(strawberry_field.type):
                pending.append(strawberry_field.type)


#: What strawberry sets on a field extension when it applies it: not its configuration.
_SET_WHEN_APPLIED = frozenset({"supports_sync", "supports_async", "has_resolver", "field"})


def _configuration(extension: Any) -> dict[str, Any]:
    return {key: value for key, value in vars(extension).items() if key not in _SET_WHEN_APPLIED}


def _add_once(strawberry_field: StrawberryField, extension: Any) -> None:
    """Add `extension` unless the field has one of its type and configuration: a schema
    built again in the same process (another platform, tests) must not wrap a mutation in
    a second transaction."""
    for existing in strawberry_field.extensions:
        if type(existing) is type(extension) and _configuration(existing) == _configuration(extension):
            return
    strawberry_field.extensions.append(extension)


def _guard_secured_types(root: type) -> None:
    """Every field returning a type declared `readable_with(p)` also checks `p`."""
    for _owner, strawberry_field in _object_fields(root):
        permission = getattr(_unwrap(strawberry_field.type), READ_PERMISSION_ATTR, None)
        if permission is not None:
            _add_once(strawberry_field, RequirePermission(permission))


def _module_packages(runtime: ModuleRuntime) -> list[str]:
    """The Python packages of the loaded modules (where their own error classes live)."""
    packages = set()
    for module in runtime.modules.values():
        plugin = module.plugin
        # A `Module` object names its package; a module written as a plain Python module is one.
        name = getattr(plugin, "package", None) or getattr(plugin, "__name__", None)
        if isinstance(name, str):
            packages.add(name)
    return sorted(packages)


#: How many documents a schema keeps ready to execute (as strawberry's parser cache).
PREPARED_DOCUMENTS = 256


class PlatformSchema(strawberry.Schema):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Executed with the platform's short path for plain fields (core.graphql.execution).
        super().__init__(*args, execution_context_class=PlatformExecutionContext, **kwargs)
        prepare_plans(self._schema)
        #: Documents that parsed and validated, by (text, operation name, allowed operation
        #: types): see `execute`. Filled by the `RememberPrepared` extension.
        self._prepared: OrderedDict[tuple[str, str | None, frozenset[Any]], DocumentNode] = OrderedDict()

    def remember_prepared(self, key: tuple[str, str | None, frozenset[Any]], document: DocumentNode) -> None:
        self._prepared[key] = document
        if len(self._prepared) > PREPARED_DOCUMENTS:
            self._prepared.popitem(last=False)

    async def execute(  # type: ignore[override]
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """A document this schema parsed, checked and validated before (the same text, operation
        and allowed operation types) is executed at once: strawberry's pipeline of extensions
        (token limit, parser and validation caches, the limits' rules) would find every one
        of its caches warm and change nothing, at some 45 µs a request. Anything else goes
        through that pipeline, which remembers the document once it passed (`RememberPrepared`)."""
        key = (query, operation_name, frozenset(allowed_operation_types or DEFAULT_ALLOWED_OPERATION_TYPES))
        document = self._prepared.get(key) if query is not None and operation_extensions is None else None  # type: ignore[arg-type]
        if document is None:
            preparing = _PREPARING.set((self, key))
            try:
                return await super().execute(
                    query, variable_values, context_value, root_value, operation_name, allowed_operation_types, operation_extensions
                )
            finally:
                _PREPARING.reset(preparing)
        try:
            result = execute(
                self._schema,
                document,
                root_value=root_value,
                variable_values=variable_values,
                operation_name=operation_name,
                context_value=context_value,
                is_awaitable=optimized_is_awaitable,
                execution_context_class=self.execution_context_class,
            )
            if isawaitable(result):
                result = await result
        except Exception as exc:  # noqa: BLE001  (as strawberry's pipeline: an error of the answer)
            error = exc if isinstance(exc, GraphQLError) else GraphQLError(str(exc), original_error=exc)
            return ExecutionResult(data=None, errors=[error], extensions={})
        return ExecutionResult(data=result.data, errors=result.errors, extensions={})

    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        """Errors are logged where they are formatted (core.graphql.errors): unexpected ones
        with their traceback, expected ones (domain and validation errors) not at all."""


def _extensions(settings: Settings) -> list[Any]:
    # The limits' validation rules are made once: the validation cache is keyed by the
    # rules, so rule classes made anew per request would never hit it.
    rules: list[Any] = [
        create_depth_validator(settings.graphql_max_depth, None, None),
        create_aliases_validator(settings.graphql_max_aliases),
    ]
    if not settings.debug:
        rules.append(NoSchemaIntrospectionCustomRule)
    # Before any rule runs, documents whose fragments nest too deep (a chain of spreads,
    # which the depth limit does not count), expand too far or spread themselves are
    # refused: the rules and the executor recurse through them.
    validation = limited_validation(
        max_nesting=3 * settings.graphql_max_depth,
        max_selections=5 * settings.graphql_max_tokens,
        max_value_nesting=MAX_JSON_NESTING,
        maxsize=256,
    )
    # Factories: strawberry builds fresh extension instances per request. Parsing and
    # validating the same documents again and again is most of the cost of a small query:
    # both are cached (per document text, bounded).
    return [
        lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
        lambda: ParserCache(maxsize=256),
        lambda: AddValidationRules(rules),
        validation,
        RememberPrepared,
    ]


class RememberPrepared(SchemaExtension):
    """Last of the extensions: a document that reached execution (parsed within the token
    limit, of an allowed operation type, valid under every rule) is remembered by its schema,
    which executes it at once the next time (`PlatformSchema.execute`)."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        preparing = _PREPARING.get()
        if preparing is not None and context.graphql_document is not None and not context.pre_execution_errors:
            schema, key = preparing
            if schema is context.schema and key[0] == context.query:
                schema.remember_prepared(key, context.graphql_document)
        yield


#: The schema and key of the document strawberry's pipeline is preparing in this request.
_PREPARING: ContextVar[tuple[PlatformSchema, Any] | None] = ContextVar("kansrijk_preparing_document", default=None)


def build_public_schema(runtime: ModuleRuntime, settings: Settings) -> strawberry.Schema | None:
    """The schema of the tenants' public endpoints: only fields declared public, each
    behind its module's gate. None when no module offers any."""
    queries: list[tuple[str, type]] = []
    for plugin_name, contributions in runtime.contributions():
        if contributions.graphql is not None:
            queries.extend((plugin_name, type_) for type_ in contributions.graphql.public_query)
    if not queries:
        return None
    for plugin_name, type_ in queries:
        if plugin_name != CORE_PLUGIN_NAME:
            for strawberry_field in type_.__strawberry_definition__.fields:
                _add_once(strawberry_field, ModuleGate(plugin_name))
    query = merge_types("PublicQuery", tuple(type_ for _plugin, type_ in queries))
    apply_contract([query], _object_fields(query))
    return PlatformSchema(
        query=query,
        types=[error_code_enum(_module_packages(runtime))],
        extensions=_extensions(settings),
        config=StrawberryConfig(disable_field_suggestions=not settings.debug, scalar_map=SCALAR_MAP),
    )


def build_schema(runtime: ModuleRuntime, settings: Settings) -> strawberry.Schema:
    queries: list[tuple[str, type]] = []
    mutations: list[tuple[str, type]] = []
    extra_types: list[type] = []
    # Clashing root fields and undeclared permissions were refused when the modules loaded.
    for plugin_name, contributions in runtime.contributions():
        contribution = contributions.graphql
        if contribution is None:
            continue
        queries.extend((plugin_name, type_) for type_ in contribution.query)
        mutations.extend((plugin_name, type_) for type_ in contribution.mutation)
        extra_types.extend(contribution.types)

    for plugin_name, type_ in mutations:
        for strawberry_field in type_.__strawberry_definition__.fields:
            _add_once(strawberry_field, Transactional())
    # The module gate is added after the transaction, so it runs before it; the read
    # permissions of returned types (added below) only apply to fields that return them.
    for plugin_name, type_ in queries + mutations:
        if plugin_name == CORE_PLUGIN_NAME:
            continue
        for strawberry_field in type_.__strawberry_definition__.fields:
            _add_once(strawberry_field, ModuleGate(plugin_name))

    query = merge_types("Query", tuple(type_ for _plugin, type_ in queries))
    mutation = merge_types("Mutation", tuple(type_ for _plugin, type_ in mutations)) if mutations else None
    for root in (query, mutation):
        if root is not None:
            _guard_secured_types(root)
            apply_contract([query, mutation], _object_fields(root))

    return PlatformSchema(
        query=query,
        mutation=mutation,
        types=[*extra_types, error_code_enum(_module_packages(runtime))],
        extensions=_extensions(settings),
        config=StrawberryConfig(disable_field_suggestions=not settings.debug, scalar_map=SCALAR_MAP),
    )

