"""``course-launcher --catalogue FILE`` with no command: the window opens with that
catalogue's courses, as a command given the same option would list them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COURSE = """
schema = 1

[[course]]
id = "window-option-course"
code = "WIN1"
presentation = "24J"
title = "A course named when the window was opened"
image = "registry.invalid/win/course:1"
workspace = "/home/ou/WIN1-24J"
[[course.services]]
name = "Jupyter"
port = 8888
path = "/tree"
"""
# Opens the window as the entry point does, then says which courses it lists and quits.
PROBE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from launcher.__main__ import main
from launcher.ui.app import create_application

app = create_application()

def look() -> None:
    from launcher.ui.main_window import MainWindow
    from launcher.ui.widgets.course_list import ID_ROLE
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, MainWindow) and widget.isVisible():
            listed = widget.courses.list
            ids = [listed.item(row).data(ID_ROLE) for row in range(listed.count())]
            print("LISTED", *ids, flush=True)
            widget.close()
            app.exit(0)

timer = QTimer()
timer.timeout.connect(look)
timer.start(100)
sys.exit(main(sys.argv[1:]))
"""


def test_global_options_alone_open_the_window_with_that_catalogue(
    launcher_home: Path, tmp_path: Path
) -> None:
    catalogue = tmp_path / "named.toml"
    catalogue.write_text(COURSE, encoding="utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-c", PROBE, "--catalogue", str(catalogue)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    listed = [line for line in result.stdout.splitlines() if line.startswith("LISTED ")]
    assert listed, result.stderr
    ids = listed[0].split()[1:]
    assert "window-option-course" in ids  # the named catalogue's course
    assert "tm351-24j" in ids  # and the bundled ones, as on the command line
    assert result.returncode == 0, result.stderr
