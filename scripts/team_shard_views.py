#!/usr/bin/env python3
"""Print PostgreSQL views that union the tables of several tap-mixmax shards, one row per key.

Each shard (a Meltano plugin inheriting from tap-mixmax with some of the team's tokens)
loads its own schema, so two shards never upsert the same key at once. The views, one per
stream, in the schema named first, show every shard's rows with one row per primary key: a
shared object read by users of several shards keeps, of the shards' rows for it, the one
with the lowest ``_mixmax_user_id`` (byte order). Streams a shard has no table for yet are
left out of its union; rerun the script after adding a shard (the views are made again).

    .venv/bin/python scripts/team_shard_views.py mixmax_team mixmax_shard_a mixmax_shard_b \
        | psql -v ON_ERROR_STOP=1 …

The views' schema must hold no tables (a target loading into it, such as the single-token
recipe's ``mixmax``, would clash with the views): the SQL stops at its first statement,
naming the schema, if it does. ``-v ON_ERROR_STOP=1`` makes psql exit non-zero then.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

USER_COLUMN = "_mixmax_user_id"

# One view per stream, built inside the database so it sees which shard tables exist and
# which columns they all have (a shard loaded before a schema change may lack a new one).
VIEW = """DO $view$
DECLARE
  shards text[] := ARRAY[{shards}];
  present text[];
  columns text;
  parts text;
BEGIN
  SELECT array_agg(s) INTO present FROM unnest(shards) AS s
   WHERE to_regclass(format('%I.%I', s, {stream})) IS NOT NULL;
  EXECUTE format('DROP VIEW IF EXISTS %I.%I', {target}, {stream});
  IF present IS NULL THEN
    RETURN;
  END IF;
  SELECT string_agg(quote_ident(c), ', ' ORDER BY c) INTO columns FROM (
    SELECT column_name AS c FROM information_schema.columns
     WHERE table_schema = ANY(present) AND table_name = {stream}
     GROUP BY column_name HAVING count(*) = cardinality(present)) AS common;
  SELECT string_agg(format('SELECT %s FROM %I.%I', columns, s, {stream}), ' UNION ALL ')
    INTO parts FROM unnest(present) AS s;
  EXECUTE format(
    'CREATE VIEW %I.%I AS SELECT DISTINCT ON (%s) * FROM (%s) AS shards '
    'ORDER BY %s, %I COLLATE "C"',
    {target}, {stream}, {keys}, parts, {keys}, '{user_column}');
END
$view$;"""


def literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def identifiers(names: list[str]) -> str:
    """Quoted identifiers joined by commas, as one SQL string literal."""
    return literal(", ".join('"' + name.replace('"', '""') + '"' for name in names))


def key_properties() -> dict[str, list[str]]:
    """Each stream's primary key, from the tap's own catalog (no request is made)."""
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config.json"
        config.write_text(json.dumps({"api_token": "discovery-only"}))
        tap = Path(sys.executable).parent / "tap-mixmax"
        found = subprocess.run(  # noqa: S603 - our own console script
            [str(tap), "--discover", "--config", str(config)],
            capture_output=True,
            text=True,
            check=True,
            env={k: v for k, v in os.environ.items() if not k.startswith("TAP_MIXMAX_")},
        )
    catalog = json.loads(found.stdout)
    return {entry["tap_stream_id"]: list(entry["key_properties"]) for entry in catalog["streams"]}


# The views' schema is the views' alone: a table there is a target's, which views would
# clash with (DROP VIEW on a table fails for every stream, one by one).
REFUSE_TABLES = """DO $check$
BEGIN
  IF EXISTS (SELECT 1 FROM information_schema.tables
              WHERE table_schema = {target} AND table_type = 'BASE TABLE') THEN
    RAISE EXCEPTION 'schema % holds tables (a target loads into it): give the views a '
      'schema of their own, e.g. mixmax_team', {target};
  END IF;
END
$check$;"""


def views_sql(target: str, shards: list[str], keys: dict[str, list[str]]) -> str:
    """The SQL that (re)makes one view per stream in ``target`` over ``shards``, after
    refusing a ``target`` that holds tables."""
    statements = [
        REFUSE_TABLES.format(target=literal(target)),
        'CREATE SCHEMA IF NOT EXISTS "' + target.replace('"', '""') + '";',
    ]
    for stream, key in sorted(keys.items()):
        statements.append(
            VIEW.format(
                shards=", ".join(literal(shard) for shard in shards),
                stream=literal(stream),
                target=literal(target),
                keys=identifiers(key),
                user_column=USER_COLUMN,
            )
        )
    return "\n".join(statements) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("target", help="schema the views go in (no tables), e.g. mixmax_team")
    parser.add_argument("shards", nargs="+", help="the shards' schemas")
    args = parser.parse_args()
    if args.target in args.shards:
        parser.error("the views' schema must not be one of the shards' schemas")
    sys.stdout.write(views_sql(args.target, args.shards, key_properties()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
