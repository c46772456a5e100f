"""dmgbuild settings: Course Launcher.app in a disk image with a link to Applications.

    dmgbuild -s installers/macos/dmg_settings.py -D app="dist/Course Launcher.app" \\
        "Course Launcher" dist/course-launcher-VERSION.dmg

dmgbuild runs this file with ``defines`` (the -D values) in its namespace; ``app``
is the path of the .app that PyInstaller made from build.spec. The .app must be
signed before it goes in, and the .dmg notarized after: installers/README.md.
"""

from pathlib import Path

application = defines.get("app", "dist/Course Launcher.app")  # noqa: F821 - given by dmgbuild
appname = Path(application).name

format = "UDZO"  # compressed, read-only
filesystem = "HFS+"
size = None  # worked out from the contents
files = [application]
symlinks = {"Applications": "/Applications"}
icon_locations = {appname: (140, 120), "Applications": (500, 120)}
window_rect = ((200, 120), (640, 300))
default_view = "icon-view"
show_icon_preview = False
show_status_bar = False
show_tab_view = False
show_toolbar = False
show_pathbar = False
show_sidebar = False
icon_size = 96
text_size = 13
arrange_by = None
