"""The installed target-duckdb keeps the first row of every batch.

target-duckdb 0.8.0 loads a batch with `COPY ... FROM 'batch.csv'` without saying the file
has no header. duckdb >= 1.1 then guesses, and takes the first row of a batch of text
columns for a header: a one-row batch loads nothing. meltano.yml pins duckdb 1.0.0.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from .conftest import plugin_venv, run_checked

STREAMS = 20
# Run with the target's own duckdb: prints its version and the rows of all one-row tables.
COUNT = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
total = sum(
    con.execute("select count(*) from pin.one_row_" + str(i)).fetchone()[0]
    for i in range(int(sys.argv[2]))
)
print(duckdb.__version__, total)
"""


def singer_messages() -> str:
    lines = []
    for i in range(STREAMS):
        stream = f"one_row_{i}"
        schema = {
            "type": "object",
            "properties": {"userId": {"type": ["string"]}, "name": {"type": ["string", "null"]}},
        }
        lines.append(
            {"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": ["userId"]}
        )
        lines.append(
            {
                "type": "RECORD",
                "stream": stream,
                "record": {"userId": f"k7e2zRovyFfxrFP{i:02d}", "name": "ada"},
            }
        )
        lines.append({"type": "STATE", "value": {"done": i}})
    return "".join(json.dumps(line) + "\n" for line in lines)


@pytest.mark.e2e
def test_installed_target_duckdb_keeps_one_row_batches(tmp_path: Path) -> None:
    venv = plugin_venv("loaders", "target-duckdb")
    db = tmp_path / "onerow.duckdb"
    config = tmp_path / "target.json"
    config.write_text(json.dumps({"filepath": str(db), "default_target_schema": "pin"}))
    proc = subprocess.run(
        [str(venv / "bin" / "target-duckdb"), "--config", str(config)],
        input=singer_messages(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    version, loaded = run_checked(
        [str(venv / "bin" / "python"), "-c", COUNT, str(db), str(STREAMS)]
    ).stdout.split()
    assert int(loaded) == STREAMS, (
        f"target-duckdb with duckdb {version} loaded {loaded} of {STREAMS} one-row batches: "
        "keep `duckdb==1.0.0` in target-duckdb's pip_url in meltano.yml and run "
        "`meltano install loader target-duckdb`"
    )
