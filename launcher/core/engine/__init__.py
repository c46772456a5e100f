"""Finding and talking to the Docker engine."""
