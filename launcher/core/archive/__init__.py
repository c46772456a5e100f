"""Take-away files: export a course's environment to one file, import it."""
