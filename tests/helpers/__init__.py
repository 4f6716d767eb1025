"""Shared test helpers: fixtures, builders and fault injectors the suites import as ``helpers.<module>``."""
