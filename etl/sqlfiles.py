"""SQL lives in `sql/*.sql`; this reads it and binds the parameters its header declares."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from etl.settings import PROJECT_ROOT

SQL_DIR = PROJECT_ROOT / "sql"


@functools.cache
def load(name: str) -> str:
    """`load("pipeline/items_for_day")` reads `sql/pipeline/items_for_day.sql`."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


# --- parameters declared in a file's header --------------------------------------------------------------------
# A `-- params:` block lists one parameter per line, `--   $name  type  [= default]  what it is`; a parameter without
# `= default` is required. `bind` turns the k=v strings users give into typed values and fills in the defaults.
_PARAM = re.compile(
    r"^--\s+\$(?P<name>\w+)\s+(?P<type>[a-z]+(?:\[\])?)\s*(?:=\s*(?P<default>'[^']*'|\S+))?\s*(?P<doc>.*)$"
)
_TYPES: dict[str, Callable[[str], Any]] = {
    "varchar": str,
    "integer": int,
    "double": float,
    "date": dt.date.fromisoformat,
    "boolean": lambda v: {"true": True, "false": False}[v.lower()],
    "varchar[]": lambda v: [s.strip() for s in v.split(",") if s.strip()],
    "double[]": lambda v: [float(s) for s in v.split(",") if s.strip()],
}


class ParamError(ValueError):
    pass


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None  # as written in the header; None: required
    doc: str

    def convert(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if value.lower() == "null" and self.type != "varchar":
            return None
        try:
            return _TYPES[self.type](value.strip("'") if self.type == "varchar" else value)
        except (ValueError, KeyError) as exc:
            raise ParamError(f"${self.name} takes a {self.type}, got {value!r}") from exc


def params(sql: str) -> dict[str, Param]:
    """The parameters a SQL file declares in its header (empty when it has no `-- params:` block)."""
    declared: dict[str, Param] = {}
    lines = iter(sql.splitlines())
    for line in lines:
        if line.strip().lower() == "-- params:":
            break
    for line in lines:
        if not line.startswith("--   "):
            break
        m = _PARAM.match(line)
        if m and m.group("type") not in _TYPES:
            raise ParamError(f"${m.group('name')}: unknown type {m.group('type')!r}")
        if m:  # other lines in the block continue the previous parameter's description
            declared[m.group("name")] = Param(m.group("name"), m.group("type"), m.group("default"), m.group("doc"))
    return declared


def bind(sql: str, given: Mapping[str, Any], defaults: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Typed values for every parameter the SQL declares: given, else `defaults` (settings), else the header's."""
    declared = params(sql)
    if not declared:
        return dict(given)  # SQL without a header: the values go in as given
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise ParamError(f"unknown parameter {', '.join(unknown)}; this SQL takes {', '.join(sorted(declared))}")
    bound: dict[str, Any] = {}
    for name, param in declared.items():
        if name in given:
            bound[name] = param.convert(given[name])
        elif defaults and name in defaults:
            bound[name] = defaults[name]
        elif param.default is None:
            raise ParamError(f"missing required parameter: --param {name}=<{param.type}> ({param.doc})")
        else:
            bound[name] = None if param.default == "null" else param.convert(param.default)
    return bound
