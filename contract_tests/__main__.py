"""``python -m contract_tests``: the same command as ``contract-tests`` (see ``contract_tests/cli.py``)."""

import sys

from contract_tests.cli import main

if __name__ == "__main__":
    sys.exit(main())
