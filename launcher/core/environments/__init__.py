"""One container per course: start, stop, status, reset, backups, logs."""
