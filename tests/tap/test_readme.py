"""The README's streams table names every stream the tap registers, as registered."""

from __future__ import annotations

import re
from pathlib import Path

from tap_mixmax.streams import STREAM_TYPES

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_stream_rows() -> dict[str, list[str]]:
    rows = {}
    for line in README.read_text().splitlines():
        match = re.match(r"\| `([a-z_]+)` \| `([^`]+)` \|", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in line.strip("|").split("|")]
    return rows


def test_every_registered_stream_has_a_readme_row_with_its_endpoint_and_default():
    rows = readme_stream_rows()
    registered = {str(stream.name) for stream in STREAM_TYPES}
    assert set(rows) == registered, (
        f"README streams table: missing {sorted(registered - set(rows))}, "
        f"unknown {sorted(set(rows) - registered)}"
    )
    for stream in STREAM_TYPES:
        cells = rows[str(stream.name)]
        endpoint = re.sub(r"\{[A-Za-z]+\}", "{id}", str(stream.path))
        assert cells[1].strip("`").split("?")[0] == endpoint, stream.name
        default = "yes" if stream.selected_by_default else "no"
        assert cells[4] == default, f"{stream.name}: README says {cells[4]}, tap says {default}"
        keys = ", ".join(f"`{key}`" for key in stream.primary_keys)
        assert cells[3] == keys, f"{stream.name}: README says {cells[3]}, tap says {keys}"
        source = str(getattr(stream, "field_source"))  # noqa: B009
        assert cells[6] == source, f"{stream.name}: README says {cells[6]} fields, tap {source}"


def test_the_module_map_names_every_module_of_the_package() -> None:
    text = README.read_text()
    block = text[text.index("## Development") :].split("```")[1]
    listed = set(re.findall(r"^  ([a-z_]+(?:\.py|/))", block, flags=re.MULTILINE))
    package = README.parent / "tap_mixmax"
    present = {
        f"{path.name}/" if path.is_dir() else path.name
        for path in package.iterdir()
        if path.name not in {"__init__.py", "__main__.py", "__pycache__", "py.typed"}
        and (path.is_dir() or path.suffix == ".py")
    }
    assert listed == present, (
        f"README module map: missing {sorted(present - listed)}, gone {sorted(listed - present)}"
    )
