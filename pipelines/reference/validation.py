"""A small declarative validation engine: a versioned YAML suite, row rules that quarantine, dataset rules that gate.

Great Expectations, Soda and Deequ would each add a heavy dependency to the Spark image for checks that fit in
two small modules (this one and reference/suite.py); this engine is pandas only, so the same code runs in
tests and inside Spark.

Row rules (`<column>.not_null|min|max|allowed|pattern`) tag each row of a pandas batch (Spark runs `tag_rows`
through `mapInPandas`); a row failing any of them is quarantined. Dataset rules (`schema.*`, `unique.*`,
`freshness.*`, `volume.*`, `quarantine.*`) read a small dict of statistics (`build_stats`), which Spark computes
with aggregates; the freshness column is also the event time that volume's rows per hour are measured over.
A rule's severity says what its failure means for the run:
- blocking: the run fails and publishes nothing. Always for the schema (missing or wrong-typed columns) and
  `not_null` (a null key is a broken producer or an undecodable message); the default for `unique`, `volume`
  and `quarantine` (duplicates, a day with too few rows or too many bad ones would skew a model silently).
- warning: reported, the valid rows are published. The default for value rules (`min`, `max`, `allowed`,
  `pattern`: their rows are quarantined, the rest are good) and `freshness` (late data is late, not wrong).
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any, Iterator, Mapping

import pandas as pd

from reference.suite import BLOCKING, SEVERITIES, Suite

FAILED_RULES = '_failed_rules'
# pandas' inferred kinds, in the suite's vocabulary.
_INFERRED_TYPES = {
    'string': 'string', 'floating': 'double', 'integer': 'long', 'boolean': 'boolean', 'datetime64': 'timestamp', 'datetime': 'timestamp',
}


def observed_type(values: pd.Series) -> str | None:
    """A column's type in the suite's vocabulary; None when it holds only nulls (any type fits)."""
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    return None if inferred == 'empty' else _INFERRED_TYPES.get(inferred, inferred)


def _row_failures(frame: pd.DataFrame, suite: Suite) -> Iterator[tuple[str, pd.Series]]:
    """Each row rule's id and the mask of the rows failing it."""
    for c in suite.columns:
        if c.name not in frame:
            continue  # schema.missing_columns blocks the run
        values = frame[c.name]
        present = values.notna()
        if not c.nullable:
            yield f'{c.name}.not_null', ~present
        if observed_type(values) not in (None, c.type):
            continue  # its values mean nothing; schema.types blocks the run
        if c.min is not None:
            yield f'{c.name}.min', present & (pd.to_numeric(values, errors='coerce') < c.min)
        if c.max is not None:
            yield f'{c.name}.max', present & (pd.to_numeric(values, errors='coerce') > c.max)
        if c.allowed is not None:
            yield f'{c.name}.allowed', present & ~values.isin(c.allowed)
        if c.pattern is not None:
            yield f'{c.name}.pattern', present & ~values.astype(str).str.fullmatch(c.pattern)


def tag_rows(frame: pd.DataFrame, suite: Suite) -> pd.DataFrame:
    """The batch with `_failed_rules`: the ids of the row rules each row fails, `;`-joined, '' when none."""
    failed = pd.Series('', index=frame.index, dtype=object)
    for rule, mask in _row_failures(frame, suite):
        failed = failed.mask(mask, failed + rule + ';')
    return frame.assign(**{FAILED_RULES: failed.str.rstrip(';')})


def split_rows(frame: pd.DataFrame, suite: Suite) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(valid rows, quarantined rows with `_failed_rules`)."""
    tagged = tag_rows(frame, suite)
    bad = tagged[FAILED_RULES] != ''
    return tagged[~bad].drop(columns=FAILED_RULES), tagged[bad]


def build_stats(
    *, suite: Suite, rows: int, duplicate_keys: int | None, min_event_time: Any, max_event_time: Any, now: datetime,
    column_types: Mapping[str, str | None], rule_failures: Mapping[str, int],
) -> dict:
    """The statistics the dataset rules read, from numbers pandas or Spark aggregates computed.

    `rows_per_hour` is what volume compares between runs: hourly runs refresh a day that is still growing.
    """
    missing = sorted(c.name for c in suite.columns if c.name not in column_types)
    wrong = {c.name: column_types[c.name] for c in suite.columns if column_types.get(c.name) not in (None, c.type)}
    earliest, latest = _as_utc(min_event_time), _as_utc(max_event_time)
    hours = max((latest - earliest).total_seconds() / 3600, 1 / 60) if earliest and latest else None
    return {
        'rows': int(rows),
        'rows_per_hour': round(rows / hours, 3) if hours else None,
        'duplicate_keys': None if duplicate_keys is None else int(duplicate_keys),
        'min_event_time': earliest.isoformat() if earliest else None,
        'max_event_time': latest.isoformat() if latest else None,
        'freshness_age_minutes': round((_as_utc(now) - latest).total_seconds() / 60, 3) if latest else None,
        'missing_columns': missing,
        'wrong_type_columns': wrong,
        'rule_failures': {rule: int(count) for rule, count in sorted(rule_failures.items()) if count},
    }


def _as_utc(moment: Any) -> datetime | None:
    """Naive times are UTC: the jobs set Spark's session time zone to UTC."""
    if moment is None or pd.isna(moment):
        return None
    stamp = pd.Timestamp(moment)
    return (stamp.tz_localize(timezone.utc) if stamp.tzinfo is None else stamp.tz_convert(timezone.utc)).to_pydatetime()


def dataset_stats(frame: pd.DataFrame, suite: Suite, now: datetime) -> dict:
    """`build_stats` of a pandas frame."""
    keys = list(suite.unique.columns) if suite.unique else []
    fresh = suite.freshness.column if suite.freshness else None
    return build_stats(
        suite=suite,
        rows=len(frame),
        duplicate_keys=int(frame.duplicated(subset=keys).sum()) if keys and set(keys) <= set(frame) else None,
        min_event_time=frame[fresh].min() if fresh in frame else None,
        max_event_time=frame[fresh].max() if fresh in frame else None,
        now=now,
        column_types={name: observed_type(frame[name]) for name in frame.columns},
        rule_failures={rule: int(mask.sum()) for rule, mask in _row_failures(frame, suite)},
    )


@dataclass(frozen=True)
class RuleResult:
    rule: str
    severity: str
    passed: bool
    observed: Any
    expected: Any


@dataclass(frozen=True)
class Report:
    suite: str
    version: int
    stats: dict
    quarantined_rows: int
    results: tuple[RuleResult, ...]

    @property
    def blocking_failed(self) -> bool:
        return any(not r.passed and r.severity == BLOCKING for r in self.results)

    def to_dict(self) -> dict:
        return {**asdict(self), 'blocking_failed': self.blocking_failed}

    def to_json(self) -> str:
        """Sorted keys and results, so the same data always writes the same report."""
        return json.dumps(self.to_dict(), sort_keys=True, indent=2)


def evaluate(stats: dict, suite: Suite, previous_stats: dict | None, quarantined_rows: int) -> Report:
    """Every rule's result; `previous_stats` is the last run's, for `volume.max_change_ratio` (None: first run)."""
    results = []

    def add(rule: str, severity: str, passed: bool, observed: Any, expected: Any) -> None:
        results.append(RuleResult(rule, severity, bool(passed), observed, expected))

    missing, wrong = stats['missing_columns'], stats['wrong_type_columns']
    add('schema.missing_columns', BLOCKING, not missing, missing, [])
    add('schema.types', BLOCKING, not wrong, wrong, {c.name: c.type for c in suite.columns if c.name in wrong})
    for rule, severity in suite.row_rules():
        failures = stats['rule_failures'].get(rule, 0)
        add(rule, severity, failures == 0, failures, 0)
    rows = stats['rows']
    if suite.unique:
        duplicates = stats['duplicate_keys']
        add(f'unique.{"+".join(suite.unique.columns)}', suite.unique.severity, duplicates == 0, duplicates, 0)
    if suite.freshness:
        age, limit = stats['freshness_age_minutes'], suite.freshness.max_age_minutes
        add('freshness.max_age_minutes', suite.freshness.severity, age is not None and age <= limit, age, f'<= {limit}')
    if suite.volume and suite.volume.min_rows is not None:
        add('volume.min_rows', suite.volume.severity, rows >= suite.volume.min_rows, rows, f'>= {suite.volume.min_rows}')
    if suite.volume and suite.volume.max_change_ratio is not None:
        # Rates, not counts: a day refreshed hourly grows. Nothing to compare on the first run or after an empty one.
        current, previous = stats['rows_per_hour'], (previous_stats or {}).get('rows_per_hour')
        change = round(abs(current - previous) / previous, 4) if previous and current is not None else None
        limit = suite.volume.max_change_ratio
        add('volume.max_change_ratio', suite.volume.severity, change is None or change <= limit, change, f'<= {limit}')
    if suite.quarantine:
        ratio, limit = (round(quarantined_rows / rows, 4) if rows else 0.0), suite.quarantine.max_ratio
        add('quarantine.max_ratio', suite.quarantine.severity, ratio <= limit, ratio, f'<= {limit}')
    return Report(suite.name, suite.version, stats, int(quarantined_rows), tuple(sorted(results, key=lambda r: r.rule)))


def metrics(report: Report) -> dict[str, float]:
    """Gauges for the Pushgateway, named in Prometheus' text format (labels inline)."""
    failures = Counter(r.severity for r in report.results if not r.passed)
    values = {
        'validation_rows': float(report.stats['rows']),
        'validation_quarantined_rows': float(report.quarantined_rows),
        'validation_blocking_failed': float(report.blocking_failed),
        **{f'validation_rule_failures{{severity="{s}"}}': float(failures[s]) for s in SEVERITIES},
    }
    if report.stats['freshness_age_minutes'] is not None:
        values['validation_freshness_age_minutes'] = float(report.stats['freshness_age_minutes'])
    return values
