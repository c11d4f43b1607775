"""Contract suites: tell any implementation of the interactions API where it breaks the contract.

They check shape (Schemathesis over ``specs/openapi.json``) and meaning (list answers compared
with an independent reference evaluator). Run them with ``pytest contract_tests``; see
``contract_tests/options.py`` for the options. Nothing here imports ``mockserver`` except
``contract_tests/embedded.py``, which starts the mock when no ``--base-url`` is given.
"""
