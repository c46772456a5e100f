"""Courses on another computer: a Docker engine and services reached over SSH."""
