"""The four dependency lists name the same packages.

pyproject.toml declares npi_lib's direct dependencies (loose ranges, plus the lab/test/bench extras);
requirements.txt pins the whole environment that `make lab` and CI install; environment.yml (conda users)
and binder/environment.yml (Binder) list the same direct dependencies as conda-forge packages.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]

# conda-forge name -> PyPI name, where they differ
CONDA_TO_PYPI = {"pytorch-cpu": "torch", "matplotlib-base": "matplotlib"}
CONDA_ONLY = {"python", "pip"}
TORCH = Version("2.13.0")


def normalize(name: str) -> str:
    """A package name as PEP 503 compares them.

    >>> normalize("PyYAML"), normalize("jupyter_server"), normalize("ruamel.yaml")
    ('pyyaml', 'jupyter-server', 'ruamel-yaml')
    """
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(pyproject: str) -> dict[str, Requirement]:
    """The direct dependencies of pyproject.toml, extras included, by normalized name."""
    project = tomllib.loads(pyproject)["project"]
    lines = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        lines += extra
    return {normalize(r.name): r for r in map(Requirement, lines)}


def pinned(requirements: str) -> tuple[dict[str, str], list[str]]:
    """The `name==version` pins of a requirements file, and every line that is not one."""
    pins, problems = {}, []
    for number, raw in enumerate(requirements.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][0-9A-Za-z.!+-]*)", line)
        if match is None:
            problems.append(f"line {number}: {raw.strip()!r} is not an exact `name==version` pin")
        else:
            pins[normalize(match[1])] = match[2]
    return pins, problems


def conda_packages(environment: str) -> tuple[dict[str, str], list[str]]:
    """The conda packages of an environment file, by PyPI name, with their version ('' if none),
    and the lines of its pip section."""
    packages, pip = {}, []
    for dep in yaml.safe_load(environment)["dependencies"]:
        if isinstance(dep, dict):
            for line in dep.get("pip", []):
                exact = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][0-9A-Za-z.!+-]*)", line.strip())
                if exact:  # a package pip installs, such as the torch wheel of PyTorch's CPU index
                    packages[normalize(exact[1])] = exact[2]
                else:
                    pip.append(line)
            continue
        name, version = re.fullmatch(r"([A-Za-z0-9._-]+)\s*=?=?\s*(.*)", dep).groups()
        if name not in CONDA_ONLY:
            packages[normalize(CONDA_TO_PYPI.get(name, name))] = version
    return packages, pip


def set_differences(reference: set[str], other: set[str], label: str) -> list[str]:
    """What `label` lacks from, or adds to, the reference set of names."""
    out = []
    if missing := sorted(reference - other):
        out.append(f"{label} lacks {', '.join(missing)}")
    if extra := sorted(other - reference):
        out.append(f"{label} has {', '.join(extra)}, which pyproject.toml does not declare")
    return out


def version_differences(conda: dict[str, str], pins: dict[str, str], label: str) -> list[str]:
    """Conda versions that are not `X.Y`, the major.minor of the pinned version."""
    out = []
    for name, version in sorted(conda.items()):
        pin = pins.get(name)
        if pin is None:
            continue
        if not re.fullmatch(r"\d+\.\d+(\.\d+(\+[a-z0-9]+)?)?", version) or Version(pin).release[:2] != Version(version).release[:2]:
            out.append(f"{label} has {name}={version or '(any)'}, requirements.txt pins {pin}")
    return out


def read(name: str) -> str:
    return (ROOT / name).read_text()


ENVIRONMENTS = ["environment.yml", "binder/environment.yml"]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_conda_environment_lists_the_declared_packages(environment):
    names = set(declared(read("pyproject.toml")))
    conda, _ = conda_packages(read(environment))
    assert set_differences(names, set(conda), environment) == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_conda_versions_are_the_pinned_major_minor(environment):
    pins, _ = pinned(read("requirements.txt"))
    conda, _ = conda_packages(read(environment))
    problems = version_differences(conda, pins, environment)
    assert problems == [], "\n".join(problems) + "\nUpdate the environment files after `make freeze`."


def test_requirements_pin_every_declared_package():
    pins, _ = pinned(read("requirements.txt"))
    missing = sorted(set(declared(read("pyproject.toml"))) - set(pins))
    assert missing == [], f"requirements.txt does not pin {', '.join(missing)}"


def test_every_requirement_line_is_an_exact_pin():
    _, problems = pinned(read("requirements.txt"))
    assert problems == [], "\n".join(problems)


def test_requirements_pin_torch_2_13_0_without_a_local_label():
    pins, _ = pinned(read("requirements.txt"))
    assert pins.get("torch") == "2.13.0"


def test_pins_satisfy_the_ranges_of_pyproject():
    pins, _ = pinned(read("requirements.txt"))
    unsatisfied = [
        f"{name}=={pins[name]} is outside {req.specifier}"
        for name, req in declared(read("pyproject.toml")).items()
        if name in pins and not req.specifier.contains(pins[name], prereleases=True)
    ]
    assert unsatisfied == []


def test_npi_lib_itself_is_not_pinned():
    pins, _ = pinned(read("requirements.txt"))
    assert "npi-lib" not in pins, "npi_lib is installed editable (`pip install --no-deps -e .`), not pinned"


def test_binder_installs_npi_lib_in_postbuild_not_from_a_local_path():
    _, pip = conda_packages(read("binder/environment.yml"))
    assert not any(line.startswith(("-e", ".")) for line in pip), "a local path in binder/environment.yml defeats repo2docker's build cache"
    assert "pip install --no-deps -e ." in read("binder/postBuild")


def test_conda_users_get_npi_lib_editable():
    _, pip = conda_packages(read("environment.yml"))
    assert pip[-1] == "-e ."


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_conda_environments_get_the_exact_torch_build_of_the_stored_outputs(environment):
    """The lessons' stored numbers come from the 2.13.0+cpu wheel; conda-forge's pytorch is another build."""
    conda, pip = conda_packages(read(environment))
    assert conda.get("torch") == "2.13.0+cpu"
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in pip
    assert not re.search(r"^\s*- pytorch", read(environment), re.M), "no conda-forge pytorch beside the wheel"


# -- the checks can fail ---------------------------------------------------------------------------------

PYPROJECT = """
[project]
dependencies = ["torch>=2.2,<3", "numpy>=1.26"]
[project.optional-dependencies]
test = ["PyYAML>=6"]
"""


def test_a_package_missing_from_a_conda_file_is_reported():
    conda, _ = conda_packages("dependencies: [python=3.11, pytorch-cpu=2.13, pyyaml=6.0, pip]")
    assert set_differences(set(declared(PYPROJECT)), set(conda), "env.yml") == ["env.yml lacks numpy"]


def test_an_undeclared_conda_package_is_reported():
    conda, _ = conda_packages("dependencies: [pytorch-cpu, numpy, pyyaml, scipy]")
    assert set_differences(set(declared(PYPROJECT)), set(conda), "env.yml") == [
        "env.yml has scipy, which pyproject.toml does not declare"
    ]


def test_unpinned_and_loose_requirement_lines_are_reported():
    pins, problems = pinned("# header\nnumpy==2.4.6\ntorch>=2.13\npyyaml\n-e .\n")
    assert pins == {"numpy": "2.4.6"}
    assert [p.split(":")[0] for p in problems] == ["line 3", "line 4", "line 5"]


def test_a_local_label_on_torch_fails_the_torch_pin():
    pins, _ = pinned("torch==2.13.0+cpu\n")
    assert pins["torch"] != "2.13.0"


def test_a_conda_version_that_drifted_from_the_pin_is_reported():
    conda, _ = conda_packages("dependencies: [numpy=2.3, pytorch-cpu=2.13]")
    assert version_differences(conda, {"numpy": "2.4.6", "torch": "2.13.0"}, "env.yml") == [
        "env.yml has numpy=2.3, requirements.txt pins 2.4.6"
    ]
