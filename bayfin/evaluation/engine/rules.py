"""The policy-programme rule language: a small, safe subset of JSON Logic.

Operators write a programme's eligibility as JSON over named fields of the
enterprise's data and evaluation results::

    {"and": [{"in": [{"var": "enterprise.jurisdiction"}, ["hengqin", "macao"]]},
             {">=": [{"var": "enterprise.rd_share_of_revenue"}, "3"]},
             {"or": [{"==": [{"var": "evaluation.hnte.status"}, "qualified"]},
                     {"in": ["scitech_sme", {"var": "enterprise.certifications"}]}]}]}

The rule is compiled once against the field catalogue (``compile_rule``), which
refuses anything it cannot evaluate with *every* problem found, each with a path such
as ``and[1].>=[0]`` so that the operator can find it. Nothing is ever evaluated with
``eval``: the compiled rule is a tree of plain dataclasses checked by a few lines of
Python.

The grammar: a node is an object with exactly one key, the operator.

* ``and``, ``or``: a non-empty list of nodes; ``!``: one node (or a one-element list).
* ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``: ``[{"var": field}, literal]`` or the
  literal first (``{"<": [5, {"var": f}]}`` means f > 5); ``<`` and ``<=`` also take
  JSON Logic's "between" form ``[low, {"var": f}, high]``.
* ``in``: ``[{"var": f}, [literals]]`` (the value is one of them), or
  ``[literal, {"var": f}]`` where ``f`` is a list field (the list contains it).
* ``true`` and ``false`` alone are the whole rule: everyone, or no one.

Numbers are ``Decimal`` (JSON numbers, or decimal strings such as ``"3.5"``); a float
that arrives from already-parsed JSON is read through its shortest decimal form, so no
float reaches a comparison. ``to_json`` writes number-field literals as decimal strings
so a stored rule round-trips exactly.

``Rule.check`` uses three-valued logic: a field whose value is ``None`` is unknown,
``and`` fails if any part fails, ``or`` passes if any part passes, and otherwise an
unknown part makes the whole unknown. The outcome names the leaves that made it fail
(with the enterprise's value) and the fields that left it undecided.

Limits: nesting deeper than ``MAX_DEPTH`` operator levels, more than ``MAX_NODES``
nodes (each object and each literal value counts one), or JSON text longer than
``MAX_TEXT`` characters is refused.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, TypeAlias

FieldType = Literal["number", "integer", "string", "boolean", "list"]
FIELD_TYPES: tuple[str, ...] = ("number", "integer", "string", "boolean", "list")

MAX_DEPTH = 8
MAX_NODES = 200
MAX_TEXT = 20_000
# Integer literals beyond this many digits are refused before conversion: int() of
# Decimal("1e100000000") would take minutes.
_MAX_INTEGER_DIGITS = 30

COMPARISONS: tuple[str, ...] = ("==", "!=", "<", "<=", ">", ">=")
OPERATORS: tuple[str, ...] = ("and", "or", "!", *COMPARISONS, "in")
# Leaf operators after normalisation (the field always first).
LEAF_OPS: tuple[str, ...] = (*COMPARISONS, "in", "contains", "between", "between_exclusive")
# Which comparisons each field type allows; "in" (one of) and "contains" are listed too.
OPS_FOR_TYPE: dict[str, frozenset[str]] = {
    "number": frozenset({*COMPARISONS, "in", "between", "between_exclusive"}),
    "integer": frozenset({*COMPARISONS, "in", "between", "between_exclusive"}),
    "string": frozenset({"==", "!=", "in"}),
    "boolean": frozenset({"==", "!="}),
    "list": frozenset({"contains"}),
}
_FLIPPED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_DECIMAL_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")

Scalar: TypeAlias = Decimal | int | str | bool
Status = Literal["pass", "fail", "unknown"]
PASS: Status = "pass"
FAIL: Status = "fail"
UNKNOWN: Status = "unknown"


@dataclass(frozen=True)
class FieldSpec:
    """A field rules may read. ``choices``: the codes a string or list field may hold."""

    name: str
    type: FieldType
    choices: frozenset[str] | None = None


@dataclass(frozen=True)
class RuleError:
    """One problem in a rule: where (``and[1].>=[0]``), what (a code), and its parameters.

    Codes: not_json, too_large, too_deep, not_an_object, several_operators,
    unknown_operator, unknown_field, wrong_arity, field_expected, operator_not_for_type,
    literal_type, unknown_choice, empty_list.
    """

    path: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)


class RuleErrors(ValueError):
    """A rule that cannot be compiled; ``errors`` holds every problem found."""

    def __init__(self, errors: Sequence[RuleError]) -> None:
        self.errors: tuple[RuleError, ...] = tuple(errors)
        super().__init__("; ".join(f"{e.path or '(rule)'}: {e.code} {e.params}" for e in self.errors))


@dataclass(frozen=True)
class Leaf:
    """One comparison of a field with a literal, normalised with the field first.

    ``op`` is one of ``LEAF_OPS``: the comparisons, ``in`` (``value`` is a tuple of
    literals the field's value is one of), ``contains`` (a list field contains
    ``value``), ``between`` (``low <= x <= high``, ``value`` = (low, high)) and
    ``between_exclusive`` (``low < x < high``). In an outcome's failures ``actual`` is
    the enterprise's value and ``negated`` says the rule required the leaf *not* to
    hold (it sat under an odd number of ``!``).
    """

    path: str
    field: str
    op: str
    value: Scalar | tuple[Scalar, ...]
    negated: bool = False
    actual: Any = None

    @property
    def bounds(self) -> tuple[Any, Any]:
        """(low, high) of a ``between`` leaf."""
        value = self.value
        if not isinstance(value, tuple) or len(value) != 2:
            raise ValueError(f"{self.op} has no bounds")
        return value[0], value[1]

    def holds(self, actual: Any) -> bool:
        """Whether the leaf holds for a known (not ``None``) value."""
        op, value = self.op, self.value
        if op == "==":
            return bool(actual == value)
        if op == "!=":
            return bool(actual != value)
        if op == "in":
            return actual in value  # type: ignore[operator]
        if op == "contains":
            return value in actual  # type: ignore[no-any-return]
        if op == "between":
            low, high = self.bounds
            return bool(low <= actual <= high)
        if op == "between_exclusive":
            low, high = self.bounds
            return bool(low < actual < high)
        if op == "<":
            return bool(actual < value)
        if op == "<=":
            return bool(actual <= value)
        if op == ">":
            return bool(actual > value)
        return bool(actual >= value)

    def to_json(self) -> dict[str, Any]:
        var = {"var": self.field}
        if self.op == "in":
            return {"in": [var, [_literal_json(v) for v in self.value]]}  # type: ignore[union-attr]
        if self.op == "contains":
            return {"in": [_literal_json(self.value), var]}
        if self.op in ("between", "between_exclusive"):
            low, high = self.bounds
            op = "<=" if self.op == "between" else "<"
            return {op: [_literal_json(low), var, _literal_json(high)]}
        return {self.op: [var, _literal_json(self.value)]}


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    part: Node


@dataclass(frozen=True)
class Const:
    value: bool


Node: TypeAlias = And | Or | Not | Const | Leaf


@dataclass(frozen=True)
class Outcome:
    """The answer for one enterprise.

    ``failures``: the leaves that made the rule fail, each with ``actual`` set (for
    ``and`` each failing part's, for ``or`` every branch's, under ``!`` the leaves that
    held, marked ``negated``). ``unknown``: the fields whose missing values leave the
    rule (or, when it fails, the rest of an ``and``) undecided, each named once.
    """

    status: Status
    failures: tuple[Leaf, ...] = ()
    unknown: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return self.status == PASS


@dataclass(frozen=True)
class _Eval:
    status: Status
    why_fail: tuple[Leaf, ...]
    why_pass: tuple[Leaf, ...]
    unknown: tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    """A compiled rule: check it, list its leaves and fields, write it back as JSON."""

    root: Node
    specs: Mapping[str, FieldSpec] = field(repr=False, compare=False, default_factory=dict)

    def check(self, values: Mapping[str, Any]) -> Outcome:
        result = self._eval(self.root, values)
        if result.status == PASS:
            return Outcome(PASS)
        failures = result.why_fail if result.status == FAIL else ()
        return Outcome(result.status, failures, tuple(dict.fromkeys(result.unknown)))

    def leaves(self) -> tuple[Leaf, ...]:
        """Every leaf, in order; one under an odd number of ``!`` is marked ``negated``."""
        return tuple(_walk(self.root))

    def fields(self) -> tuple[str, ...]:
        """The fields the rule reads, in the order they first appear."""
        return tuple(dict.fromkeys(leaf.field for leaf in _walk(self.root)))

    def to_json(self) -> Any:
        return _node_json(self.root)

    def _eval(self, node: Node, values: Mapping[str, Any]) -> _Eval:
        if isinstance(node, Leaf):
            actual = _value(self.specs.get(node.field), node.field, values.get(node.field))
            if actual is None:
                return _Eval(UNKNOWN, (), (), (node.field,))
            seen = replace(node, actual=actual)
            if node.holds(actual):
                return _Eval(PASS, (), (seen,), ())
            return _Eval(FAIL, (seen,), (), ())
        if isinstance(node, Const):
            return _Eval(PASS if node.value else FAIL, (), (), ())
        if isinstance(node, Not):
            inner = self._eval(node.part, values)
            return _Eval(_NEGATED[inner.status], _negate(inner.why_pass), _negate(inner.why_fail), inner.unknown)
        parts = [self._eval(p, values) for p in node.parts]
        failed = [p for p in parts if p.status == FAIL]
        passed = [p for p in parts if p.status == PASS]
        undecided = tuple(f for p in parts if p.status == UNKNOWN for f in p.unknown)
        if isinstance(node, And):
            if failed:  # what is still unknown would matter once the failures are fixed
                still = tuple(f for p in parts if p.status != PASS for f in p.unknown)
                return _Eval(FAIL, _concat(p.why_fail for p in failed), (), still)
            if undecided:
                return _Eval(UNKNOWN, (), (), undecided)
            return _Eval(PASS, (), _concat(p.why_pass for p in passed), ())
        if passed:
            return _Eval(PASS, (), _concat(p.why_pass for p in passed), ())
        if undecided:
            return _Eval(UNKNOWN, (), (), undecided)
        return _Eval(FAIL, _concat(p.why_fail for p in failed), (), ())


_NEGATED: dict[str, Status] = {PASS: FAIL, FAIL: PASS, UNKNOWN: UNKNOWN}


def _negate(leaves: tuple[Leaf, ...]) -> tuple[Leaf, ...]:
    return tuple(replace(leaf, negated=not leaf.negated) for leaf in leaves)


def _concat(groups: Iterable[tuple[Leaf, ...]]) -> tuple[Leaf, ...]:
    return tuple(leaf for group in groups for leaf in group)


def _walk(node: Node, negated: bool = False) -> Iterator[Leaf]:
    if isinstance(node, Leaf):
        yield replace(node, negated=True) if negated else node
    elif isinstance(node, Not):
        yield from _walk(node.part, not negated)
    elif isinstance(node, And | Or):
        for part in node.parts:
            yield from _walk(part, negated)


def _node_json(node: Node) -> Any:
    if isinstance(node, Leaf):
        return node.to_json()
    if isinstance(node, Const):
        return node.value
    if isinstance(node, Not):
        return {"!": _node_json(node.part)}
    return {"and" if isinstance(node, And) else "or": [_node_json(p) for p in node.parts]}


def _literal_json(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _value(spec: FieldSpec | None, name: str, value: Any) -> Any:
    """The value a leaf compares: ``None`` stays unknown; the wrong type is a bug upstream."""
    if value is None or spec is None:
        return value
    kind = spec.type
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, Decimal | int):
            raise TypeError(f"{name}: a Decimal or int is required, not {type(value).__name__}")
        if isinstance(value, Decimal) and not value.is_finite():
            raise ValueError(f"{name}: {value} is not a number")
        return value
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name}: an int is required, not {type(value).__name__}")
        return value
    if kind == "string":
        if not isinstance(value, str):
            raise TypeError(f"{name}: a str is required, not {type(value).__name__}")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise TypeError(f"{name}: a bool is required, not {type(value).__name__}")
        return value
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | set | frozenset):
        raise TypeError(f"{name}: a list of str is required, not {type(value).__name__}")
    return tuple(value)


# --------------------------------------------------------------------------- compiling


def compile_rule(rule: Any, fields: Mapping[str, FieldSpec]) -> Rule:
    """Compile JSON text (``str``/``bytes``) or already-parsed data against ``fields``.

    Raises ``RuleErrors`` with every problem found.
    """
    if isinstance(rule, bytes | bytearray):
        try:
            rule = rule.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RuleErrors([RuleError("", "not_json", {"message": str(exc), "line": None, "column": None})])
    if isinstance(rule, str):
        rule = _parse(rule)
    size = _count_nodes(rule, MAX_NODES + 1)
    if size > MAX_NODES:
        raise RuleErrors([RuleError("", "too_large", {"limit": MAX_NODES, "unit": "nodes"})])
    compiler = _Compiler(fields)
    root = compiler.node(rule, "", 1, top=True)
    if compiler.errors or root is None:
        raise RuleErrors(compiler.errors)
    return Rule(root, dict(fields))


def _parse(text: str) -> Any:
    if len(text) > MAX_TEXT:
        raise RuleErrors([RuleError("", "too_large", {"limit": MAX_TEXT, "unit": "characters",
                                                       "size": len(text)})])
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant,
                          object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise RuleErrors([RuleError("", "not_json", {"message": exc.msg, "line": exc.lineno,
                                                      "column": exc.colno})])
    except RecursionError:
        raise RuleErrors([RuleError("", "too_deep", {"limit": MAX_DEPTH})])
    except ValueError as exc:  # a duplicate key, NaN, or an integer too long to read
        raise RuleErrors([RuleError("", "not_json", {"message": str(exc), "line": None, "column": None})])


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key!r} appears twice in one object")
        out[key] = value
    return out


def _count_nodes(data: Any, stop: int) -> int:
    """Objects and literal values in ``data`` (a field reference counts one), counting no
    further than ``stop``.

    Iterative, so an absurdly deep or long structure costs at most ``stop`` steps.
    """
    count, stack = 0, [data]
    while stack and count < stop:
        item = stack.pop()
        if isinstance(item, dict):
            count += 1
            if not (len(item) == 1 and "var" in item):  # a field reference is one node
                stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        else:
            count += 1
    return count


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float | Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


# Operators people type from other languages, and what they mean here.
_OPERATOR_ALIASES = {"=": "==", "===": "==", "!==": "!=", "<>": "!=", "=>": ">=", "=<": "<=",
                     "&&": "and", "&": "and", "||": "or", "|": "or", "not": "!", "AND": "and",
                     "OR": "or", "NOT": "!"}


def _suggest(word: str, candidates: Any) -> str | None:
    found = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return found[0] if found else None


def _join(path: str, step: str) -> str:
    return f"{path}.{step}" if path else step


class _Compiler:
    def __init__(self, fields: Mapping[str, FieldSpec]) -> None:
        self.fields = fields
        self.errors: list[RuleError] = []

    def fail(self, path: str, code: str, **params: Any) -> None:
        self.errors.append(RuleError(path, code, params))

    def node(self, data: Any, path: str, depth: int, *, top: bool = False) -> Node | None:
        if top and isinstance(data, bool):
            return Const(data)
        if not isinstance(data, dict):
            self.fail(path, "not_an_object", got=_json_type(data))
            return None
        if len(data) != 1:
            if not data:
                self.fail(path, "not_an_object", got="empty_object")
            else:
                self.fail(path, "several_operators", operators=sorted(map(str, data)))
            return None
        if depth > MAX_DEPTH:
            self.fail(path, "too_deep", limit=MAX_DEPTH)
            return None
        ((op, args),) = data.items()
        if op not in OPERATORS:
            if op == "var":
                self.fail(path, "field_expected", operator="var")  # a bare field is not a condition
            else:
                self.fail(path, "unknown_operator", operator=str(op),
                          suggestion=_OPERATOR_ALIASES.get(str(op)) or _suggest(str(op), OPERATORS))
            return None
        if op in ("and", "or"):
            return self.junction(op, args, path, depth)
        if op == "!":
            return self.negation(args, path, depth)
        return self.leaf(op, args, path)

    def junction(self, op: str, args: Any, path: str, depth: int) -> Node | None:
        if not isinstance(args, list):
            self.fail(path, "wrong_arity", operator=op, expected="list", got=None)
            return None
        if not args:
            self.fail(path, "empty_list", operator=op)
            return None
        parts = [self.node(a, _join(path, f"{op}[{i}]"), depth + 1) for i, a in enumerate(args)]
        if any(p is None for p in parts):
            return None
        done = tuple(p for p in parts if p is not None)
        return And(done) if op == "and" else Or(done)

    def negation(self, args: Any, path: str, depth: int) -> Node | None:
        if isinstance(args, list):
            if len(args) != 1:
                self.fail(path, "wrong_arity", operator="!", expected="one", got=len(args))
                return None
            part = self.node(args[0], _join(path, "![0]"), depth + 1)
        else:
            part = self.node(args, _join(path, "!"), depth + 1)
        return Not(part) if part is not None else None

    # ----------------------------------------------------------------- leaves

    def operand(self, data: Any, path: str, op: str) -> tuple[str, Any] | None:
        """``("var", name)`` or ``("lit", raw)``; ``None`` after reporting an error."""
        if isinstance(data, dict):
            if len(data) == 1 and "var" in data:
                name = data["var"]
                if isinstance(name, list) and len(name) == 1:
                    name = name[0]  # JSON Logic's {"var": ["name"]}
                if not isinstance(name, str):
                    self.fail(path, "field_expected", operator=op)
                    return None
                return ("var", name)
            self.fail(path, "field_expected", operator=op)
            return None
        return ("lit", data)

    def spec(self, name: str, path: str) -> FieldSpec | None:
        spec = self.fields.get(name)
        if spec is None:
            self.fail(path, "unknown_field", name=name, suggestion=_suggest(name, self.fields))
        return spec

    def leaf(self, op: str, args: Any, path: str) -> Leaf | None:
        here = _join(path, op)
        if not isinstance(args, list) or len(args) not in ((2, 3) if op in ("<", "<=") else (2,)):
            expected = "two_or_three" if op in ("<", "<=") else "two"
            self.fail(path, "wrong_arity", operator=op, expected=expected,
                      got=len(args) if isinstance(args, list) else None)
            return None
        operands = [self.operand(a, f"{here}[{i}]", op) for i, a in enumerate(args)]
        if any(o is None for o in operands):
            return None
        kinds = [o[0] for o in operands if o is not None]
        if kinds.count("var") != 1 or (len(args) == 3 and kinds[1] != "var"):
            self.fail(path, "field_expected", operator=op)
            return None
        var_at = kinds.index("var")
        name = operands[var_at][1]  # type: ignore[index]
        spec = self.spec(name, f"{here}[{var_at}]")
        if spec is None:
            return None
        if len(args) == 3:
            kind = "between" if op == "<=" else "between_exclusive"
            if not self.allowed(kind, spec, path, op):
                return None
            low = self.literal(args[0], spec, f"{here}[0]")
            high = self.literal(args[2], spec, f"{here}[2]")
            if low is None or high is None:
                return None
            return Leaf(path, name, kind, (low, high))
        lit_at = 1 - var_at
        raw = args[lit_at]
        lit_path = f"{here}[{lit_at}]"
        if op == "in":
            return self.membership(spec, name, raw, lit_path, path, var_first=var_at == 0)
        if not self.allowed(op, spec, path, op):
            return None
        value = self.literal(raw, spec, lit_path)
        if value is None:
            return None
        return Leaf(path, name, op if var_at == 0 else _FLIPPED[op], value)

    def membership(self, spec: FieldSpec, name: str, raw: Any, lit_path: str, path: str,
                   *, var_first: bool) -> Leaf | None:
        if not var_first:  # [literal, {"var": list field}]: the list contains the literal
            if not self.allowed("contains", spec, path, "in"):
                return None
            value = self.literal(raw, spec, lit_path)
            return Leaf(path, name, "contains", value) if value is not None else None
        if not self.allowed("in", spec, path, "in"):
            return None
        if not isinstance(raw, list):
            self.fail(lit_path, "literal_type", field=name, expected="list", got=_json_type(raw))
            return None
        if not raw:
            self.fail(lit_path, "empty_list", operator="in")
            return None
        values = [self.literal(v, spec, f"{lit_path}[{i}]") for i, v in enumerate(raw)]
        if any(v is None for v in values):
            return None
        return Leaf(path, name, "in", tuple(dict.fromkeys(v for v in values if v is not None)))

    def allowed(self, kind: str, spec: FieldSpec, path: str, op: str) -> bool:
        if kind in OPS_FOR_TYPE[spec.type]:
            return True
        self.fail(path, "operator_not_for_type", operator=op, field=spec.name, type=spec.type)
        return False

    def literal(self, raw: Any, spec: FieldSpec, path: str) -> Scalar | None:
        """``raw`` as a value of ``spec``'s type (a list field's items are strings)."""
        kind = "string" if spec.type == "list" else spec.type
        value: Scalar | None = None
        if kind in ("number", "integer"):
            value = _number(raw, integer=kind == "integer")
        elif kind == "string":
            value = raw if isinstance(raw, str) else None
        elif kind == "boolean":
            value = raw if isinstance(raw, bool) else None
        if value is None:
            self.fail(path, "literal_type", field=spec.name, expected=kind, got=_json_type(raw))
            return None
        if spec.choices is not None and isinstance(value, str) and value not in spec.choices:
            self.fail(path, "unknown_choice", field=spec.name, value=value,
                      suggestion=_suggest(value, sorted(spec.choices)))
            return None
        return value


def _number(raw: Any, *, integer: bool) -> Decimal | int | None:
    """A JSON number or decimal string as ``Decimal`` (``int`` for integer fields)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if integer else Decimal(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            return None
        value = Decimal(repr(raw))  # the shortest decimal that reads back as this float
    elif isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, str) and _DECIMAL_TEXT.fullmatch(raw):
        try:
            value = Decimal(raw)
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            return None
    else:
        return None
    if not value.is_finite():
        return None
    if not integer:
        return value
    if value.adjusted() >= _MAX_INTEGER_DIGITS or value != value.to_integral_value():
        return None
    return int(value)
