"""meltano.yml and the Meltano Hub definition cannot drift from the tap's own settings.

The source of truth is ``tap-mixmax --about --format=json``: every top-level setting there
must be declared in both ``meltano.yml`` (extractor ``tap-mixmax``) and
``meltano-hub/extractors/tap-mixmax/mixmax.yml`` with every field both carry equal: label
(the schema's title), kind, sensitivity, description, options (the schema's enum) and
default (``value:``, which Meltano shows in ``meltano config list``; every default of the
tap is written, except those in DEFAULTS_LEFT_TO_THE_TAP). Nothing else may be declared.
Each failure says which file to change and how. These tests need no Meltano.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import ROOT, Catalog

MELTANO_YML = ROOT / "meltano.yml"
HUB_YML = ROOT / "meltano-hub" / "extractors" / "tap-mixmax" / "mixmax.yml"

# Capabilities Meltano knows for extractors (plugin definition syntax).
MELTANO_EXTRACTOR_CAPABILITIES = {
    "catalog",
    "properties",
    "discover",
    "state",
    "about",
    "stream-maps",
    "activate-version",
    "batch",
    "test",
    "log-based",
    "schema-flattening",
    "structured-logging",
}


# Defaults a definition does not write, with the reason. Meltano passes a `value:` to the
# tap as if the user had set it, so a default that changes with the package would go stale.
DEFAULTS_LEFT_TO_THE_TAP = {
    "user_agent": "it holds the package's version, which a copied value would freeze",
}


def meltano_kind(schema: dict[str, Any]) -> str:
    """The Meltano setting kind for a JSON-schema property of the tap's config."""
    types = schema.get("type", [])
    if isinstance(types, str):
        types = [types]
    types = [t for t in types if t != "null"]
    if "enum" in schema:
        return "options"
    if not types:
        if any(k in schema for k in ("anyOf", "oneOf")):
            return "object"
        return "string"
    main = types[0]
    if main == "string":
        return "date_iso8601" if schema.get("format") in {"date-time", "date"} else "string"
    return {
        "integer": "integer",
        "number": "decimal",
        "boolean": "boolean",
        "object": "object",
        "array": "array",
    }.get(main, "string")


def is_sensitive(schema: dict[str, Any]) -> bool:
    return bool(schema.get("secret") or schema.get("writeOnly"))


def about_settings(about: dict[str, Any]) -> dict[str, dict[str, Any]]:
    props: dict[str, dict[str, Any]] = about["settings"]["properties"]
    return {
        name: {
            "kind": meltano_kind(schema),
            "sensitive": is_sensitive(schema),
            "default": schema.get("default"),
            "label": schema.get("title") or name.replace("_", " ").capitalize(),
            "description": one_line(schema.get("description", "")),
            "options": list(schema["enum"]) if "enum" in schema else None,
        }
        for name, schema in props.items()
    }


def one_line(text: object) -> str:
    """A description as Meltano shows it: YAML folds its lines, JSON keeps them."""
    return " ".join(str(text or "").split())


def yaml_stub(name: str, spec: dict[str, Any]) -> str:
    lines = [f"- name: {name}", f"  label: {spec['label']}", f"  kind: {spec['kind']}"]
    if spec["sensitive"]:
        lines.append("  sensitive: true")
    if spec["default"] is not None and name not in DEFAULTS_LEFT_TO_THE_TAP:
        lines.append(f"  value: {json.dumps(spec['default'])}")
    lines.append(f"  description: {quoted(spec['description'])}")
    return "\n".join("    " + line for line in lines)


def quoted(text: str) -> str:
    """``text`` as a single-quoted YAML scalar, the style of both files."""
    return "'" + text.replace("'", "''") + "'"


def field_drift(label: str, name: str, entry: dict[str, Any], spec: dict[str, Any]) -> list[str]:
    """Differences in the fields beyond kind and sensitivity, as fixes."""
    problems: list[str] = []
    where = f"{label}: setting {name}"
    if entry.get("label") != spec["label"]:
        problems.append(f"{where}: set `label: {spec['label']}` (the schema's title)")
    if one_line(entry.get("description")) != spec["description"]:
        problems.append(
            f"{where}: set the description to the tap's:\n"
            f"      description: {quoted(spec['description'])}"
        )
    declared = [o.get("value") for o in entry.get("options") or []] or None
    if declared != spec["options"]:
        problems.append(f"{where}: options should be {spec['options']} (the schema's enum)")
    default = spec["default"]
    if name in DEFAULTS_LEFT_TO_THE_TAP or default is None:
        if "value" in entry:
            why = DEFAULTS_LEFT_TO_THE_TAP.get(name, "the tap has no default")
            problems.append(f"{where}: delete `value:` ({why})")
    elif "value" not in entry or json.dumps(entry["value"]) != json.dumps(default):
        problems.append(
            f"{where}: set `value: {json.dumps(default)}` (the tap's default, which "
            "`meltano config list` shows)"
        )
    return problems


def load_yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing", pytrace=False)
    return dict(yaml.safe_load(path.read_text()))


def meltano_extractor() -> dict[str, Any]:
    project = load_yaml(MELTANO_YML)
    for plugin in project.get("plugins", {}).get("extractors", []):
        if plugin.get("name") == "tap-mixmax":
            return dict(plugin)
    pytest.fail("meltano.yml declares no extractor named tap-mixmax", pytrace=False)


def settings_drift(label: str, declared: list[dict[str, Any]], about: dict[str, Any]) -> list[str]:
    """Every difference between a plugin's declared settings and the tap's, as fixes."""
    truth = about_settings(about)
    problems: list[str] = []
    by_name: dict[str, dict[str, Any]] = {}
    for entry in declared:
        name = str(entry.get("name"))
        if name in by_name:
            problems.append(f"{label}: setting {name} is declared twice; delete one")
        by_name[name] = entry
    for name, spec in truth.items():
        if name not in by_name:
            problems.append(
                f"{label}: add setting {name} (the tap has it):\n{yaml_stub(name, spec)}"
            )
            continue
        entry = by_name[name]
        kind = entry.get("kind", "string")
        if kind == "password":
            problems.append(
                f"{label}: setting {name}: replace the deprecated `kind: password` with "
                f"`kind: {spec['kind']}` and `sensitive: true`"
            )
        elif kind != spec["kind"]:
            problems.append(
                f"{label}: setting {name}: change `kind: {kind}` to `kind: {spec['kind']}` "
                "(from the tap's --about JSON schema)"
            )
        if bool(entry.get("sensitive", False)) != spec["sensitive"]:
            want = "add `sensitive: true`" if spec["sensitive"] else "remove `sensitive: true`"
            problems.append(f"{label}: setting {name}: {want} (the tap's secret flag)")
        problems.extend(field_drift(label, name, entry, spec))
    problems.extend(
        f"{label}: remove setting {name}: `tap-mixmax --about` has no such setting"
        for name in by_name
        if name not in truth
    )
    return problems


def capability_drift(label: str, declared: list[str], about: dict[str, Any]) -> list[str]:
    truth = {c for c in about["capabilities"] if c in MELTANO_EXTRACTOR_CAPABILITIES}
    have = set(declared)
    problems = [
        f"{label}: add capability {c} (`tap-mixmax --about` lists it)" for c in sorted(truth - have)
    ]
    problems.extend(
        f"{label}: remove capability {c} (`tap-mixmax --about` does not list it)"
        for c in sorted(have - truth)
    )
    return problems


def required_drift(label: str, plugin: dict[str, Any], about: dict[str, Any]) -> list[str]:
    required = sorted(about["settings"].get("required", []))
    groups = plugin.get("settings_group_validation") or []
    if required and sorted(required) not in [sorted(g) for g in groups]:
        return [f"{label}: settings_group_validation must contain {required} (required settings)"]
    return []


def test_meltano_yml_matches_tap_settings(tap_about: dict[str, Any]) -> None:
    plugin = meltano_extractor()
    problems = settings_drift("meltano.yml", plugin.get("settings", []), tap_about)
    problems += capability_drift("meltano.yml", plugin.get("capabilities", []), tap_about)
    problems += required_drift("meltano.yml", plugin, tap_about)
    expected = {"namespace": "tap_mixmax", "pip_url": "-e .", "executable": "tap-mixmax"}
    problems += [
        f"meltano.yml: tap-mixmax needs `{key}: {value}` (install from this checkout)"
        for key, value in expected.items()
        if plugin.get(key) != value
    ]
    assert not problems, "\n".join(problems)


def test_hub_definition_matches_tap_settings(tap_about: dict[str, Any]) -> None:
    hub = load_yaml(HUB_YML)
    label = str(HUB_YML.relative_to(ROOT))
    problems = settings_drift(label, hub.get("settings", []), tap_about)
    problems += capability_drift(label, hub.get("capabilities", []), tap_about)
    problems += required_drift(label, hub, tap_about)
    for field in (
        "name",
        "namespace",
        "variant",
        "label",
        "description",
        "docs",
        "repo",
        "pip_url",
        "executable",
        "keywords",
    ):
        if not hub.get(field):
            problems.append(f"{label}: add top-level field `{field}`")
    if hub.get("name") != "tap-mixmax" or hub.get("namespace") != "tap_mixmax":
        problems.append(f"{label}: name must be tap-mixmax and namespace tap_mixmax")
    if hub.get("executable") not in (None, "tap-mixmax"):
        problems.append(f"{label}: executable must be tap-mixmax")
    if "meltano_sdk" not in (hub.get("keywords") or []):
        problems.append(f"{label}: keywords must include meltano_sdk")
    for entry in hub.get("settings", []):
        if not entry.get("label"):
            problems.append(f"{label}: setting {entry.get('name')}: add a label")
    assert not problems, "\n".join(problems)


def test_hub_and_meltano_yml_agree() -> None:
    """The two files declare the same settings, field for field (independent of --about)."""

    def by_name(settings: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {
            str(s["name"]): {**s, "description": one_line(s.get("description"))} for s in settings
        }

    hub = by_name(load_yaml(HUB_YML).get("settings", []))
    local = by_name(meltano_extractor().get("settings", []))
    diffs = []
    for name in sorted(set(hub) | set(local)):
        theirs, ours = hub.get(name, {}), local.get(name, {})
        diffs += [
            f"setting {name}: `{field}` is {ours.get(field)!r} in meltano.yml, "
            f"{theirs.get(field)!r} in {HUB_YML.name}"
            for field in sorted(set(theirs) | set(ours))
            if theirs.get(field) != ours.get(field)
        ]
    assert not diffs, "\n".join(diffs)


@pytest.mark.parametrize("path", [MELTANO_YML, HUB_YML], ids=["meltano.yml", "hub"])
def test_select_rules_match_the_tap_defaults(path: Path, offline_catalog: Catalog) -> None:
    plugin = meltano_extractor() if path == MELTANO_YML else load_yaml(HUB_YML)
    unselected = set(offline_catalog.streams) - set(offline_catalog.selected_by_default())
    expected = ["*.*", *(f"!{name}.*" for name in sorted(unselected))]
    assert len(expected) == 3, f"the tap leaves {expected[1:]} unselected"
    assert plugin.get("select") == expected, (
        f"{path.name}: `select:` should be {expected} (the tap's defaults)"
    )


@pytest.mark.parametrize("path", [MELTANO_YML, HUB_YML], ids=["meltano.yml", "hub"])
def test_simulator_command_runs_the_packaged_simulator(path: Path) -> None:
    plugin = meltano_extractor() if path == MELTANO_YML else load_yaml(HUB_YML)
    command = (plugin.get("commands") or {}).get("simulator") or {}
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert command.get("executable") in scripts, (
        f"{path.name}: commands.simulator.executable must be a console script of the package"
    )
    assert scripts[command["executable"]] == "tap_mixmax.simulator.cli:main"
    # The dev environment's api_url is where the command's simulator listens.
    dev = next(e for e in load_yaml(MELTANO_YML)["environments"] if e["name"] == "dev")
    dev_tap = next(p for p in dev["config"]["plugins"]["extractors"] if p["name"] == "tap-mixmax")
    assert dev_tap["config"]["api_url"] == "http://127.0.0.1:8765/v1"
    assert command.get("args") == "--host 127.0.0.1 --port 8765"
