"""Tests of binder/ against the rules repo2docker (what Binder builds with) follows, and of
tools/binder_link.py, which points the README's Binder badge at wherever the repository lives.

repo2docker's rules, as its source has them (repo2docker/buildpacks/base.py, conda/, python/, docker.py):
- configuration lives in `binder/` or `.binder/`, never both (it refuses to build); when such a folder
  exists, every configuration file is looked for there only, and the root's setup.py or pyproject.toml is
  not installed (`_is_python_package` is false), which is why binder/postBuild installs npi_lib;
- the build packs are tried in order, a Dockerfile first: a `binder/Dockerfile` would replace everything
  else; `environment.yml` selects the conda build pack;
- `postBuild` runs once, from the repository root, after the repository is copied in.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import binder_link  # noqa: E402

# every file repo2docker reads from a binder folder, and the two this course uses
REPO2DOCKER_FILES = {
    "environment.yml", "environment.yaml", "requirements.txt", "requirements3.txt", "Pipfile", "Pipfile.lock",
    "apt.txt", "postBuild", "start", "runtime.txt", "install.R", "DESCRIPTION", "Project.toml", "REQUIRE",
    "default.nix", "Dockerfile", "setup.py",
}  # fmt: skip
USED = {"environment.yml", "postBuild"}


def test_one_binder_folder_holding_only_what_the_course_means_repo2docker_to_read():
    assert (ROOT / "binder").is_dir() and not (ROOT / ".binder").exists(), "repo2docker refuses binder/ and .binder/ together"
    present = {p.name for p in (ROOT / "binder").iterdir()}
    assert present == USED, f"binder/ holds {sorted(present)}; repo2docker would read {sorted(present & REPO2DOCKER_FILES)}"
    assert not present & {"Dockerfile", "environment.yaml"}  # a Dockerfile would override; two environments clash


def test_postbuild_is_an_executable_script_that_stops_on_the_first_error():
    post = ROOT / "binder" / "postBuild"
    text = post.read_text()
    assert text.startswith("#!/bin/bash\n") and "set -euo pipefail" in text
    assert os.access(post, os.X_OK), "chmod +x binder/postBuild (and commit the mode)"
    staged = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-s", "binder/postBuild"], capture_output=True, text=True)
    if staged.returncode == 0 and staged.stdout:  # in a git checkout: the mode git stores is what Binder clones
        assert staged.stdout.startswith("100755"), "git stores binder/postBuild without its executable bit"


def environment_packages(path: Path) -> tuple[list[str], list[str]]:
    """(conda package specs, pip lines) of an environment file."""
    spec = yaml.safe_load(path.read_text())
    conda = [d for d in spec["dependencies"] if isinstance(d, str)]
    pip = [line for d in spec["dependencies"] if isinstance(d, dict) for line in d.get("pip", [])]
    return conda, pip


def test_binder_installs_the_same_packages_as_the_root_environment():
    conda, pip = environment_packages(ROOT / "binder" / "environment.yml")
    root_conda, root_pip = environment_packages(ROOT / "environment.yml")
    assert conda == root_conda
    # the root file installs npi_lib from the local path; Binder installs it in postBuild instead
    assert pip == [line for line in root_pip if not line.startswith("-e")]


# ---------------------------------------------------------------------------------------------- the link
@pytest.mark.parametrize(
    "remote, path",
    [
        ("https://github.com/ada/npi-course", "gh/ada/npi-course"),
        ("https://github.com/ada/npi-course.git", "gh/ada/npi-course"),
        ("git@github.com:ada/npi.course.git", "gh/ada/npi.course"),
        ("ssh://git@github.com/ada/npi-course.git", "gh/ada/npi-course"),
        ("https://gitlab.com/ada/npi-course.git", "git/https%3A%2F%2Fgitlab.com%2Fada%2Fnpi-course.git"),
    ],
)
def test_the_link_follows_the_remote(remote, path):
    assert binder_link.link_for(remote) == f"https://mybinder.org/v2/{path}/HEAD{binder_link.OPEN}"


@pytest.mark.parametrize("remote", ["/home/ada/npi-course", "git@example.org:ada/npi-course.git", ""])
def test_a_remote_binder_cannot_clone_is_refused_with_a_reason(remote):
    with pytest.raises(binder_link.LinkError, match="not a public URL Binder can clone"):
        binder_link.link_for(remote)


def test_the_readme_has_one_badge_and_writing_a_link_changes_only_it():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    link = binder_link.link_for("https://github.com/ada/npi-course")
    written = binder_link.with_link(readme, link)
    assert f"](https://mybinder.org/badge_logo.svg)]({link})" in written
    assert written.replace(link, "X") == binder_link.BADGE.sub(lambda m: m[1] + "X" + m[3], readme)
    assert binder_link.with_link(written, link) == written  # writing twice changes nothing
    with pytest.raises(binder_link.LinkError, match="one Binder badge"):
        binder_link.with_link("no badge here", link)


def test_the_command_writes_the_badge_and_says_when_there_is_no_remote(tmp_path, monkeypatch, capsys):
    readme = tmp_path / "README.md"
    readme.write_text("# x\n[![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/OWNER/REPO/HEAD)\n")
    monkeypatch.setattr(binder_link, "README", readme)
    assert binder_link.main(["--remote", "git@github.com:ada/npi-course.git", "--write"]) == 0
    assert "v2/gh/ada/npi-course/HEAD" in readme.read_text() and "OWNER" not in readme.read_text()
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    with pytest.raises(binder_link.LinkError, match="no remote called origin"):
        binder_link.origin(tmp_path)
    real_origin = binder_link.origin
    monkeypatch.setattr(binder_link, "origin", lambda: real_origin(tmp_path))
    assert binder_link.main([]) == 1
    assert "no remote called origin" in capsys.readouterr().err
