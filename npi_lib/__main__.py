"""`python -m npi_lib COMMAND ...`: see `npi_lib.cli`."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
