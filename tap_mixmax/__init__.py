"""tap-mixmax: a Singer tap for the Mixmax REST API, with a bundled API simulator."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tap-mixmax")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
