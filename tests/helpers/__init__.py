"""What tests share besides fixtures: plain functions, classes and constants.

A test imports these from here, never from a ``conftest.py`` (those only declare
fixtures) nor from another test module. Fixtures that more than one folder of tests
uses are declared in :mod:`tests.helpers.fixtures`, which the root conftest loads.
"""
