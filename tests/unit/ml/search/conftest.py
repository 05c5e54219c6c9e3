"""Search tests: tiny synthetic data, 1-2 epochs, a few trials; studies under a private BOUNTY_HOME."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# The ``home`` fixture (a private BOUNTY_HOME) comes from tests/conftest.py.
