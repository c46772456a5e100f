"""Qt-free domain of the launcher: everything the GUI and the CLI share."""
