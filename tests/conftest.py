"""Settings shared by every test module.

Hypothesis draws the same examples on every run and every machine (profile "deterministic", the default),
so a failure in CI reproduces locally with plain `make test`. To search wider while developing:

    HYPOTHESIS_PROFILE=explore .venv/bin/python -m pytest tests
"""

import os

from hypothesis import settings

settings.register_profile(
    "deterministic",
    derandomize=True,  # examples follow from the test's code, not from a random seed
    database=None,     # nor from failures remembered in .hypothesis/ on this machine
    deadline=None,     # a slow shared CI machine is not a failure
)
settings.register_profile("explore", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))
