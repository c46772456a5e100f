"""The window's passive views."""
