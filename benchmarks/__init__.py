"""Figures, not tests: how Course Launcher compares with doing the same by hand."""
