"""The Binder link of this repository, from where its git remote says it lives.

    python tools/binder_link.py            # print the link (from `git remote get-url origin`)
    python tools/binder_link.py --write    # also put it into the README's badge
    python tools/binder_link.py --remote https://github.com/someone/npi-course --write

The README's badge cannot know where a copy of the course is published, so it starts out pointing at the
placeholder OWNER/REPO; `--write` replaces whatever link the badge holds. A GitHub remote gives a
mybinder.org link of the form /v2/gh/OWNER/REPO/HEAD; any other public git URL gives /v2/git/<the URL,
percent-encoded>/HEAD (mybinder.org builds from both). The link opens the course index in JupyterLab.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BINDER = "https://mybinder.org/v2"
OPEN = "?urlpath=lab/tree/notebooks/00_course_index.ipynb"
# the badge: [![Binder](badge image)](link)
BADGE = re.compile(r"(\[!\[Binder\]\(https://mybinder\.org/badge_logo\.svg\)\]\()([^)\s]*)(\))")
GITHUB = re.compile(r"^(?:https://github\.com/|git@github\.com:|ssh://git@github\.com/)([\w.-]+)/([\w.-]+?)(?:\.git)?/?$")


class LinkError(Exception):
    """No link can be made: no remote, or a remote Binder cannot reach."""


def link_for(remote: str) -> str:
    """The Binder link for a git remote URL.

        >>> link_for("git@github.com:ada/npi-course.git")
        'https://mybinder.org/v2/gh/ada/npi-course/HEAD?urlpath=lab/tree/notebooks/00_course_index.ipynb'
    """
    remote = remote.strip()
    found = GITHUB.match(remote)
    if found:
        return f"{BINDER}/gh/{found[1]}/{found[2]}/HEAD{OPEN}"
    if remote.startswith(("https://", "http://")):
        return f"{BINDER}/git/{quote(remote, safe='')}/HEAD{OPEN}"
    raise LinkError(
        f"the remote {remote!r} is not a public URL Binder can clone (a local path or an SSH address other than "
        "GitHub's); give one with --remote https://..."
    )


def origin(repo: Path = ROOT) -> str:
    """The URL of the `origin` remote of the git repository at `repo`."""
    try:
        done = subprocess.run(["git", "-C", str(repo), "remote", "get-url", "origin"], capture_output=True, text=True)
    except FileNotFoundError:
        raise LinkError("git is not installed: give the remote with --remote URL") from None
    if done.returncode != 0:
        raise LinkError(
            "this clone has no remote called origin (`git remote add origin URL` adds one), or give the URL "
            "with --remote URL"
        )
    return done.stdout.strip()


def with_link(readme: str, link: str) -> str:
    """The README text with its Binder badge pointing at `link`."""
    new, count = BADGE.subn(lambda m: m[1] + link + m[3], readme)
    if count != 1:
        raise LinkError(f"the README should hold one Binder badge, [![Binder](...badge_logo.svg)](LINK); found {count}")
    return new


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--remote", help="the repository's public URL (default: git remote get-url origin)")
    parser.add_argument("--write", action="store_true", help="put the link into the README's badge")
    args = parser.parse_args(argv)
    try:
        link = link_for(args.remote if args.remote else origin())
        if args.write:
            README.write_text(with_link(README.read_text(encoding="utf-8"), link), encoding="utf-8")
    except LinkError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(link)
    return 0


if __name__ == "__main__":
    sys.exit(main())
