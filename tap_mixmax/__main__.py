"""Run the tap (``python -m tap_mixmax``, and the ``tap-mixmax`` command).

The package's ``__init__`` has already installed the handlers that end a run stopped
while starting with one line and the signal's exit code; ``main`` installs them again
for a caller that imported the package some other way, before the tap's heavy imports.
"""

from tap_mixmax import install_early_handlers


def main() -> None:
    """Start the tap's command, every stop handled from the first moment."""
    install_early_handlers()
    from tap_mixmax.tap import TapMixmax  # noqa: PLC0415 - after the handlers, on purpose

    TapMixmax.cli()


if __name__ == "__main__":
    main()
