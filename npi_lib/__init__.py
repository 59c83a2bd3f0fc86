"""npi_lib: the shared library of the course "From stack machines to recursive Neural
Programmer-Interpreters".

Importing `npi_lib` is cheap: torch is imported only by the modules that build or run a model
(`npi_lib.model`, `npi_lib.training`, `npi_lib.interpreter`), so the command-line tools for Forth, RPN
and traces start fast.
"""

__version__ = "0.1.0"
