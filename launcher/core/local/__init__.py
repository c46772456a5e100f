"""This computer's side: folders, settings, tokens, the log file, login entry, purge."""
