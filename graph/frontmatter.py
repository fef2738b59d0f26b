"""Stage 2: split YAML frontmatter from the body and parse it safely.

YAML is loaded with libyaml's safe loader (no Python tags) with the timestamp resolver removed,
so `2026-02-00` stays the string that was written; alias expansion is bounded by a node budget.
A frontmatter block that is not valid YAML is salvaged line by line rather than dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

MAX_NODES = 20_000
"""Largest number of values a frontmatter block may expand to (alias bombs stop here)."""

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _NoDatesLoader(_Loader):  # type: ignore[misc,valid-type]
    """Safe loader that keeps dates and timestamps as the strings written."""


_NoDatesLoader.yaml_implicit_resolvers = {
    key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in _Loader.yaml_implicit_resolvers.items()
}

_OPEN = re.compile(r"---[ \t]*\n")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.M)
_TOP_KEY = re.compile(r"^([A-Za-z_][\w\- ]*?)\s*:(?:\s+(.*))?$")


@dataclass(slots=True)
class Parsed:
    """Frontmatter fields, body and where the body starts, plus the problems met."""

    fields: dict[str, Any] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1
    has_frontmatter: bool = False
    yaml_text: str = ""
    problems: list[tuple[str, str, str, int | None]] = field(default_factory=list)
    field_lines: dict[str, int] = field(default_factory=dict)


def split(text: str) -> tuple[str | None, str, int, str | None]:
    """Return (frontmatter text or None, body, first body line, problem)."""
    if not text.startswith("---"):
        return None, text, 1, None
    m = _OPEN.match(text)
    if not m:
        if text.rstrip() == "---":
            return "", "", 2, "unclosed frontmatter: only an opening '---'"
        return None, text, 1, None
    close = _CLOSE.search(text, m.end())
    if close is None:
        return None, text, 1, "unclosed frontmatter: no closing '---'; the whole file is read as body"
    fm = text[m.end() : close.start()]
    body_start = close.end() + 1 if close.end() < len(text) else close.end()
    body_line = text.count("\n", 0, body_start) + 1
    return fm, text[body_start:], body_line, None


class _Budget(Exception):
    pass


def plain(value: Any, budget: list[int] | None = None, _stack: set[int] | None = None) -> Any:
    """Copy a loaded YAML value into plain JSON-able data, within a node budget.

    Raises `_Budget` past MAX_NODES values or on a self-referencing structure.
    """
    if budget is None:
        budget = [MAX_NODES]
    stack = _stack if _stack is not None else set()
    budget[0] -= 1
    if budget[0] < 0:
        raise _Budget
    if isinstance(value, (dict, list, tuple, set)):
        if id(value) in stack:
            raise _Budget
        stack.add(id(value))
        try:
            if isinstance(value, dict):
                return {str(k): plain(v, budget, stack) for k, v in value.items()}
            return [plain(v, budget, stack) for v in value]
        finally:
            stack.discard(id(value))
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain_tree(value: Any) -> Any:
    """`plain` for YAML without aliases (no `*` in the text): no sharing and no cycles are
    possible and size is bounded by the text, so no budget is kept; same result, less work."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:
        return {k if type(k) is str else str(k): _plain_tree(v) for k, v in value.items()}
    if kind is list:
        return [_plain_tree(v) for v in value]
    return plain(value)


def _salvage(fm: str) -> dict[str, Any]:
    """Recover top-level `key: value` lines from frontmatter that is not valid YAML."""
    out: dict[str, Any] = {}
    for line in fm.split("\n"):
        m = _TOP_KEY.match(line)
        if not m:
            continue
        key, raw = m.group(1), (m.group(2) or "").strip()
        try:
            value = plain(yaml.load(raw, Loader=_NoDatesLoader)) if raw else None
        except (yaml.YAMLError, _Budget, RecursionError):
            value = raw
        if isinstance(value, dict):
            value = raw
        out.setdefault(key, value)
    return out


_TOP_KEY_LINE = re.compile(r"^([A-Za-z_][\w\- ]*?)[^\S\n]*:(?:[^\S\n]+.*)?$", re.M)


def field_lines(fm: str, first_line: int) -> dict[str, int]:
    """Line number of each top-level key in the frontmatter."""
    lines: dict[str, int] = {}
    line, pos = first_line, 0
    for m in _TOP_KEY_LINE.finditer(fm):
        line += fm.count("\n", pos, m.start())
        pos = m.start()
        lines.setdefault(m.group(1), line)
    return lines


def parse(text: str) -> Parsed:
    """Split and parse one document; never raises on bad input."""
    out = Parsed()
    fm, body, body_line, problem = split(text)
    out.body, out.body_line = body, body_line
    if problem:
        out.problems.append(("warning", "frontmatter-unclosed", problem, 1))
    if fm is None:
        return out
    out.has_frontmatter = True
    out.yaml_text = fm
    out.field_lines = field_lines(fm, 2)
    if not fm.strip():
        return out
    try:
        data = yaml.load(fm, Loader=_NoDatesLoader)
        data = _plain_tree(data) if "*" not in fm else plain(data)
    except _Budget:
        out.problems.append(
            (
                "error",
                "yaml-too-large",
                f"frontmatter expands past {MAX_NODES} values or refers to itself (alias bomb?); salvaged line by line",
                2,
            )
        )
        out.fields = _salvage(fm)
        return out
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 2
        reason = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        out.fields = _salvage(fm)
        out.problems.append(
            (
                "error",
                "yaml-syntax",
                f"YAML error at line {line}: {reason}; recovered {len(out.fields)} field(s) line by line",
                line,
            )
        )
        return out
    except RecursionError:
        out.fields = _salvage(fm)
        out.problems.append(("error", "yaml-too-deep", "frontmatter nests too deeply; salvaged line by line", 2))
        return out
    if data is None:
        return out
    if isinstance(data, dict):
        out.fields = data
    else:
        kind = "a list" if isinstance(data, list) else "a scalar"
        out.problems.append(
            ("error", "frontmatter-not-mapping", f"frontmatter is {kind}, not a mapping; kept as field 'frontmatter'", 2)
        )
        out.fields = {"frontmatter": data}
    return out
