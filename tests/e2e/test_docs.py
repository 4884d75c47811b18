"""What docs/ and the README state, checked against the tap, Meltano and the repository."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, Catalog, run_checked

MELTANO_DOC = ROOT / "docs" / "meltano.md"


def test_primary_keys_in_meltano_doc_match_the_tap(offline_catalog: Catalog) -> None:
    text = " ".join(MELTANO_DOC.read_text().split())
    found = re.search(r"merges on each stream's primary key \((.*?)\), so", text)
    assert found, "docs/meltano.md no longer lists the primary keys"
    listed = {
        stream: [k.strip() for k in keys.split(",")]
        for keys, stream in re.findall(r"`\[([^\]]+)\]` for (\w+)", found.group(1))
    }
    actual = {
        stream: offline_catalog.key_properties(stream)
        for stream in offline_catalog.streams
        if offline_catalog.key_properties(stream) != ["_id"]
    }
    assert listed == actual, f"docs/meltano.md lists {listed}; the tap has {actual}"
    assert found.group(1).startswith("`_id`;"), "the common key `_id` comes first"


CITED_SECTION = re.compile(r"docs/([\w-]+\.md)`*\)?\s*§\s*(\d+(?:\.\d+)?)")
RETIRED_NOTES = ("mixmax-pagination.md", "mixmax-api-catalog.md")


def code_lines() -> list[tuple[str, str]]:
    """(file, line) for every line of the tap's and the tests' Python files but this one."""
    return [
        (str(path.relative_to(ROOT)), line)
        for folder in ("tap_mixmax", "tests")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path != Path(__file__)
        for line in path.read_text().splitlines()
    ]


def section_exists(note: str, number: str) -> bool:
    text = (ROOT / "docs" / note).read_text()
    return any(
        re.search(pattern, text, re.M)
        for pattern in (
            rf"^#+ {re.escape(number)}[. ]",
            rf"^- \*\*{re.escape(number)} ",
        )
    )


def test_every_section_citation_names_a_section_in_docs() -> None:
    problems = []
    cited = 0
    for name, line in code_lines():
        if "§" not in line:
            continue
        found = CITED_SECTION.search(line)
        if found is None:
            problems.append(f"{name}: a § citation without docs/<note>.md: {line.strip()}")
            continue
        cited += 1
        note, number = found.groups()
        if not (ROOT / "docs" / note).exists():
            problems.append(f"{name}: cites docs/{note}, which does not exist")
        elif not section_exists(note, number):
            problems.append(f"{name}: cites docs/{note} §{number}, which has no such section")
    problems += [
        f"{name}: cites {note}, which is not in the repository: use docs/"
        for name, line in code_lines()
        for note in RETIRED_NOTES
        if note in line
    ]
    assert cited >= 10, f"found only {cited} citations: the pattern no longer matches them"
    assert not problems, "\n".join(problems)


def documented_line(prefix: str) -> str:
    lines = [
        line.split("#")[0].strip()
        for line in MELTANO_DOC.read_text().splitlines()
        if line.startswith(prefix)
    ]
    assert lines, f"docs/meltano.md has no line starting with {prefix!r}"
    return lines[0]


@pytest.mark.e2e
def test_config_list_commands_as_documented(
    meltano_bin: Path, tap_about: dict[str, Any], tmp_path: Path
) -> None:
    shutil.copy(ROOT / "meltano.yml", tmp_path / "meltano.yml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_MIXMAX_", "MELTANO_"))}
    env["MELTANO_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env["PATH"] = os.pathsep.join([str(meltano_bin.parent), env["PATH"]])
    settings = list(tap_about["settings"]["properties"])

    def listed(line: str) -> str:
        return run_checked(["bash", "-c", line], env=env, cwd=tmp_path).stdout

    without_all = listed("meltano config list tap-mixmax")
    everything = listed(documented_line("meltano config list tap-mixmax --all"))
    dev = listed(documented_line("meltano --environment=dev config list tap-mixmax --all"))
    assert [s for s in settings if f"{s} [env: " not in without_all], "--all hides nothing"
    assert not [s for s in settings if f"{s} [env: " not in everything]
    assert "http://127.0.0.1:8765/v1" not in everything
    assert "current value: 'http://127.0.0.1:8765/v1'" in dev
