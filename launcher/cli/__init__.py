"""The command line: the same operations as the window, for tutors and scripts."""
