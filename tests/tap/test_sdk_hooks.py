"""The private singer-sdk names the tap relies on are still there, called the way it expects.

singer-sdk 0.54 offers no public way to write one SCHEMA per stream, to skip per-record
work that does nothing here, to end a run on a signal with a truthful exit code, or to
read the environment's settings before a tap exists, so tap_mixmax/sdk_private.py uses
these private names, and only that module does. An SDK upgrade that renames one, changes
its signature or stops calling it must fail here, not silently change what a run writes.

Nor does it offer a way to quiet its routine INFO lines: tap_mixmax/sdk_logs.py matches
their text, so an SDK upgrade that rewords one must fail here, not make runs noisy again.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import logging
import pkgutil
import re
from pathlib import Path

import pytest
import singer_sdk
from singer_sdk import Tap
from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.pagination import BaseAPIPaginator
from singer_sdk.plugin_base import PluginBase
from singer_sdk.streams.core import Stream
from singer_sdk.streams.rest import RESTStream

import tap_mixmax
from tap_mixmax import sdk_private
from tap_mixmax.client import MixmaxStream
from tap_mixmax.sdk_logs import SDK_CHATTER
from tap_mixmax.tap import TapMixmax
from tests.tap.test_quiet_logs import logged_run

# Every private SDK method the tap overrides: its class and its parameters, in order.
OVERRIDDEN = {
    "_write_schema_message": (Stream, ["self"]),
    "_generate_record_messages": (Stream, ["self", "record"]),
    "_increment_stream_state": (Stream, ["self", "latest_record", "context"]),
    "_handle_termination": (Tap, ["self", "signum", "frame"]),
}
# Where the SDK calls each of them, as the source of the calling function says it.
CALLERS = [
    (Stream.sync, "self._write_schema_message()"),
    (Stream._write_record_message, "self._generate_record_messages(record)"),
    (Stream._sync_records, "self._increment_stream_state(record, context=current_context)"),
    (PluginBase._setup_signal_handlers, "signal.signal(signal.SIGTERM, self._handle_termination)"),
    (PluginBase._setup_signal_handlers, "signal.signal(signal.SIGINT, self._handle_termination)"),
    (PluginBase.__init__, "self._setup_signal_handlers()"),
]
# Every private SDK name tap_mixmax uses: the overrides, and one class property it reads.
PRIVATE_NAMES = {*OVERRIDDEN, "_env_var_config"}
# The SDK classes the tap subclasses, whose private names only sdk_private.py may use.
SDK_BASES = (Stream, RESTStream, Tap, PluginBase, BaseAPIPaginator, MsgSpecWriter)


@pytest.mark.parametrize(("caller", "call"), CALLERS)
def test_the_sdk_still_calls_the_hook(caller, call):
    assert call in inspect.getsource(caller)


@pytest.mark.parametrize("name", sorted(OVERRIDDEN))
def test_each_overridden_hook_keeps_its_sdk_signature(name):
    owner, parameters = OVERRIDDEN[name]
    assert list(inspect.signature(getattr(owner, name)).parameters) == parameters
    ours = TapMixmax if issubclass(owner, Tap) else MixmaxStream
    assert list(inspect.signature(getattr(ours, name)).parameters) == parameters
    assert getattr(ours, name) is not getattr(owner, name), f"{name} is no longer overridden"


def test_the_environment_settings_come_from_the_sdks_parser(monkeypatch):
    monkeypatch.setenv("TAP_MIXMAX_API_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("TAP_MIXMAX_API_TOKENS", '["one","two"]')
    settings = sdk_private.environment_settings(TapMixmax)
    assert settings["api_url"] == "http://127.0.0.1:9/v1"
    assert settings["api_tokens"] == ["one", "two"]


def _package_sources() -> dict[str, str]:
    root = Path(tap_mixmax.__file__).parent
    return {
        str(path.relative_to(root)): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*.py"))
        if "simulator" not in path.parts
    }


def _sdk_private_names() -> tuple[set[str], set[str]]:
    """The SDK classes' private names: their class attributes, and the instance attributes
    their methods set (``self._tap = tap``), which no class dictionary holds."""
    members, instance = set(), set()
    for base in SDK_BASES:
        for klass in base.__mro__:
            if not klass.__module__.startswith("singer_sdk"):
                continue
            members |= set(vars(klass))
            instance |= _self_stores(inspect.getsource(klass).strip() + "\n")

    def private(names: set[str]) -> set[str]:
        return {name for name in names if name.startswith("_") and not name.startswith("__")}

    return private(members), private(instance) - private(members)


def _self_stores(source: str) -> set[str]:
    return {
        node.attr
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
        and isinstance(node.ctx, ast.Store)
    }


def test_only_sdk_private_touches_private_sdk_names():
    members, instance_attributes = _sdk_private_names()
    touches: dict[str, set[str]] = {}
    for path, source in _package_sources().items():
        # An instance attribute's name counts unless the module sets or defines one of its
        # own so named (progress.py's `self._logger`): reading the SDK's (`stream._tap`) counts.
        own = _self_stores(source) | {
            node.name for node in ast.walk(ast.parse(source)) if isinstance(node, ast.FunctionDef)
        }
        sdk_names = members | (instance_attributes - own)
        names = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("singer_sdk"):
                if any(part.startswith("_") for part in (node.module or "").split(".")):
                    names.add(node.module or "")
                names |= {alias.name for alias in node.names if alias.name.startswith("_")}
            elif isinstance(node, ast.Attribute) and node.attr in sdk_names:
                names.add(node.attr)
            elif isinstance(node, ast.FunctionDef) and node.name in sdk_names:
                names.add(node.name)
            elif isinstance(node, ast.Constant) and node.value in sdk_names:
                names.add(str(node.value))  # getattr(obj, "_name")
        if names:
            touches[path] = names
    assert touches == {"sdk_private.py": PRIVATE_NAMES}


def _tap_classes() -> list[type]:
    classes = []
    for info in pkgutil.walk_packages(tap_mixmax.__path__, "tap_mixmax."):
        if ".simulator" in info.name:
            continue
        module = importlib.import_module(info.name)
        classes += [
            value
            for value in vars(module).values()
            if inspect.isclass(value) and value.__module__ == info.name
        ]
    return classes


def test_nothing_overrides_a_method_the_sdk_marks_final():
    overridden = [
        f"{klass.__name__}.{name} (final in {base.__name__})"
        for klass in _tap_classes()
        for name in vars(klass)
        for base in klass.__mro__[1:]
        if base.__module__.startswith("singer_sdk")
        and getattr(vars(base).get(name), "__final__", False)
    ]
    assert not overridden
    finals = [name for name, value in vars(Tap).items() if getattr(value, "__final__", False)]
    assert "sync_all" in finals  # the SDK still marks them as the check expects


def test_the_sdk_still_logs_every_line_the_tap_quiets(sim, caplog):
    logged = {
        record.msg
        for parse_env in (False, True)
        for record in logged_run(sim, caplog, logging.DEBUG, parse_env=parse_env)
    }
    # A line that this run's data does not provoke (an empty page ending the pagination)
    # must at least still stand, word for word, in the SDK's code.
    source = "".join(
        path.read_text(encoding="utf-8") for path in Path(singer_sdk.__file__).parent.rglob("*.py")
    )
    source = re.sub(r'"\s*\n\s*"', "", source)  # implicitly joined string literals
    missing = sorted(line for line in SDK_CHATTER - logged if line not in source)
    assert not missing, f"reworded by the SDK, update sdk_logs.SDK_CHATTER: {missing}"
