"""Entry point: the window by default, the command line when given a sub-command.

``course-launcher --catalogue FILE`` (global options, no sub-command) opens the
window with that catalogue, as the command line would use it.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    catalogues: tuple[str, ...] = ()
    engine: str | None = None
    if args:
        from launcher.cli.main import run_cli, window_options

        options = window_options(args)
        if options is None:
            return run_cli(args)
        catalogues, engine = options.catalogues, options.engine
    # First, before Qt's import hook sees the window's modules (pyside_sources.py).
    from launcher.ui.pyside_sources import stop_reading_module_sources

    stop_reading_module_sources()
    from launcher.ui.app import run_gui

    return run_gui(catalogues=catalogues, engine=engine)


if __name__ == "__main__":
    sys.exit(main())
