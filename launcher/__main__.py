"""Entry point: the window by default, the command line when given a sub-command."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args:
        from launcher.cli.main import run_cli

        return run_cli(args)
    # First, before Qt's import hook sees the window's modules (pyside_sources.py).
    from launcher.ui.pyside_sources import stop_reading_module_sources

    stop_reading_module_sources()
    from launcher.ui.app import run_gui

    return run_gui()


if __name__ == "__main__":
    sys.exit(main())
