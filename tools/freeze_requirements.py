"""Rewrite requirements.txt from what is installed in the virtualenv: `make freeze`.

Keeps the comment header of the current file, leaves out npi_lib itself (installed editable, not from a
pin), and drops local version labels, so torch 2.13.0+cpu is pinned as `torch==2.13.0`: that pin accepts
the CPU wheel and the default PyPI wheel alike.

    .venv/bin/python tools/freeze_requirements.py            # rewrite requirements.txt
    .venv/bin/python tools/freeze_requirements.py --check    # exit 1 if it would change
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

REQUIREMENTS = Path(__file__).resolve().parents[1] / "requirements.txt"
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^+\s]+)(?:\+\S+)?$")


def frozen_pins(python: str = sys.executable) -> list[str]:
    """`name==version` for every installed distribution except pip and editable ones, in pip's order."""
    out = subprocess.run(
        # --all: setuptools too (torch needs it at run time); pip itself is the installer, not a pin.
        [python, "-m", "pip", "freeze", "--all", "--exclude", "pip", "--exclude-editable"],
        check=True, capture_output=True, text=True,
    ).stdout
    pins = []
    for line in out.splitlines():
        match = PIN.match(line.strip())
        if match is None:
            # A URL or path requirement cannot be reproduced on another machine: install from an index.
            sys.exit(f"freeze_requirements: {line!r} is not a `name==version` pin; reinstall it from PyPI")
        pins.append(f"{match['name']}=={match['version']}")
    return pins


def header(text: str) -> list[str]:
    """The leading comment block (and blank lines) of a requirements file."""
    lines = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            break
        lines.append(line)
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report whether requirements.txt is current")
    args = parser.parse_args()

    old = REQUIREMENTS.read_text() if REQUIREMENTS.exists() else ""
    new = "\n".join(header(old) + frozen_pins()) + "\n"
    if args.check:
        if new != old:
            print("requirements.txt differs from the installed packages; run `make freeze`")
            return 1
        print("requirements.txt matches the installed packages")
        return 0
    REQUIREMENTS.write_text(new)
    print(f"wrote {REQUIREMENTS.name}: {len(new.splitlines()) - len(header(old))} pins")
    return 0


if __name__ == "__main__":
    sys.exit(main())
