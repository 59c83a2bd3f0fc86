"""Settings shared by every test module.

Hypothesis draws the same examples on every run and every machine (profile "deterministic", the default),
so a failure in CI reproduces locally with plain `make test`. To search wider while developing:

    HYPOTHESIS_PROFILE=explore .venv/bin/python -m pytest tests
"""

import os

import pytest
from hypothesis import settings

settings.register_profile(
    "deterministic",
    derandomize=True,  # examples follow from the test's code, not from a random seed
    database=None,     # nor from failures remembered in .hypothesis/ on this machine
    deadline=None,     # a slow shared CI machine is not a failure
)
settings.register_profile("explore", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))


@pytest.fixture
def oracle():
    """Lesson 03's stand-in for a network, as a factory: `oracle(trace, task)` is a step function that
    answers from the reference trace by lookup, its state being the frame's observations so far."""

    def make(trace, task):
        from npi_lib.trace import frames

        table = {}
        for frame in frames(trace):
            for i, s in enumerate(frame.steps):
                history = tuple(x.obs for x in frame.steps[: i + 1])
                table[frame.program, frame.args, history] = (s.ret, task.program_id(s.next_program), s.next_args)

        def step(obs, args, prog, state):
            history = (state or ()) + (obs,)
            return table[task.programs[prog], args, history], history

        return step

    return make
