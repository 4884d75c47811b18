"""Bring a record to its schema in place, with a plan compiled once per stream.

What the SDK's type conformance (``TypeConformanceLevel.RECURSIVE``) does to a record,
for the schemas this tap declares, and its time fields made RFC 3339, in one walk that
visits only the fields where something can change:

* time fields (``format: date-time``) become RFC 3339 strings (``timestamps.to_rfc3339``);
  a value that is not a time becomes ``null``, is counted, and is warned about once per
  stream and field;
* properties a schema does not declare (wherever an object has ``properties`` and no
  ``additionalProperties``) are counted per path, once per record that carries them, and
  handled as the stream's ``undeclared_fields`` mode says: ``warn`` and ``ignore`` leave
  them out (``warn`` with one warning per path the first time), ``keep`` moves the
  record's top-level ones into one object column (``EXTRA_COLUMN``) and leaves nested
  ones in place inside their object column;
* a value of a boolean-only field that is not a boolean becomes ``value != 0``, as the
  SDK did (``null`` stays ``null``, and a float stays as it is, as it did there).

The SDK also turned non-finite floats into ``null``; the msgspec message writer this tap
uses encodes them as ``null`` itself, so they need no walk. Nothing else the SDK's
conformance does (datetimes, bytes, Decimals) can come out of a JSON response.

``normalize`` applies the time part of such a plan to a copy of any value.
"""

from __future__ import annotations

import copy
import logging
from collections import Counter
from dataclasses import dataclass
from math import isfinite
from typing import Any

from tap_mixmax.timestamps import to_rfc3339

JSON = Any

# Counts of unparseable time values (per stream and field) at which the total is logged.
_COUNTS_TO_REPORT = frozenset(10**power for power in range(1, 10))

# Where ``keep`` puts the top-level properties a stream's schema does not declare.
EXTRA_COLUMN = "_mixmax_extra"
EXTRA_COLUMN_SCHEMA: dict[str, Any] = {
    "type": ["object", "null"],
    "description": "Top-level properties Mixmax sent that this stream's schema does not "
    "declare, verbatim (undeclared_fields: keep); null when there were none.",
}


def with_extra_column(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with ``EXTRA_COLUMN`` declared (the same dict if it is already)."""
    properties = schema.get("properties", {})
    if EXTRA_COLUMN in properties:
        return schema
    return {**schema, "properties": {**properties, EXTRA_COLUMN: dict(EXTRA_COLUMN_SCHEMA)}}


# What a plan does to one field.
TIME, BOOLEAN, OBJECT, ARRAY, CHOICE = range(5)


@dataclass(frozen=True)
class ObjectPlan:
    """The work for one object: which keys it may have, and which fields need a look."""

    path: str  # dotted path from the record root, for warnings ("" at the root)
    known: frozenset[str] | None  # None: undeclared keys are kept
    fields: tuple[tuple[str, int, Any], ...]  # (key, kind, detail)


def types_of(schema: dict[str, Any]) -> list[str]:
    """The JSON types ``schema`` names (its ``type``, as a list)."""
    kind = schema.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def _is_boolean_only(schema: dict[str, Any]) -> bool:
    # The SDK's test: a "type" of boolean, or of boolean and null, and nothing else.
    return "type" in schema and set(types_of(schema)) in ({"boolean"}, {"boolean", "null"})


def _child_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def compile_object(
    schema: dict[str, Any], path: str = "", *, times: bool = True, conform: bool = True
) -> ObjectPlan | None:
    """The plan for objects of ``schema``, or ``None`` when nothing in them can change."""
    properties: dict[str, Any] = schema.get("properties") or {}
    known = None
    if conform and "object" in types_of(schema) and not schema.get("additionalProperties"):
        known = frozenset(properties)
    fields = []
    for key, subschema in properties.items():
        action = _compile_value(subschema, _child_path(path, key), times=times, conform=conform)
        if action is not None:
            fields.append((key, *action))
    if known is None and not fields:
        return None
    return ObjectPlan(path, known, tuple(fields))


def _compile_value(
    schema: dict[str, Any], path: str, *, times: bool, conform: bool
) -> tuple[int, Any] | None:
    if times and schema.get("format") == "date-time":
        return TIME, path
    if conform and _is_boolean_only(schema):
        return BOOLEAN, path
    if "properties" in schema:
        # Times are found in any dict with properties; the SDK conforms only those whose
        # type says object.
        plan = compile_object(
            schema, path, times=times, conform=conform and "object" in types_of(schema)
        )
        return None if plan is None else (OBJECT, plan)
    items = schema.get("items")
    if isinstance(items, dict):
        uniform = "array" in types_of(schema) and "prefixItems" not in schema
        action = _compile_value(items, f"{path}[]", times=times, conform=conform and uniform)
        return None if action is None else (ARRAY, action)
    options = schema.get("anyOf")
    if times and isinstance(options, list):
        # The SDK leaves anyOf values as they are; times are found through the first
        # option that is a container of the value's kind.
        choices = []
        for option in options:
            action = _compile_value(option, path, times=True, conform=False)
            kinds = types_of(option)
            if action is not None and ("object" in kinds or "array" in kinds):
                choices.append((dict if "object" in kinds else list, action))
        if choices:
            return CHOICE, tuple(choices)
    return None


class RecordConformer:
    """Applies one stream's compiled plans to its records, and remembers what it dropped."""

    def __init__(
        self,
        stream: str,
        schema: dict[str, Any],
        logger: logging.Logger,
        catalog_schema: dict[str, Any] | None = None,
        undeclared: str = "warn",
    ) -> None:
        self.stream = stream
        self.logger = logger
        self.undeclared_mode = undeclared
        if catalog_schema is None or catalog_schema == schema:
            plans = [compile_object(schema)]
        else:
            # The SDK conformed to the catalog's schema; times follow the declared one.
            plans = [
                compile_object(schema, conform=False),
                compile_object(catalog_schema, times=False),
            ]
        self.plans = [plan for plan in plans if plan is not None]
        # Values of each time field that were not times and were written as null.
        self.unparsed: Counter[str] = Counter()
        # Records that carried each undeclared property path, and the paths of this record.
        self.undeclared: Counter[str] = Counter()
        self._carried: set[str] = set()

    def __call__(self, record: dict[str, Any]) -> dict[str, Any]:
        for plan in self.plans:
            self._object(plan, record)
        if self._carried:
            self.undeclared.update(self._carried)
            self._carried.clear()
        return record

    def _object(self, plan: ObjectPlan, value: dict[str, Any]) -> None:
        known = plan.known
        if known is not None and not known.issuperset(value):
            self._undeclared(plan, value)
        for key, kind, detail in plan.fields:
            item = value.get(key)
            # The two commonest cases first, without a call: this runs for every field.
            if item is None or (kind == BOOLEAN and item.__class__ is bool):
                continue
            if kind == TIME:
                value[key] = self._time(detail, item)
            elif kind == OBJECT:
                if isinstance(item, dict):
                    self._object(detail, item)
            else:
                value[key] = self._value(kind, detail, item)

    def _value(self, kind: int, detail: Any, item: JSON) -> JSON:  # noqa: ANN401
        if kind == TIME:
            return self._time(detail, item)
        if kind == BOOLEAN:
            if item.__class__ is bool:
                return item
            if isinstance(item, float):  # the SDK checked floats before booleans
                return item if isfinite(item) else None
            return item != 0
        if kind == OBJECT:
            if isinstance(item, dict):
                self._object(detail, item)
            return item
        if kind == ARRAY:
            if isinstance(item, list):
                inner_kind, inner = detail
                self._array(inner_kind, inner, item)
            return item
        for container, (choice_kind, choice) in detail:  # CHOICE
            if isinstance(item, container):
                return self._value(choice_kind, choice, item)
        return item

    def _array(self, kind: int, detail: Any, items: list[Any]) -> None:  # noqa: ANN401
        if kind == OBJECT:
            for element in items:
                if isinstance(element, dict):
                    self._object(detail, element)
        else:
            items[:] = [
                element if element is None else self._value(kind, detail, element)
                for element in items
            ]

    def _time(self, path: str, value: JSON) -> str | None:
        text = to_rfc3339(value)
        if text is None and not (isinstance(value, str) and not value.strip()):
            self.unparsed[path] += 1
            count = self.unparsed[path]
            if count == 1:
                self.logger.warning(
                    "%s: field '%s' holds %.60r, which is not a time; writing null "
                    "(such values are counted, not logged one by one)",
                    self.stream,
                    path,
                    value,
                )
            elif count in _COUNTS_TO_REPORT:
                self.logger.info(
                    "%s: %d values of field '%s' were not times and were written as null",
                    self.stream,
                    count,
                    path,
                )
        return text

    def _undeclared(self, plan: ObjectPlan, value: dict[str, Any]) -> None:
        known = plan.known
        assert known is not None
        mode = self.undeclared_mode
        root_kept = mode == "keep" and not plan.path
        keys = [k for k in value if k not in known and not (root_kept and k == EXTRA_COLUMN)]
        if root_kept:
            extra = value.get(EXTRA_COLUMN)
            if not isinstance(extra, dict):
                extra = value[EXTRA_COLUMN] = {}
            for key in keys:
                extra[key] = value.pop(key)
        elif mode != "keep":
            for key in keys:
                del value[key]
        for key in keys:
            path = _child_path(plan.path, key)
            if mode == "warn" and path not in self.undeclared and path not in self._carried:
                self.logger.warning(
                    "%s: property '%s' is not in the stream's schema; leaving it out "
                    "(counted in the run's summary; undeclared_fields: keep keeps it)",
                    self.stream,
                    path,
                )
            self._carried.add(path)

    def summary(self) -> list[str]:
        """One line per time field that held values that are not times."""
        return [
            f"{self.stream}: {count} value(s) of '{path}' were not times and were written as null"
            for path, count in sorted(self.unparsed.items())
        ]

    def undeclared_summary(self) -> list[str]:
        """One line per undeclared property path: how many records carried it, and where
        it went."""
        lines = []
        for path, count in sorted(self.undeclared.items()):
            if self.undeclared_mode != "keep":
                fate = "left out (undeclared_fields: keep would keep it)"
            elif "." in path or "[" in path:
                fate = "kept in place"
            else:
                fate = f"kept in {EXTRA_COLUMN}"
            lines.append(
                f"{self.stream}: undeclared property '{path}' in {count} record(s), {fate}"
            )
        return lines


def normalize(value: JSON, schema: dict[str, Any]) -> JSON:
    """A copy of ``value`` with every ``date-time`` field that ``schema`` declares, at
    any depth, as ``to_rfc3339`` gives it (what a stream's conformer does to times)."""
    action = _compile_value(schema, "", times=True, conform=False)
    if value is None or action is None:
        return value
    return RecordConformer("normalize", {}, _LOGGER)._value(*action, copy.deepcopy(value))


_LOGGER = logging.getLogger(__name__)
