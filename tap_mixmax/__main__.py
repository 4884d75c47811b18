"""Run the tap with ``python -m tap_mixmax``."""

from tap_mixmax.tap import TapMixmax

TapMixmax.cli()
