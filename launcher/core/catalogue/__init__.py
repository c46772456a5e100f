"""Which courses exist and where they come from."""
