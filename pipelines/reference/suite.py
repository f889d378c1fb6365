"""The validation suite: a versioned YAML file of rules, loaded and checked before any data is.

Columns with their type, nullability and value rules (`min`, `max`, `allowed`, `pattern`), and the dataset rules
(`unique`, `freshness`, `volume`, `quarantine`), each with a severity (`blocking` or `warning`); what each rule does
and its default severity is the engine's (reference/validation.py). An unknown key, type or severity, a misplaced
rule or a bad pattern is a ValueError naming the file and the field.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

BLOCKING, WARNING = 'blocking', 'warning'
SEVERITIES = (BLOCKING, WARNING)
TYPES = ('string', 'double', 'long', 'boolean', 'timestamp')


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    allowed: tuple | None = None
    pattern: str | None = None  # must match the whole value
    severity: str = WARNING  # of min, max, allowed and pattern; not_null is always blocking


@dataclass(frozen=True)
class Unique:
    columns: tuple[str, ...]
    severity: str = BLOCKING


@dataclass(frozen=True)
class Freshness:
    column: str
    max_age_minutes: float
    severity: str = WARNING


@dataclass(frozen=True)
class Volume:
    min_rows: int | None = None
    max_change_ratio: float | None = None  # |rows per hour - the previous run's| / the previous run's
    severity: str = BLOCKING


@dataclass(frozen=True)
class Quarantine:
    max_ratio: float  # quarantined rows / rows
    severity: str = BLOCKING


@dataclass(frozen=True)
class Suite:
    name: str
    version: int
    columns: tuple[Column, ...]
    unique: Unique | None = None
    freshness: Freshness | None = None
    volume: Volume | None = None
    quarantine: Quarantine | None = None

    def row_rules(self) -> list[tuple[str, str]]:
        """Every row rule's id and severity, in the suite's order."""
        rules = []
        for c in self.columns:
            rules += [(f'{c.name}.not_null', BLOCKING)] if not c.nullable else []
            rules += [(f'{c.name}.{check}', c.severity) for check in ('min', 'max', 'allowed', 'pattern') if getattr(c, check) is not None]
        return rules


# Each dataset section's required and optional keys.
_SECTIONS = {
    'unique': (('columns',), ('severity',)),
    'freshness': (('column', 'max_age_minutes'), ('severity',)),
    'volume': ((), ('min_rows', 'max_change_ratio', 'severity')),
    'quarantine': (('max_ratio',), ('severity',)),
}


def load_suite(path: str | Path) -> Suite:
    """Reads and checks a suite file; a mistake raises ValueError naming the file and the field."""
    where = Path(path).name
    top = _fields(yaml.safe_load(Path(path).read_text()), f'{where}: suite', ('name', 'version', 'columns'), tuple(_SECTIONS))
    if not isinstance(top['columns'], dict) or not top['columns']:
        raise ValueError(f'{where}: columns: expected a mapping of column name to its rules, got {top["columns"]!r}')
    columns = tuple(_column(name, spec, f'{where}: columns.{name}') for name, spec in top['columns'].items())
    parsed = {key: _fields(top[key], f'{where}: {key}', *keys) for key, keys in _SECTIONS.items() if top.get(key) is not None}
    names = {c.name for c in columns}
    key_columns = parsed.get('unique', {}).get('columns', [])
    referenced = [('unique.columns', c) for c in key_columns] if isinstance(key_columns, list) else []
    referenced += [('freshness.column', parsed['freshness']['column'])] if 'freshness' in parsed else []
    for at, column in referenced:
        if column not in names:
            raise ValueError(f'{where}: {at}: {column!r} is not a column of the suite')
    if 'unique' in parsed:
        if not isinstance(parsed['unique']['columns'], list) or not parsed['unique']['columns']:
            raise ValueError(f'{where}: unique.columns: expected a non-empty list of columns, got {parsed["unique"]["columns"]!r}')
        parsed['unique']['columns'] = tuple(parsed['unique']['columns'])
    kinds = {'unique': Unique, 'freshness': Freshness, 'volume': Volume, 'quarantine': Quarantine}
    return Suite(name=str(top['name']), version=int(top['version']), columns=columns,
                 **{key: kinds[key](**value) for key, value in parsed.items()})


def _fields(value: Any, at: str, required: tuple[str, ...], optional: tuple[str, ...]) -> dict:
    """`value` as a mapping with only known keys, every required one and a valid severity."""
    if not isinstance(value, dict):
        raise ValueError(f'{at}: expected a mapping, got {value!r}')
    for key in value:
        if key not in required + optional:
            raise ValueError(f'{at}.{key}: unknown rule (known: {", ".join(required + optional)})')
    for key in required:
        if key not in value:
            raise ValueError(f'{at}.{key}: required')
    if value.get('severity', BLOCKING) not in SEVERITIES:
        raise ValueError(f'{at}.severity: expected one of {", ".join(SEVERITIES)}, got {value["severity"]!r}')
    return dict(value)


def _column(name: str, spec: Any, at: str) -> Column:
    spec = _fields(spec, at, ('type',), ('nullable', 'min', 'max', 'allowed', 'pattern', 'severity'))
    kind = spec['type']
    if kind not in TYPES:
        raise ValueError(f'{at}.type: unknown type {kind!r} (known: {", ".join(TYPES)})')
    if not isinstance(spec.get('nullable', False), bool):
        raise ValueError(f'{at}.nullable: expected true or false, got {spec["nullable"]!r}')
    for bound in ('min', 'max'):
        if bound in spec and (kind not in ('double', 'long') or not isinstance(spec[bound], (int, float))):
            raise ValueError(f'{at}.{bound}: a number, and only for double or long columns (got {spec[bound]!r} on {kind})')
    if 'pattern' in spec:
        if kind != 'string':
            raise ValueError(f'{at}.pattern: only for string columns, not {kind}')
        try:
            re.compile(spec['pattern'])
        except re.error as error:
            raise ValueError(f'{at}.pattern: not a regular expression ({error})') from None
    if 'allowed' in spec:
        if not isinstance(spec['allowed'], list) or not spec['allowed']:
            raise ValueError(f'{at}.allowed: expected a non-empty list, got {spec["allowed"]!r}')
        spec['allowed'] = tuple(spec['allowed'])
    return Column(name=name, **spec)
