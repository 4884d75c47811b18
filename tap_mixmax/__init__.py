"""tap-mixmax: a Singer tap for the Mixmax REST API, with a bundled API simulator.

``__version__`` is looked up when first asked for, so that starting the tap runs as
little as possible before its signal handlers are in place (see ``__main__``).
"""

from __future__ import annotations


def __getattr__(name: str) -> str:
    if name != "__version__":
        msg = f"module 'tap_mixmax' has no attribute {name!r}"
        raise AttributeError(msg)
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    try:
        return version("tap-mixmax")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0"
