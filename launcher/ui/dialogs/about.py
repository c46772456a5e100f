"""About: the versions a tutor asks for first."""

from __future__ import annotations

import platform

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

from launcher import APP_NAME, __version__
from launcher.core.launcher import Launcher


def versions(launcher: Launcher) -> list[str]:
    from importlib.metadata import version

    engine = launcher.connected_engine
    lines = [
        f"{APP_NAME} {__version__}",
        f"Python {platform.python_version()}, Qt {qVersion()}, PySide6 {PySide6.__version__}",
        f"Docker SDK for Python {version('docker')}",
        f"Operating system: {platform.platform()}",
    ]
    if engine is not None:
        lines.append(
            f"Docker engine {engine.info.engine_version} (API {engine.info.api_version}), "
            f"{engine.info.architecture}, found by {engine.found_by}"
        )
    else:
        lines.append("Docker engine: not connected")
    lines.append(f"Log file: {launcher.paths.log_file}")
    return lines


def show_about(parent: QWidget, launcher: Launcher) -> None:
    box = QMessageBox(parent)
    box.setWindowTitle(f"About {APP_NAME}")
    box.setText(f"<b>{APP_NAME}</b><br>Your course's computing environment, started for you.")
    box.setInformativeText("\n".join(versions(launcher)))
    box.open()
