"""Where the streams' JSON schemas live.

The repository keeps them in ``schemas/`` at its root; the wheel ships the same files as
``tap_mixmax/schemas`` so an installed tap finds them without the repository.
"""

from __future__ import annotations

import importlib.resources
from importlib.resources.abc import Traversable
from pathlib import Path


def schema_dir() -> Traversable:
    """The folder holding one ``<stream>.json`` per stream."""
    packaged = importlib.resources.files("tap_mixmax") / "schemas"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "schemas"
