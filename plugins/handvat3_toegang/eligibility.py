"""Eligibility as data: JSON Logic conditions over facts derived from a household profile,
with versioned parameters, evaluated into an explainable outcome per regeling.

Every condition of a regeling is a plain-language question with a JSON Logic rule and a
"met" and "not met" text. A fact the household did not give is unknown, and a rule is
evaluated in Kleene's strong three-valued logic: a known true operand decides an `or`, a
known false one an `and` (and a known condition an `if`), whatever the unknown others are;
only what the unknown facts could still change is unknown. A condition whose rule stays
unknown names the facts that could still decide it. A regeling is NOT_ELIGIBLE when a
condition is not met, POSSIBLY when none fails but some are unknown (naming the facts
still missing), and ELIGIBLE when all are met.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import json_logic
import structlog

log = structlog.get_logger(__name__)

ELIGIBLE = "ELIGIBLE"
POSSIBLY = "POSSIBLY"
NOT_ELIGIBLE = "NOT_ELIGIBLE"
OUTCOMES = (ELIGIBLE, POSSIBLY, NOT_ELIGIBLE)
MET, NOT_MET, UNKNOWN = "MET", "NOT_MET", "UNKNOWN"

HOUSEHOLD_TYPES = ("alleenstaand", "alleenstaande_ouder", "paar")
SOCIAL_MINIMUM_PARAMETER = {
    "alleenstaand": "bijstandsnorm_alleenstaand",
    "alleenstaande_ouder": "bijstandsnorm_alleenstaande_ouder",
    "paar": "bijstandsnorm_paar",
}

#: The facts rules may use, with a Dutch description (shown to editors and in errors).
FACTS: dict[str, str] = {
    "household_type": "soort huishouden: alleenstaand, alleenstaande_ouder of paar",
    "has_partner": "heeft een partner (gehuwd of samenwonend)",
    "age": "leeftijd van de ouder in jaren",
    "children_count": "aantal kinderen",
    "youngest_child_months": "leeftijd van het jongste kind in maanden",
    "pregnant": "zwanger",
    "due_in_months": "aantal maanden tot de uitgerekende datum",
    "has_child_under_12_months": "heeft een kind jonger dan 12 maanden",
    "has_child_under_18": "heeft een kind jonger dan 18 jaar",
    "net_monthly_income": "netto inkomen van het huishouden per maand (euro)",
    "social_minimum": "het sociaal minimum (bijstandsnorm) voor dit huishouden per maand (euro)",
    "income_pct_social_minimum": "netto inkomen als percentage van het sociaal minimum",
    "gross_yearly_income": "bruto jaarinkomen van het huishouden (toetsingsinkomen, euro)",
    "assets": "vermogen van het huishouden (euro)",
    "lives_in_gemeente": "woont in deze gemeente",
    "rents_home": "huurt een woning",
    "monthly_rent": "huur per maand (euro)",
    "student": "studeert",
    "self_employed": "werkt als zelfstandige",
    "has_debts": "heeft schulden die niet op tijd betaald kunnen worden",
    "has_health_insurance": "heeft een zorgverzekering",
}
#: Facts the platform derives from others (never asked as such).
DERIVED_FACTS = {"has_partner", "social_minimum", "income_pct_social_minimum", "children_count",
                 "youngest_child_months", "has_child_under_12_months", "has_child_under_18", "due_in_months"}  # fmt: skip

#: The profile fields a derived fact is computed from: what to ask when it is missing.
FACT_SOURCES: dict[str, tuple[str, ...]] = {
    "has_partner": ("household_type",),
    "social_minimum": ("household_type",),
    "income_pct_social_minimum": ("net_monthly_income", "household_type"),
    "children_count": ("children_birth_dates",),
    "youngest_child_months": ("children_birth_dates",),
    "has_child_under_12_months": ("children_birth_dates",),
    "has_child_under_18": ("children_birth_dates",),
    "due_in_months": ("due_date",),
}


def profile_fields_missing(names: Iterable[str], facts: Mapping[str, Any]) -> tuple[str, ...]:
    """The profile fields to ask for so that these (missing) facts become known."""
    asked: set[str] = set()
    for name in names:
        sources = [source for source in FACT_SOURCES.get(name, (name,)) if facts.get(source) is None]
        asked.update(sources or (name,))
    return tuple(sorted(asked))


#: JSON Logic operators a rule may use.
OPERATORS = frozenset(
    {"==", "!=", "===", "!==", "<", "<=", ">", ">=", "!", "!!", "and", "or", "if", "?:", "in", "var",
     "+", "-", "*", "/", "%", "min", "max", "cat"}
)  # fmt: skip


class RuleError(ValueError):
    """A rule that is not valid JSON Logic, or uses an unknown fact or parameter."""


def rule_vars(rule: Any) -> set[str]:
    """Every name a rule reads with `var`."""
    found: set[str] = set()
    if isinstance(rule, Mapping):
        for operator, operand in rule.items():
            if operator == "var":
                name = operand[0] if isinstance(operand, list) and operand else operand
                if isinstance(name, str):
                    found.add(name)
            else:
                found |= rule_vars(operand)
    elif isinstance(rule, list):
        for item in rule:
            found |= rule_vars(item)
    return found


def _literal_var(operand: Any) -> bool:
    """Only a name (with an optional literal default) is read: a computed name would read a
    fact no check knows about."""
    if isinstance(operand, list):
        return 1 <= len(operand) <= 2 and isinstance(operand[0], str) and (len(operand) == 1 or not isinstance(operand[1], (dict, list)))
    return isinstance(operand, str)


def check_rule(rule: Any, parameters: Iterable[str]) -> tuple[set[str], set[str]]:
    """Validate a rule; return (facts, parameters) it uses. Raises RuleError."""

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            if len(node) != 1:
                raise RuleError("elk onderdeel van een regel heeft precies één operator")
            operator, operand = next(iter(node.items()))
            if operator not in OPERATORS:
                raise RuleError(f"onbekende operator '{operator}'")
            if operator == "var" and not _literal_var(operand):
                raise RuleError("'var' leest een gegeven bij naam: {\"var\": \"age\"} of {\"var\": [\"age\", standaardwaarde]}")
            if operator in ("missing", "missing_some"):
                raise RuleError(f"'{operator}' is niet nodig: een voorwaarde met een ontbrekend gegeven is vanzelf onbekend")
            walk(operand)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif not (node is None or isinstance(node, (bool, int, float, str))):
            raise RuleError("een regel bestaat uit JSON-waarden")
        if isinstance(node, float) and not math.isfinite(node):
            raise RuleError("getallen moeten eindig zijn")

    if not isinstance(rule, Mapping):
        raise RuleError("een regel is een JSON Logic-object, zoals {\"<=\": [{\"var\": \"age\"}, 30]}")
    walk(rule)
    known_parameters = set(parameters)
    facts, params = set(), set()
    for name in rule_vars(rule):
        if name.startswith("param."):
            key = name.removeprefix("param.")
            if key not in known_parameters:
                raise RuleError(f"onbekende parameter '{key}'")
            params.add(key)
        elif name in FACTS:
            facts.add(name)
        else:
            raise RuleError(f"onbekend gegeven '{name}'")
    if not facts and not params:
        raise RuleError("een voorwaarde gebruikt minstens één gegeven")
    return facts, params


# -- rules compiled ------------------------------------------------------------------------------

#: A rule compiled: its value for a data mapping.
Compiled = Callable[[Any], Any]

_OPERATIONS: dict[str, Any] = json_logic.operations
_EMPTY_OPERANDS: dict[str, Any] = json_logic.empty_operand_values_for_operators
_VAR_FAILS = (KeyError, TypeError, ValueError, IndexError)  # what `json_logic.get_var` reads as "not found"


def compile_rule(rule: Any) -> Compiled:
    """A JSON Logic rule as a Python function of the data, built once: `compile_rule(rule)(data)`
    is `json_logic.jsonLogic(rule, data)`, without reading the rule again on every call.
    It calls the evaluator's own operator functions with the same operands, evaluated
    eagerly in the same order (so that a failing operand, e.g. a division by zero in a branch
    not taken, raises as there), returns None where an operand is empty as there, and
    reads a `var` as `json_logic.get_var` does. Anything else (an operator a checked rule
    cannot use, an odd `var`) is left to `json_logic.jsonLogic` itself."""
    try:
        constant, value = _compile(rule)
    except Exception:  # e.g. nested too deeply to compile: the evaluator decides, as before
        return _fallback(rule)[1]
    return (lambda _data: value) if constant else value


def _fallback(node: Any) -> tuple[bool, Compiled]:
    jsonlogic = json_logic.jsonLogic
    return False, lambda data: jsonlogic(node, data)


def _compile(node: Any) -> tuple[bool, Any]:
    """(True, value) for a literal, (False, function of the data) for anything else."""
    if isinstance(node, list):
        items = [_compile(item) for item in node]
        if all(constant for constant, _ in items):
            values = [value for _, value in items]
            return False, lambda _data: list(values)  # a new list, as the evaluator makes one
        functions = [value if not constant else (lambda _data, value=value: value) for constant, value in items]
        return False, lambda data: [function(data) for function in functions]
    if node is None or not isinstance(node, dict):
        return True, node
    if len(node) != 1:
        return _fallback(node)
    operator, raw = next(iter(node.items()))
    if not isinstance(operator, str) or operator.startswith("_"):
        return _fallback(node)
    operands = [_compile(item) for item in (raw if isinstance(raw, (list, tuple)) else [raw])]
    if operator == "var":
        return _compile_var(node, operands)
    function = _OPERATIONS.get(operator)
    if function is None or operator in ("missing", "missing_some"):
        return _fallback(node)  # unknown or scoped: as the evaluator does it
    empty = _EMPTY_OPERANDS.get(operator)
    if operator == "or" or operator == "and":
        # The evaluator's `reduce(lambda total, arg: total or arg, args, False)` (and the
        # same with `and` from True): the first true operand (false for `and`), or the last.
        return False, _compile_and_or(operator == "or", operands)
    if len(operands) == 2 and not empty:
        (first_constant, first), (second_constant, second) = operands
        if first_constant and second_constant:
            return False, lambda _data: function(first, second)
        if second_constant:
            return False, lambda data: function(first(data), second)
        if first_constant:
            return False, lambda data: function(first, second(data))
        return False, lambda data: function(first(data), second(data))
    if len(operands) == 2 and all(value not in empty for constant, value in operands if constant):
        (first_constant, first), (second_constant, second) = operands
        if second_constant and not first_constant:

            def compared_with_literal(data: Any) -> Any:
                value = first(data)
                return None if value in empty else function(value, second)

            return False, compared_with_literal
        if not first_constant and not second_constant:

            def compared(data: Any) -> Any:
                left, right = first(data), second(data)
                return None if left in empty or right in empty else function(left, right)

            return False, compared
    functions = [value if not constant else (lambda _data, value=value: value) for constant, value in operands]
    if empty:

        def applied_unless_empty(data: Any) -> Any:
            values = [each(data) for each in functions]
            return None if any(value in empty for value in values) else function(*values)

        return False, applied_unless_empty
    return False, lambda data: function(*[each(data) for each in functions])


def _compile_and_or(is_or: bool, operands: list[tuple[bool, Any]]) -> Compiled:
    functions = [value if not constant else (lambda _data, value=value: value) for constant, value in operands]
    if not functions:
        return lambda _data: not is_or
    if is_or:

        def any_true(data: Any) -> Any:
            values = [function(data) for function in functions]  # all evaluated, as there
            for value in values:
                if value:
                    return value
            return values[-1]

        return any_true

    def all_true(data: Any) -> Any:
        values = [function(data) for function in functions]
        for value in values:
            if not value:
                return value
        return values[-1]

    return all_true


def _compile_var(node: Any, operands: list[tuple[bool, Any]]) -> tuple[bool, Any]:
    get_var = json_logic.get_var
    if not operands or len(operands) > 2 or not all(constant for constant, _ in operands):
        return _fallback(node)
    arguments = [value for _, value in operands]
    name = arguments[0]
    default = arguments[1] if len(arguments) == 2 else None
    if not isinstance(name, str) or not name:
        return False, lambda data: get_var(data, *arguments, use_var_undefined=False)
    parts = name.split(".")
    # A value found is returned, a None or one not found gives the default (None when none
    # is given); anything unusual on the way is left to `get_var` itself.
    if len(parts) == 1:

        def fact(data: Any) -> Any:
            try:
                value = data[name]
            except _VAR_FAILS:
                return get_var(data, *arguments, use_var_undefined=False)
            return default if value is None else value

        return False, fact
    if len(parts) == 2:
        outer, inner = parts

        def nested(data: Any) -> Any:
            try:
                value = data[outer][inner]
            except _VAR_FAILS:
                return get_var(data, *arguments, use_var_undefined=False)
            return default if value is None else value

        return False, nested
    return False, lambda data: get_var(data, *arguments, use_var_undefined=False)


# -- conditions and outcomes --------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    id: str
    question: str
    met: str
    not_met: str
    rule: dict[str, Any]
    facts: frozenset[str]
    parameters: frozenset[str]
    #: The rule compiled (`compile_rule`) when the condition is made: a check evaluates it
    #: for every household without reading the rule again.
    evaluator: Compiled = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "evaluator", compile_rule(self.rule))


@dataclass(frozen=True)
class ParameterValue:
    key: str
    value: float
    valid_from: dt.date
    legal_basis_url: str
    overridden: bool = False
    #: A national amount past its next expected change with no newer value in the catalogue.
    possibly_outdated: bool = False


@dataclass(slots=True)  # not frozen: a check makes one per condition, and frozen ones are slow to build
class ConditionResult:
    condition: Condition
    status: str
    missing: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        if self.status == MET:
            return self.condition.met
        if self.status == NOT_MET:
            return self.condition.not_met
        return self.condition.question


@dataclass
class Outcome:
    status: str
    results: list[ConditionResult]
    missing: list[str] = field(default_factory=list)
    parameters: list[ParameterValue] = field(default_factory=list)


def months_between(earlier: dt.date, later: dt.date) -> int:
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - 1 if later.day < earlier.day else months


def complete_facts(raw: Mapping[str, Any], reference_date: dt.date, value_of: Any) -> dict[str, Any]:
    """All facts, the derived ones computed from the given ones (`value_of(key, date)` gives
    a parameter's value). A fact that cannot be known is None."""
    facts = {name: raw.get(name) for name in FACTS}
    household = facts["household_type"]
    if facts["has_partner"] is None and household is not None:
        facts["has_partner"] = household == "paar"
    birth_dates = raw.get("children_birth_dates")
    if birth_dates is not None:
        ages = sorted(months_between(day, reference_date) for day in birth_dates)
        facts["children_count"] = len(ages)
        facts["youngest_child_months"] = ages[0] if ages else None
        facts["has_child_under_12_months"] = any(age < 12 for age in ages)
        facts["has_child_under_18"] = any(age < 18 * 12 for age in ages)
    elif facts["youngest_child_months"] is not None:
        facts["children_count"] = facts["children_count"] if facts["children_count"] is not None else 1
        facts["has_child_under_12_months"] = facts["youngest_child_months"] < 12
        facts["has_child_under_18"] = facts["youngest_child_months"] < 18 * 12
    elif facts["children_count"] == 0:
        facts["has_child_under_12_months"] = False
        facts["has_child_under_18"] = False
    due_date = raw.get("due_date")
    if due_date is not None:
        facts["pregnant"] = True
        facts["due_in_months"] = max(months_between(reference_date, due_date), 0)
    if facts["social_minimum"] is None and household in SOCIAL_MINIMUM_PARAMETER:
        facts["social_minimum"] = value_of(SOCIAL_MINIMUM_PARAMETER[household], reference_date)
    if facts["income_pct_social_minimum"] is None and facts["social_minimum"] and facts["net_monthly_income"] is not None:
        facts["income_pct_social_minimum"] = round(facts["net_monthly_income"] / facts["social_minimum"] * 100, 2)
    return facts


class Household:
    """A household's facts as the evaluator reads them, prepared once for a whole check:
    which facts are unknown, and one data mapping the rules of every regeling read (the
    parameter values are added as regelingen need them; on one day a key has one value)."""

    __slots__ = ("facts", "unknown", "data", "_params")

    def __init__(self, facts: Mapping[str, Any]) -> None:
        self.facts = facts
        self.unknown = frozenset(name for name in FACTS if facts.get(name) is None)
        self._params: dict[str, Any] = {}
        self.data: dict[str, Any] = {**facts, "param": self._params}

    def with_parameters(self, parameters: Mapping[str, ParameterValue]) -> dict[str, Any]:
        for key, value in parameters.items():
            self._params[key] = value.value
        return self.data

    def with_values(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The data with these parameter values (key: value) added."""
        self._params.update(values)
        return self.data


class _Unknown:
    """The value of an expression that depends on facts not given."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN_VALUE = _Unknown()
_NOTHING: frozenset[str] = frozenset()


def _operands(values: Any) -> list[Any]:
    # JSON Logic's shorthand for one operand: {"!": {"var": "x"}} is {"!": [{"var": "x"}]}.
    return values if isinstance(values, list) else [values]


def evaluate_partially(rule: Any, data: Mapping[str, Any], unknown: frozenset[str]) -> tuple[Any, frozenset[str]]:
    """A JSON Logic rule in Kleene's strong three-valued logic: (value, facts). The value is
    UNKNOWN_VALUE when it depends on an unknown fact, and `facts` are then the unknown facts
    that could still change it (empty when the value is known). With every fact the rule
    reads known, the value is what `json_logic.jsonLogic` gives; a rule that fails (a
    division by zero) raises as there."""
    if isinstance(rule, list):
        items = [evaluate_partially(item, data, unknown) for item in rule]
        missing = frozenset().union(*(facts for _value, facts in items))
        return (UNKNOWN_VALUE, missing) if missing else ([value for value, _facts in items], _NOTHING)
    if not isinstance(rule, Mapping) or len(rule) != 1:
        return json_logic.jsonLogic(rule, data), _NOTHING  # a literal (rules are checked: one operator each)
    operator, raw = next(iter(rule.items()))
    if operator == "var":
        name = _operands(raw)[0] if _operands(raw) else None
        if isinstance(name, str) and name in unknown:
            return UNKNOWN_VALUE, frozenset({name})
        return json_logic.jsonLogic(rule, data), _NOTHING
    operands = [evaluate_partially(item, data, unknown) for item in _operands(raw)]
    if operator in ("and", "or"):
        deciding = (lambda value: not value) if operator == "and" else bool
        for value, facts in operands:
            if not facts and deciding(value):
                return value, _NOTHING  # a known false operand decides an and, a known true one an or
        missing = frozenset().union(*(facts for _value, facts in operands))
        if missing:
            return UNKNOWN_VALUE, missing
        values = [value for value, _facts in operands]
        return (values[-1] if values else operator == "and"), _NOTHING
    if operator in ("if", "?:"):
        return _branch(operands)
    missing = frozenset().union(*(facts for _value, facts in operands))
    if missing:  # every other operator needs all its operands
        return UNKNOWN_VALUE, missing
    return json_logic.jsonLogic({operator: [value for value, _facts in operands]}, data), _NOTHING


def _branch(operands: list[tuple[Any, frozenset[str]]]) -> tuple[Any, frozenset[str]]:
    """`if` (and `?:`): [condition, then, condition, then, ..., else]. A known condition picks
    its branch; an unknown one leaves the value unknown unless both ways give the same
    known value."""
    if len(operands) <= 1:
        return operands[0] if operands else (None, _NOTHING)  # the else (none: null, as JSON Logic)
    (condition, condition_facts), then = operands[0], operands[1]
    otherwise = _branch(operands[2:])
    if not condition_facts:
        return then if condition else otherwise
    if not then[1] and not otherwise[1] and type(then[0]) is type(otherwise[0]) and then[0] == otherwise[0]:
        return then[0], _NOTHING
    return UNKNOWN_VALUE, condition_facts | then[1] | otherwise[1]


def _condition_result(condition: Condition, household: Household, data: Mapping[str, Any]) -> ConditionResult:
    missing = condition.facts & household.unknown
    try:
        if not missing:
            met = condition.evaluator(data)  # json_logic.jsonLogic(condition.rule, data), compiled
        else:
            met, missing = evaluate_partially(condition.rule, data, missing)
    except Exception:  # e.g. a division by a zero income: unknown, and the facts stay out of the log
        log.warning("toegang.rule_failed", condition=condition.id)
        return ConditionResult(condition, UNKNOWN)
    if missing:
        return ConditionResult(condition, UNKNOWN, profile_fields_missing(missing, household.facts))
    return ConditionResult(condition, MET if met else NOT_MET)


def evaluate(conditions: Iterable[Condition], facts: Mapping[str, Any] | Household, parameters: Mapping[str, ParameterValue]) -> Outcome:
    """The outcome of one regeling's conditions for these facts and parameter values."""
    household = facts if isinstance(facts, Household) else Household(facts)
    data = household.with_parameters(parameters)
    # Every parameter passed in was used: those the rules read and those a fact was derived
    # from (the bijstandsnorm behind the income percentage).
    return outcome_of(conditions, household, data, sorted(parameters.values(), key=parameter_key))


def parameter_key(value: ParameterValue) -> str:
    return value.key


def outcome_of(conditions: Iterable[Condition], household: Household, data: Mapping[str, Any], parameters: list[ParameterValue]) -> Outcome:
    """`evaluate` with the parameter values already in the household's `data` (a check adds
    those of the whole catalogue at once): `parameters` are the outcome's, sorted by key."""
    results = [_condition_result(condition, household, data) for condition in conditions]
    statuses = {result.status for result in results}
    status = NOT_ELIGIBLE if NOT_MET in statuses else POSSIBLY if UNKNOWN in statuses else ELIGIBLE
    # A condition not met decides the regeling: no missing fact could change that, so none is asked.
    missing_facts = sorted({name for result in results for name in result.missing}) if status == POSSIBLY else []
    return Outcome(status, results, missing_facts, parameters)


def relevance(outcome: Outcome, position: int, name: str) -> tuple[Any, ...]:
    """Eligible first, then possibly (fewest facts missing first), then not eligible; then
    the gemeente's own order and the name."""
    return (OUTCOMES.index(outcome.status), len(outcome.missing), position, name.lower())
