"""Evaluate a variable's validation condition, as python-hcl2 gives it, on sample values: no Terraform needed.

Only the small subset of HCL the module's validations use is understood: string, number, bool and null literals,
``var.<name>``, ``== != < <= > >= && || !``, ``cond ? a : b``, indexing, ``[for x in xs : expr]`` and the functions
``can regex strcontains cidrhost split tonumber length contains alltrue floor``. Anything else is an error, so a
validation rewritten beyond this subset makes the test fail loudly rather than pass by accident.

The translation keeps Terraform's semantics where they differ from Python's: ``can(f(...))`` evaluates its argument
lazily and is false on any error; ``&&`` and ``||`` evaluate both sides (Terraform < 1.12 does not short-circuit, so
an error on the right side is an error even when the left side decides); ``regex`` with no match is an error.
"""

from __future__ import annotations

import ast
import ipaddress
import math
import re
from collections.abc import Callable
from typing import Any

from bedrock_ft.terraform_hcl import unwrap


class HclEvalError(ValueError):
    """The condition is outside the subset this helper understands."""


def _regex(pattern: str, value: str) -> str:
    match = re.search(pattern, value)
    if match is None:
        raise ValueError(f"regex {pattern!r} does not match {value!r}")  # Terraform's regex() errors on no match
    return match.group(0)


def _cidrhost(prefix: str, host: int) -> str:
    network = ipaddress.ip_network(prefix, strict=False)  # Terraform's cidrhost accepts host bits in the prefix
    if "/" not in prefix:
        raise ValueError(f"{prefix!r} is not a CIDR block")
    return str(network[host])


def _tonumber(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("tonumber of a bool")
    return float(value)


def _can(thunk: Callable[[], Any]) -> bool:
    try:
        thunk()
    except Exception:
        return False
    return True


def _all_of(values: list[Any]) -> bool:
    _require_bools(values)
    return all(values)


def _any_of(values: list[Any]) -> bool:
    _require_bools(values)
    return any(values)


def _require_bools(values: list[Any]) -> None:
    if not all(isinstance(v, bool) for v in values):
        raise ValueError(f"&& and || take bools, got {values!r}")


FUNCTIONS: dict[str, Any] = {
    "can": _can,
    "regex": _regex,
    "strcontains": lambda s, sub: sub in s,
    "cidrhost": _cidrhost,
    "split": lambda sep, s: s.split(sep),
    "tonumber": _tonumber,
    "length": len,
    "contains": lambda xs, x: x in xs,
    "alltrue": lambda xs: all(xs),
    "floor": math.floor,
    "_all_of": _all_of,
    "_any_of": _any_of,
}

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _split_strings(text: str) -> list[tuple[bool, str]]:
    """(is_string, piece) pairs, so code can be rewritten without touching string literals."""
    pieces: list[tuple[bool, str]] = []
    position = 0
    for match in _STRING.finditer(text):
        pieces.append((False, text[position : match.start()]))
        pieces.append((True, match.group(0)))
        position = match.end()
    pieces.append((False, text[position:]))
    return pieces


def _top_level_ternary(text: str) -> tuple[str, str, str] | None:
    """Split ``c ? a : b`` at depth 0 (outside strings and brackets), or None when there is no top-level ``?``."""
    depth, question = 0, None
    for index, char in enumerate(_masked(text)):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0 and char == "?" and question is None:
            question = index
        elif depth == 0 and char == ":" and question is not None:
            return text[:question], text[question + 1 : index], text[index + 1 :]
    return None


def _masked(text: str) -> str:
    """``text`` with every string literal's characters replaced by underscores (same length)."""
    return "".join(piece if not is_string else "_" * len(piece) for is_string, piece in _split_strings(text))


def _for_expression(text: str) -> tuple[int, int, str] | None:
    """The first ``[for x in xs : expr]``: its start, its end and its Python form ``[expr for x in xs]``."""
    masked = _masked(text)
    match = re.search(r"\[for (\w+) in ", masked)
    if match is None:
        return None
    depth, colon = 0, None
    for index in range(match.end(), len(masked)):
        char = masked[index]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                if char != "]" or colon is None:
                    raise HclEvalError(f"cannot read the for expression in {text!r}")
                collection, body = text[match.end() : colon], text[colon + 1 : index]
                return (
                    match.start(),
                    index + 1,
                    f"[({_to_python(body)}) for {match.group(1)} in ({_to_python(collection)})]",
                )
            depth -= 1
        elif depth == 0 and char == ":" and colon is None:
            colon = index
    raise HclEvalError(f"unbalanced for expression in {text!r}")


def _to_python(text: str) -> str:
    ternary = _top_level_ternary(text)
    if ternary is not None:
        condition, true_value, false_value = (_to_python(part) for part in ternary)
        return f"(({true_value}) if ({condition}) else ({false_value}))"
    for_expression = _for_expression(text)
    if for_expression is not None:
        start, end, python = for_expression
        return _to_python(text[:start]) + python + _to_python(text[end:])
    out = []
    for is_string, piece in _split_strings(text):
        if is_string:
            out.append(piece)
            continue
        piece = piece.replace("&&", " and ").replace("||", " or ")
        piece = re.sub(r"!(?!=)", " not ", piece)
        piece = re.sub(r"\bvar\.(\w+)", r"var_\1", piece)
        piece = re.sub(r"\bnull\b", "None", piece)
        piece = re.sub(r"\btrue\b", "True", piece)
        piece = re.sub(r"\bfalse\b", "False", piece)
        out.append(piece)
    return "".join(out)


class _TerraformSemantics(ast.NodeTransformer):
    """can(x) -> can(lambda: x); a and b -> _all_of([a, b]) (both sides evaluated, like Terraform)."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "can":
            (argument,) = node.args
            lazy = ast.Lambda(
                args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]), body=argument
            )
            node.args = [lazy]
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        function = "_all_of" if isinstance(node.op, ast.And) else "_any_of"
        return ast.Call(
            func=ast.Name(id=function, ctx=ast.Load()), args=[ast.List(elts=node.values, ctx=ast.Load())], keywords=[]
        )


def compile_condition(condition: str) -> Callable[..., bool]:
    """A function of the variables (``name=...``) that returns the condition's value, or raises like Terraform."""
    evaluate = compile_expression(condition)

    def checked(**variables: Any) -> bool:
        result = evaluate(**variables)
        if not isinstance(result, bool):
            raise HclEvalError(f"{condition!r} gave {result!r}, not a bool")
        return result

    return checked


def compile_expression(expression: str) -> Callable[..., Any]:
    """A function of the variables (``name=...``) that returns the expression's value (``var.x`` is ``x=``)."""
    condition = expression
    source = _to_python(unwrap(condition).strip())
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise HclEvalError(f"cannot translate {condition!r} (as {source!r})") from exc
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    comprehension_vars = {
        t.id
        for c in ast.walk(tree)
        if isinstance(c, ast.comprehension)
        for t in ast.walk(c.target)
        if isinstance(t, ast.Name)
    }
    unknown = names - set(FUNCTIONS) - comprehension_vars - {"None", "True", "False", "_all_of", "_any_of"}
    unknown = {n for n in unknown if not n.startswith("var_")}
    if unknown:
        raise HclEvalError(f"{condition!r} uses {sorted(unknown)}, outside the subset this helper evaluates")
    code = compile(ast.fix_missing_locations(_TerraformSemantics().visit(tree)), "<validation>", "eval")

    def evaluate(**variables: Any) -> Any:
        # One namespace as globals, so the lambdas can() and comprehensions make see the variables and functions.
        scope = dict(FUNCTIONS, __builtins__={}, **{f"var_{key}": value for key, value in variables.items()})
        return eval(code, scope)

    return evaluate


def accepts(validations: list[dict[str, Any]], **variables: Any) -> bool:
    """Whether a value passes every validation block, as Terraform decides it: false or an error refuses it."""
    for block in validations:
        condition = compile_condition(block["condition"])  # a translation problem is raised, never a refusal
        try:
            if not condition(**variables):
                return False
        except HclEvalError:
            raise
        except (ValueError, TypeError, IndexError, KeyError, AttributeError):
            return False  # an error while evaluating a condition refuses the value, as in Terraform
    return True
