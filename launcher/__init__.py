"""Course Launcher: a course's computing environment, started with a double-click."""

__version__ = "0.1.0"
APP_NAME = "Course Launcher"
