"""Loads the suites' plugin (options and fixtures), whether pytest starts here or at the repo root."""

pytest_plugins = ("contract_tests.plugin",)
