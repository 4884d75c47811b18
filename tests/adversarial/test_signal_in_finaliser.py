"""A signal handled while a weakref callback runs (the parsed-page cache lets go of a
response) raised its stop where Python only prints "Exception ignored", and the run went
on to exit 0: seen once in CI. The stop must reach the code the run is in."""

from __future__ import annotations

import signal
import weakref
from collections.abc import Iterator

import pytest
from singer_sdk.singerlib.encoding.simple import StateMessage

from tap_mixmax.exits import TERMINATING_SIGNALS, Interrupted, handle_stops, on_signal
from tap_mixmax.writer import StateFlushingWriter


class Page:
    """Something a weakref can point at."""


@pytest.fixture
def own_handlers() -> Iterator[None]:
    saved = {number: signal.getsignal(number) for number in TERMINATING_SIGNALS}
    handle_stops(on_signal(None))
    try:
        yield
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)


def send_sigterm_inside_the_callback(_ref: object) -> None:
    signal.raise_signal(signal.SIGTERM)
    # Bytecode after the signal: its handler runs here, inside the callback.
    sum(range(10))


@pytest.mark.usefixtures("own_handlers")
def test_a_signal_handled_inside_a_weakref_callback_still_stops_the_run(
    capsys: pytest.CaptureFixture[str],
):
    writer = StateFlushingWriter()
    page = Page()
    ref = weakref.ref(page, send_sigterm_inside_the_callback)
    del page
    # The run went on; its next message is not written: the stop is raised there.
    with pytest.raises(Interrupted) as stopped:
        writer.write_message(StateMessage(value={}))
    assert stopped.value.signum == signal.SIGTERM
    assert ref() is None
    captured = capsys.readouterr()
    assert not captured.out
    assert "Exception ignored" not in captured.err
    # Raised once: the STATE the stop then writes goes out.
    writer.write_message(StateMessage(value={}))
    writer.flush()
    assert capsys.readouterr().out.startswith('{"type":"STATE"')
