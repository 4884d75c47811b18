"""Config, catalog and state files that are missing, not JSON or of the wrong shape.

Most checks run through the tap's command in this process (``cli``); a few runs of a real
process check the wiring: exit status 2 with one line, and pipes a child process reads.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import threading
from pathlib import Path

import pytest

from tests.adversarial.conftest import InProcessRunner, Outcome, Runner, assert_clean, outcome
from tests.tap.cli_inprocess import run_cli
from tests.tap.conftest import select, tap_env

STREAMS = ["polls"]


def assert_refused(run: Outcome, *words: str) -> None:
    assert run.returncode == 2, run.stderr[-2000:]
    for word in words:
        assert word in run.error
    assert run.records == {}
    assert_clean(run)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{", "is not JSON"),
        ("", "is empty"),
        ("[1, 2]", "must hold a JSON object of settings, not a list"),
        ("null", "not null"),
    ],
)
def test_a_bad_config_file_is_named_in_one_line(cli: InProcessRunner, text: str, problem: str):
    assert_refused(cli.run(STREAMS, config_text=text), "config file", problem)


def test_a_missing_config_file_is_named(tap: Runner, tmp_path):
    # A real process: exit status 2 and one line on its stderr.
    missing = tmp_path / "nowhere.json"
    command = tap.command(STREAMS)
    command[command.index("--config") + 1] = str(missing)
    run = tap.run_command(command)
    assert_refused(run, f"config file {missing} does not exist")


def test_a_missing_catalog_file_is_named(cli: InProcessRunner, tmp_path):
    command = cli.command(STREAMS)
    command[command.index("--catalog") + 1] = str(tmp_path / "nowhere.json")
    assert_refused(cli.run_command(command), "--catalog", "nowhere.json")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{", "is not JSON"),
        ("[]", "must be a JSON object with a 'streams' array"),
        ('{"streams": [7]}', "streams[0] is a number"),
        ('{"streams": [{"tap_stream_id": "polls"}]}', "has no 'schema' object"),
    ],
)
def test_a_bad_catalog_file_is_named_in_one_line(cli: InProcessRunner, text: str, problem: str):
    assert_refused(cli.run(STREAMS, catalog_text=text), "catalog file", problem)


def test_a_catalog_forcing_an_unknown_replication_key_is_refused(cli: InProcessRunner):
    catalog = select(STREAMS, {})
    for entry in catalog["streams"]:
        if entry["tap_stream_id"] == "polls":
            entry["replication_method"], entry["replication_key"] = "INCREMENTAL", "nope"
    run = cli.run(STREAMS, catalog_text=json.dumps(catalog))
    assert_refused(run, "(polls) names replication key 'nope', which is not one of its fields")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{", "is not JSON"),
        ("[]", "must hold a state object, not a list"),
        ('{"bookmarks": null}', "'bookmarks' must be an object of streams, not null"),
        ('{"bookmarks": {"polls": "x"}}', "bookmarks.polls must be an object, not a string"),
        ('{"bookmarks": {"polls": {"partitions": "x"}}}', "bookmarks.polls.partitions"),
        ('{"type": "STATE", "value": 3}', "must hold a state object, not a number"),
    ],
)
def test_a_bad_state_file_is_named_in_one_line(cli: InProcessRunner, text: str, problem: str):
    assert_refused(cli.run(STREAMS, state_text=text), "state file", problem)


def test_an_empty_state_file_means_no_state_with_a_warning(cli: InProcessRunner, sim):
    # What `tap --state s.json > s.json` or a failed pipeline leaves behind.
    run = cli.run(STREAMS, state_text="")
    assert run.returncode == 0, run.stderr[-2000:]
    assert "is empty: starting without state" in run.stderr
    assert run.errors == []
    assert len(run.ids("polls")) == len(sim.visible("polls", sim.tokens["ada"]))
    assert_clean(run)


def test_a_targets_state_lines_resume_from_the_last_and_skip_a_cut_off_one(
    cli: InProcessRunner, sim
):
    first = cli.run(STREAMS)
    assert first.returncode == 0, first.stderr[-2000:]
    older = {"bookmarks": {}}
    newest = first.state
    # Lines as a target prints them: bare states or STATE messages, the last cut short.
    lines = [
        json.dumps(older),
        json.dumps({"type": "STATE", "value": newest}),
        json.dumps(newest)[:25],
    ]
    sim.insert("polls")
    run = cli.run(STREAMS, state_text="\n".join(lines) + "\n")
    assert run.returncode == 0, run.stderr[-2000:]
    assert "last line is cut off" in run.stderr
    assert len(run.ids("polls")) == 1  # resumed from `newest`: only the new poll
    assert_clean(run)


def test_a_pretty_printed_state_is_read_whole(cli: InProcessRunner, sim):
    first = cli.run(STREAMS)
    assert first.returncode == 0, first.stderr[-2000:]
    sim.insert("polls")
    run = cli.run(STREAMS, state_text=json.dumps(first.state, indent=2))
    assert run.returncode == 0, run.stderr[-2000:]
    assert len(run.ids("polls")) == 1
    assert "cut off" not in run.stderr


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"streams": [{"tap_stream_id": 5, "schema": {}}]}', "has no 'tap_stream_id' string"),
        (
            '{"streams": [{"tap_stream_id": "polls", "schema": {}, "metadata": 5}]}',
            "has a 'metadata' that is not a list",
        ),
    ],
)
def test_a_catalog_entry_of_the_wrong_shape_is_named(cli: InProcessRunner, text: str, problem: str):
    assert_refused(cli.run(STREAMS, catalog_text=text), "catalog file", problem)


def test_a_state_file_whose_last_lines_are_not_json_is_refused(cli: InProcessRunner):
    run = cli.run(STREAMS, state_text='{"bookmarks": {}}\nnot json\nnor this\n')
    assert_refused(run, "neither of its last two lines is JSON")


def test_a_config_path_that_is_a_folder_or_not_text_is_named(cli: InProcessRunner, tmp_path):
    command = cli.command(STREAMS)
    command[command.index("--config") + 1] = str(tmp_path)
    assert_refused(cli.run_command(command), "is a folder, not a file")
    binary = tmp_path / "config.bin"
    binary.write_bytes(b"\xff\xfe\x00{")
    command[command.index("--config") + 1] = str(binary)
    assert_refused(cli.run_command(command), "is not UTF-8 text")


# Each kind of content that is no usable JSON, as a file of any kind: one line, exit 2.
BAD_CONTENT = {
    "not-json": (b"{oops", "is not JSON"),
    "not-utf8": (b'{"api_url": "\xff\xfe"}', "is not UTF-8 text"),
    "too-deep": (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    "non-finite": (b'{"max_retries": 1e400}', "1e400 is too large for a float"),
    "nan": (b'{"max_retries": NaN}', "NaN is not a JSON number"),
}


def run_with_fd(command: list[str], content: bytes, *, in_process: bool = False) -> Outcome:
    """Run the tap with ``/dev/fd/N`` in ``command`` standing for a pipe holding ``content``:
    in a child process, or in this one (``in_process``)."""
    read_end, write_end = os.pipe()
    command = [part.replace("/dev/fd/N", f"/dev/fd/{read_end}") for part in command]
    if in_process:
        writer = threading.Thread(target=_write_and_close, args=(write_end, content), daemon=True)
        writer.start()
        try:
            done = run_cli(command)
        finally:
            os.close(read_end)
        return outcome(done.returncode, done.stdout, done.stderr)
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=tap_env(),
        pass_fds=(read_end,),
    )
    os.close(read_end)
    writer = threading.Thread(target=_write_and_close, args=(write_end, content), daemon=True)
    writer.start()
    stdout, stderr = process.communicate(timeout=120)
    return outcome(process.returncode, stdout.decode(), stderr.decode())


def _write_and_close(fd: int, content: bytes) -> None:
    with contextlib.suppress(OSError), os.fdopen(fd, "wb") as out:
        out.write(content)


def _fill_fifo(path: Path, content: bytes) -> None:
    with contextlib.suppress(OSError), path.open("wb") as out:
        out.write(content)


@pytest.mark.parametrize("kind", sorted(BAD_CONTENT))
@pytest.mark.parametrize("file_kind", ["fifo", "dev-fd"])
def test_a_config_pipe_or_fifo_of_bad_content_is_named(
    cli: InProcessRunner, tmp_path: Path, kind: str, file_kind: str
):
    content, problem = BAD_CONTENT[kind]
    command = cli.command(STREAMS)
    at = command.index("--config") + 1
    if file_kind == "fifo":
        fifo = tmp_path / "config.fifo"
        os.mkfifo(fifo)
        threading.Thread(target=_fill_fifo, args=(fifo, content), daemon=True).start()
        command[at] = str(fifo)
        run = cli.run_command(command)
        named = str(fifo)
    else:
        command[at] = "/dev/fd/N"
        run = run_with_fd(command, content, in_process=True)
        named = "config file /dev/fd/"
    assert_refused(run, named, problem)


def test_a_config_pipe_holding_a_list_is_named(tap: Runner):
    # A real process reading a pipe it inherited.
    command = tap.command(STREAMS)
    command[command.index("--config") + 1] = "/dev/fd/N"
    assert_refused(run_with_fd(command, b"[1, 2]"), "config file /dev/fd/", "not a list")


def test_a_good_config_pipe_is_read_once_and_used(tap: Runner, sim):
    command = tap.command(STREAMS)
    config = Path(command[command.index("--config") + 1]).read_bytes()
    command[command.index("--config") + 1] = "/dev/fd/N"
    run = run_with_fd(command, config)
    assert run.returncode == 0, run.stderr[-2000:]
    assert len(run.ids("polls")) == len(sim.visible("polls", sim.tokens["ada"]))


@pytest.mark.parametrize("kind", ["not-utf8", "too-deep", "non-finite"])
@pytest.mark.parametrize("option", ["--state", "--catalog"])
def test_a_state_or_catalog_of_bad_content_is_named(cli: InProcessRunner, kind: str, option: str):
    content, problem = BAD_CONTENT[kind]
    command = cli.command(STREAMS, state_text="{}")
    path = Path(command[command.index(option) + 1])
    path.write_bytes(content)
    what = option.removeprefix("--")
    assert_refused(cli.run_command(command), f"{what} file {path}", problem)


@pytest.mark.parametrize(
    ("device", "problem"),
    [("/dev/zero", "is larger than 67,108,864 bytes"), ("/dev/urandom", "is not UTF-8 text")],
)
@pytest.mark.parametrize("option", ["--config", "--state", "--catalog"])
def test_an_endless_device_given_as_a_file_is_refused_with_bounded_reading(
    cli: InProcessRunner, device: str, problem: str, option: str
):
    command = cli.command(STREAMS, state_text="{}")
    command[command.index(option) + 1] = device
    assert_refused(cli.run_command(command), f"file {device}", problem)
