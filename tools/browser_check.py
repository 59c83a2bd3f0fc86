"""Open lessons in JupyterLab in a real (headless) browser, run all their cells, and click through the
course's widgets there: what `make browser-test` runs, for every lesson, and what CI runs after `make test`.

What nbval cannot see: whether the widgets render and answer clicks in a browser (the JavaScript side, the
kernel round trip), and whether a lesson runs to the end from JupyterLab's own Run All. For each notebook:

1. Run → Run All Cells, then wait (up to --timeout seconds) until every code cell has its execution count
   (or Run All stopped at an error, or the kernel died).
2. Save the notebook and read it back from the server: JupyterLab renders an error output and a stderr
   stream alike (both with the stderr mime type), the saved file tells them apart. Fail on an error output
   in any cell (an exception the cell raised: ename and traceback), on a stderr stream that holds a Python
   traceback (an exception caught and printed), on a code cell that did not run, and on "Error displaying
   widget" in the page. Any other stderr (tqdm's progress bars, warnings) is legitimate: it is listed, not
   failed. So are JavaScript errors in the page (browsers report benign ones too); a widget whose
   JavaScript fails does not answer its clicks, which fails below.
3. Find which kinds of widget the lesson's code makes (by scanning its code cells for the constructors of
   `npi_lib.widgets`: steppers, trace viewers, compare viewers, playgrounds); each of those kinds must be
   rendered, and every widget rendered is clicked through:
   - stepper: ▶ a few times (step number, slider and view follow one step at a time), then ⏮ (back to the
     first view);
   - trace viewer: ▶ twice (the details follow), collapse all / expand all;
   - compare viewer: its summary line, ◀ or ▶ (both traces follow), "go to the first difference";
   - playground: a problem typed in key by key (two addends for addition, else the task's example as
     JSON) and ▶ run (answer correct, a compare viewer of both traces); and bad input typed in (a
     malformed addend, broken JSON) and ▶ run, whose error message is checked.
   A lesson without widgets gets only the Run All check.
4. Screenshots: OUT/NN_slug.png (the lesson after Run All, scrolled to its first error, else its first
   widget, else its last code cell) and OUT/NN_slug/*.png (each widget as it is clicked), for a person to
   look at.

One JupyterLab server (from the course's virtualenv, `--jupyter`) serves every notebook: token-less, on
127.0.0.1, a free port unless --port is given, with throw-away settings (cells always attached to the page,
no news fetching) and working on copies in OUT/notebooks/ (JupyterLab autosaves, and the lessons' stored
outputs must stay as they are). Each notebook opens in a fresh page with a fresh workspace; its kernel is
shut down before the next one starts. The server stops at the end.

Needs Chromium (Debian's package) and Playwright, kept outside the course's virtualenv. `make
browser-test` installs Playwright into build/pwvenv and says how to install Chromium if there is none
(.ci/run installs it when it runs as root). By hand:

    apt-get update && apt-get install -y chromium
    python3 -m venv build/pwvenv && build/pwvenv/bin/pip install -r tools/browser-requirements.txt
    build/pwvenv/bin/python tools/browser_check.py notebooks/01_stack_machines.ipynb [more notebooks...]

Playwright drives the Chromium given by --chromium (never a browser of its own). Prints a table (notebook,
seconds, widgets checked, result), also written to OUT/summary.txt; exit status 0 when every check of
every notebook passed, 1 otherwise (each failure printed with its notebook), 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import tokenize
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-dev-shm-usage",  # containers often have a small /dev/shm
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STEP = re.compile(r"step (\d+) of (\d+)")
START = re.compile(r"start: .*, (\d+) steps")
TRACEBACK = "Traceback (most recent call last)"
# a kernel in one of these states will not finish the Run All
DEAD = {"dead", "autorestarting", "restarting", "terminating", "disconnected"}


class CheckFailed(Exception):
    """A check that cannot go on (Run All never finished, the kernel died): the notebook fails with this."""


# ---------------------------------------------------------------------------------------------- what to check
@dataclass(frozen=True)
class Kind:
    """A kind of widget of `npi_lib.widgets`: its name, the CSS class its box carries (`add_class`), and
    the names that make one in a lesson's code (classes and factory functions)."""

    name: str
    plural: str
    selector: str
    makers: tuple[str, ...]

    @property
    def pattern(self) -> re.Pattern:
        return re.compile(r"\b(" + "|".join(map(re.escape, self.makers)) + r")\s*\(")


KINDS = (
    Kind("stepper", "steppers", ".npi-stepper", ("Stepper", "stepper", "forth_stepper", "rpn_stepper")),
    Kind("trace viewer", "trace viewers", ".npi-trace-viewer", ("TraceViewer",)),
    Kind("compare viewer", "compare viewers", ".npi-compare-viewer", ("CompareViewer",)),
    Kind("playground", "playgrounds", ".npi-playground", ("Playground", "BoxesPlayground", "playground")),
)


def code_words(source: str) -> str:
    """The names and operators of a code cell, space-separated: no comments and no string contents, so
    that a constructor named in a comment or in a printed hint does not count. IPython syntax lines
    (`%magic`, `!cmd`) are dropped first; if the rest still does not tokenize, only whole comment lines
    are dropped (strings then stay)."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    return " ".join(t.string for t in tokens if t.type in (tokenize.NAME, tokenize.OP))


def widget_kinds(notebook: dict) -> list[Kind]:
    """The kinds of widget a notebook's code cells make, in the order of KINDS."""
    code = "\n".join(
        code_words(_source(cell)) for cell in notebook.get("cells", []) if cell.get("cell_type") == "code"
    )
    return [kind for kind in KINDS if kind.pattern.search(code)]


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def judge_outputs(notebook: dict) -> tuple[list[str], list[str]]:
    """Failures and notes from a notebook's outputs after Run All (the notebook as JupyterLab saved it).

    Fails: an error output (an exception a cell raised: ename, evalue, traceback); a stderr stream holding
    a Python traceback (an exception caught and printed, e.g. by a thread); a code cell that did not run
    (Run All stopped before it: an error, or a kernel that died). Notes only: any other stderr, such as
    tqdm's progress bars or a warning, which lessons may write legitimately."""
    failures, notes, not_run = [], [], []
    code = [cell for cell in notebook.get("cells", []) if cell.get("cell_type") == "code"]
    for number, cell in enumerate(code, 1):
        count = cell.get("execution_count")
        where = f"code cell {number}" + (f" [{count}]" if count is not None else "")
        if count is None and _source(cell).strip():  # JupyterLab does not send an empty cell to the kernel
            not_run.append(number)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                failures.append(f"{where} raised {output.get('ename', '?')}: {_clip(output.get('evalue', ''))}")
            elif output.get("output_type") == "stream" and output.get("name") == "stderr":
                text = _source({"source": output.get("text", "")})
                if TRACEBACK in text:
                    failures.append(f"{where} printed a traceback on stderr: {_last_line(text)}")
                else:
                    notes.append(f"{where} wrote to stderr: {_last_line(text)}")
    if not_run:
        shown = ", ".join(map(str, not_run[:5])) + (", ..." if len(not_run) > 5 else "")
        failures.append(f"{len(not_run)} of {len(code)} code cells did not run (code cell {shown})")
    return failures, notes


def _last_line(text: str) -> str:
    """The last non-empty line of an output (the exception of a traceback; a progress bar's last state)."""
    lines = [line.strip() for line in re.split(r"[\r\n]+", text) if line.strip()]
    return _clip(lines[-1] if lines else "(empty)")


def _clip(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------------------------------- results
@dataclass
class Result:
    notebook: str  # the file name
    seconds: float = 0.0
    checked: Counter = field(default_factory=Counter)  # kind name -> widgets clicked through
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def widgets_text(checked: Counter) -> str:
    """'3 steppers', '1 compare viewer, 1 playground', or 'none' (in the order of KINDS)."""
    parts = []
    for kind in KINDS:
        n = checked.get(kind.name, 0)
        if n:
            parts.append(f"{n} {kind.name if n == 1 else kind.plural}")
    return ", ".join(parts) or "none"


def summary_table(results: list[Result]) -> str:
    """A plain-text table: notebook, seconds, widgets checked, result; then a total line."""
    header = ("notebook", "seconds", "widgets checked", "result")
    rows = [
        (r.notebook, f"{r.seconds:.0f}", widgets_text(r.checked),
         "passed" if r.passed else f"FAILED ({len(r.failures)})")
        for r in results
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        cells = [row[0].ljust(widths[0]), row[1].rjust(widths[1]), row[2].ljust(widths[2]), row[3]]
        return "  ".join(cells).rstrip()

    failed = sum(not r.passed for r in results)
    total = sum(r.seconds for r in results)
    verdict = "all passed" if not failed else f"{failed} FAILED"
    return "\n".join(
        [line(header), line(tuple("-" * w for w in widths))] + [line(row) for row in rows]
        + [f"{len(results)} notebook(s), {total:.0f} s, {verdict}"]
    )


# ---------------------------------------------------------------------------------------------- arguments
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", type=Path, nargs="+", metavar="NOTEBOOK", help="one or more .ipynb files")
    parser.add_argument("--port", type=int, default=0, help="JupyterLab's port (default: a free one)")
    parser.add_argument("--clicks", type=int, default=4, help="how many times to click a stepper's ▶")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "browser", help="screenshots and logs")
    parser.add_argument("--jupyter", default=str(ROOT / ".venv" / "bin" / "jupyter"))
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="the Chromium (or Chrome) binary")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for one notebook's Run All")
    args = parser.parse_args(argv)
    names = Counter(nb.name for nb in args.notebooks)
    problems = [f"no notebook at {nb}" for nb in args.notebooks if not nb.is_file()]
    problems += [f"not a notebook (.ipynb): {nb}" for nb in args.notebooks if nb.suffix != ".ipynb"]
    problems += [f"{name} given {n} times (each notebook once, file names distinct)" for name, n in names.items() if n > 1]
    if args.clicks < 1:
        problems.append("--clicks must be at least 1")
    if problems:
        parser.error("; ".join(problems))
    return args


# ---------------------------------------------------------------------------------------------- the server
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    jupyter, chromium = shutil.which(args.jupyter), shutil.which(args.chromium)
    if jupyter is None:
        print(f"error: no jupyter at {args.jupyter}; create the course's virtualenv first (make venv)", file=sys.stderr)
        return 1
    if chromium is None:
        print(f"error: no Chromium at {args.chromium}. On Debian/Ubuntu: sudo apt-get install chromium; "
              "elsewhere pass --chromium /path/to/chromium-or-chrome", file=sys.stderr)
        return 1
    try:
        import playwright  # noqa: F401
    except ImportError:
        print(f"error: Playwright is not installed for {sys.executable}; "
              "pip install -r tools/browser-requirements.txt into a virtualenv of its own", file=sys.stderr)
        return 1
    args.chromium = chromium
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    # JupyterLab autosaves what Run All does, outputs cleared mid-run included: it works on copies, never on
    # the lessons themselves (whose stored outputs nbval checks)
    work = out / "notebooks"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    copies = [Path(shutil.copy2(nb, work / nb.name)) for nb in args.notebooks]
    for nb in copies:  # screenshots of an earlier run of these notebooks
        for old in [out / f"{nb.stem}.png", *out.glob(f"{nb.stem}_not_started_*.png")]:
            old.unlink(missing_ok=True)
        shutil.rmtree(out / nb.stem, ignore_errors=True)
    port = args.port or free_port()
    env = dict(os.environ, **lab_settings(out))
    log = open(out / "jupyter.log", "w")
    print(f"starting JupyterLab on 127.0.0.1:{port} for {len(copies)} notebook(s) (log: {out / 'jupyter.log'})")
    server = subprocess.Popen(
        [
            jupyter, "lab", "--no-browser", f"--port={port}", "--ServerApp.port_retries=0",
            "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=", "--ServerApp.password=",
            f"--ServerApp.root_dir={work}",
        ] + (["--allow-root"] if os.geteuid() == 0 else []),
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True,
    )
    try:
        wait_for_server(port, server, out / "jupyter.log")
        results = check_all(args, f"http://127.0.0.1:{port}", copies, out)
    except CheckFailed as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    finally:
        stop(server)
        log.close()

    table = summary_table(results)
    (out / "summary.txt").write_text(table + "\n")
    print("\n" + table)
    failed = [r for r in results if not r.passed]
    for r in failed:
        for failure in r.failures:
            print(f"FAIL {r.notebook}: {failure}")
    print(f"screenshots: {out}/NN_slug.png and {out}/NN_slug/")
    if failed:
        print(f"browser test FAILED: {len(failed)} of {len(results)} notebook(s): "
              + ", ".join(r.notebook for r in failed))
        return 1
    print(f"browser test passed: {len(results)} notebook(s)")
    return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(server: subprocess.Popen) -> None:
    """Stop the server and the kernels it started (its own process group, and nothing else)."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def lab_settings(out: Path) -> dict[str, str]:
    """Throw-away JupyterLab settings: every cell attached to the page (so Run All renders all outputs and
    the widgets can be found), no news or update checks (no network, no pop-ups), no restored workspace."""
    settings = out / "lab-settings"
    overrides = {
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "fetchNews": "false", "checkForUpdates": False,
        },
    }
    for name, value in overrides.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    workspaces = out / "lab-workspaces"
    shutil.rmtree(workspaces, ignore_errors=True)
    workspaces.mkdir()
    return {
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(workspaces),
        "JUPYTER_RUNTIME_DIR": str(out / "runtime"),  # connection files and cookie secret stay here too
    }


def wait_for_server(port: int, server: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if server.poll() is not None:
            raise CheckFailed(f"jupyter lab exited with status {server.returncode}; see {log}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise CheckFailed(f"jupyter lab did not answer on port {port} within {timeout:.0f} s; see {log}")


# ---------------------------------------------------------------------------------------------- the browser
def check_all(args: argparse.Namespace, base: str, notebooks: list[Path], out: Path) -> list[Result]:
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS, headless=True)
        print(f"Chromium {browser.version} ({args.chromium})")
        for number, notebook in enumerate(notebooks, 1):
            print(f"\n=== [{number}/{len(notebooks)}] {notebook.name}")
            result = check_notebook(browser, base, notebook, out, args)
            print(f"=== {notebook.name}: {'passed' if result.passed else 'FAILED'} in {result.seconds:.0f} s"
                  f" (widgets checked: {widgets_text(result.checked)})")
            results.append(result)
        browser.close()
    return results


def check_notebook(browser, base: str, notebook: Path, out: Path, args: argparse.Namespace) -> Result:
    """Open one notebook in a fresh page and workspace, run it, check its outputs and widgets; its kernel is
    shut down at the end whatever happened."""
    from playwright.sync_api import Error as PlaywrightError

    result = Result(notebook.name)
    started = time.monotonic()
    shots_dir = out / notebook.stem
    counter = iter(range(1, 1000))

    def shot(target, name: str) -> None:
        shots_dir.mkdir(exist_ok=True)
        path = shots_dir / f"{next(counter):02d}_{name}.png"
        target.screenshot(path=str(path))
        print(f"  screenshot {path}")

    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page_errors: list[str] = []
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    try:
        kinds = widget_kinds(json.loads(notebook.read_text()))
        print("widgets in the lesson's code: " + (", ".join(k.name for k in kinds) or "none"))
        run_all(page, base, notebook, args.timeout)
        failures, notes = judge_outputs(saved_notebook(page, base, notebook.name))
        broken = page.evaluate(BROKEN_WIDGETS)
        if broken:
            failures.append(f"{len(broken)} widget(s) failed to display (Error displaying widget), "
                            f"in the cells with prompts {', '.join(broken)}")
        for note in notes:
            print(f"  note: {note}")
        # the lesson's screenshot: its first error, else its first widget, else its last code cell's output
        error = page.locator(".jp-CodeCell:has(.jp-OutputArea-output:has-text('Traceback'))")
        widget = page.locator(", ".join(kind.selector for kind in KINDS))
        for target in (error.first if failures else None, widget.first, page.locator(".jp-CodeCell").last):
            if target is not None and target.count():
                target.scroll_into_view_if_needed()
                break
        page.screenshot(path=str(out / f"{notebook.stem}.png"))
        print(f"  screenshot {out / f'{notebook.stem}.png'}")
        result.failures += failures
        if not failures:
            result.failures += check_widgets(page, kinds, args, shot, result.checked)
    except CheckFailed as e:
        result.failures.append(str(e))
        _screenshot_quietly(page, out / f"{notebook.stem}.png")
    except PlaywrightError as e:  # a timeout or a page that went away: this notebook fails, the others run
        result.failures.append(f"browser: {str(e).splitlines()[0]}")
        _screenshot_quietly(page, out / f"{notebook.stem}.png")
    finally:
        shut_down_kernels(page, base)
        page.close()
    if page_errors:  # JavaScript errors in the page: listed, for a person to judge; the checks above fail
        # when a widget does not render or answer
        print(f"  note: {len(page_errors)} JavaScript error(s) in the page, the first: {page_errors[0][:200]}")
    result.seconds = time.monotonic() - started
    for failure in result.failures:
        print(f"  FAIL: {failure}")
    return result


def _screenshot_quietly(page, path: Path) -> None:
    try:
        page.screenshot(path=str(path))
    except Exception:
        pass


# the input prompts ("[12]:") of the cells where a widget's view failed to render
BROKEN_WIDGETS = """() => Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell'))
  .filter(cell => Array.from(cell.querySelectorAll('.jp-OutputArea-output'))
    .some(o => o.innerText.includes('Error displaying widget')))
  .map(cell => (cell.querySelector('.jp-InputPrompt')?.innerText ?? '?').replace(':', ''))"""

# for each code cell: its input prompt ("[12]:", "[*]:" while queued or running, "[ ]:" before) and whether it
# holds code (JupyterLab does not send an empty cell to the kernel, which keeps "[ ]:")
PROMPTS = """() => Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell')).map(cell => [
  cell.querySelector('.jp-InputPrompt')?.innerText ?? '',
  (cell.querySelector('.cm-content')?.innerText ?? '').trim() !== ''])"""


def run_all(page, base: str, notebook: Path, timeout: float) -> None:
    url = f"{base}/lab/tree/{quote(notebook.name)}?reset"  # ?reset: a fresh workspace, no other tabs restored
    print(f"opening {url}")
    page.goto(url)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=180_000)
    accept_dialogs(page)
    wait_for_kernel(page)
    for attempt in (1, 2):
        print("Run → Run All Cells")
        page.locator(".lm-MenuBar-item", has_text="Run").first.click()
        label = page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$"))
        page.locator(".lm-Menu-item", has=label).first.click()
        if run_all_started(page):
            return wait_for_run_all(page, timeout)
        print("  Run All did not start within 30 s")
        page.screenshot(path=str(notebook.parent.parent / f"{notebook.stem}_not_started_{attempt}.png"))
        page.keyboard.press("Escape")  # a menu left open
    raise CheckFailed("Run All did not start: no cell was queued after clicking Run → Run All Cells twice")


def run_all_started(page, timeout: float = 30) -> bool:
    """Whether some cell is queued ([*]) or has run ([n]) within `timeout` seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if any(re.search(r"\[(\*|\d+)\]", prompt) for prompt, _ in page.evaluate(PROMPTS)):
            return True
        page.wait_for_timeout(500)
    return False


def accept_dialogs(page) -> None:
    """A kernel-choice dialog (notebook without a kernelspec) would block the page: take the default."""
    page.wait_for_timeout(1500)
    dialog = page.locator(".jp-Dialog .jp-mod-accept")
    if dialog.count():
        dialog.first.click()


def kernel_status(page) -> str:
    status = page.locator(".jp-Notebook-ExecutionIndicator").first
    return (status.get_attribute("data-status") or "") if status.count() else ""


def wait_for_kernel(page, timeout: float = 180) -> None:
    deadline = time.time() + timeout
    idle = 0
    while time.time() < deadline:
        idle = idle + 1 if kernel_status(page) == "idle" else 0
        if idle >= 4:  # idle for two seconds: the kernel has started and the page is connected to it
            return
        page.wait_for_timeout(500)
    raise CheckFailed(f"the kernel did not become idle within {timeout:.0f} s of opening the notebook "
                      f"(status: {kernel_status(page) or 'none shown'})")


def wait_for_run_all(page, timeout: float) -> None:
    """Until every code cell that holds code shows an execution count. Returns early when Run All has
    stopped short: the kernel idle, no cell queued ([*]) and some never run ([ ]), which is what a cell that
    raised leaves (the cells after it are not run); judge_outputs then says which. Fails when the kernel dies
    or the timeout passes."""
    started = time.time()
    begun, stopped = False, 0
    while time.time() - started < timeout:
        prompts = [prompt for prompt, has_code in page.evaluate(PROMPTS) if has_code]
        done = sum(bool(re.search(r"\[\d+\]", p)) for p in prompts)
        queued = sum("*" in p for p in prompts)
        if prompts and done == len(prompts):
            print(f"  all {len(prompts)} code cells ran in {time.time() - started:.0f} s")
            page.wait_for_timeout(1500)  # widget views render just after their cell ends
            return
        begun = begun or queued > 0 or done > 0
        status = kernel_status(page)
        if status in DEAD:
            raise CheckFailed(f"the kernel died during Run All (status {status!r}; out of memory?) "
                              f"after {done} of {len(prompts)} code cells")
        stopped = stopped + 1 if begun and status == "idle" and not queued else 0
        if stopped >= 3:  # three polls in a row, to be sure
            print(f"  Run All stopped after {done} of {len(prompts)} code cells, {time.time() - started:.0f} s")
            return
        page.wait_for_timeout(1000)
    raise CheckFailed(f"Run All did not finish within {timeout:.0f} s ({done} of {len(prompts)} code cells ran)")


def saved_notebook(page, base: str, name: str, timeout: float = 60) -> dict:
    """Save the notebook (its outputs as JupyterLab holds them) and read it back through the server: the
    output types (error or stream, stdout or stderr) that the page renders alike."""
    page.locator(".jp-NotebookPanel-toolbar [data-command='docmanager:save']").first.click()
    deadline = time.time() + timeout
    while time.time() < deadline:
        page.wait_for_timeout(500)
        if not page.locator(".lm-TabBar-tab.jp-mod-dirty").count():  # the tab's dot: unsaved changes
            break
    else:
        raise CheckFailed(f"JupyterLab did not save the notebook within {timeout:.0f} s")
    response = page.request.get(f"{base}/api/contents/{quote(name)}?content=1&type=notebook")
    if not response.ok:
        raise CheckFailed(f"could not read the saved notebook back: HTTP {response.status}")
    return response.json()["content"]


def shut_down_kernels(page, base: str) -> None:
    """Shut down every session's kernel through the server's REST API (with the page's XSRF cookie), so
    that each notebook runs alone and the memory of the last one is given back."""
    try:
        cookies = {c["name"]: c["value"] for c in page.context.cookies(base)}
        headers = {"X-XSRFToken": cookies["_xsrf"]} if "_xsrf" in cookies else {}
        sessions = page.request.get(f"{base}/api/sessions").json()
        for session in sessions:
            page.request.delete(f"{base}/api/sessions/{session['id']}", headers=headers)
        left = page.request.get(f"{base}/api/kernels").json()
        for kernel in left:
            page.request.delete(f"{base}/api/kernels/{kernel['id']}", headers=headers)
    except Exception as e:  # the server stops at the end anyway, with every kernel it started
        print(f"  note: could not shut the kernel down: {e}")


# ---------------------------------------------------------------------------------------------- widgets
def check_widgets(page, kinds: list[Kind], args: argparse.Namespace, shot, checked: Counter) -> list[str]:
    """Every kind the lesson's code makes must be rendered; every rendered widget is clicked through."""
    failures = []
    for kind in kinds:
        try:
            page.wait_for_selector(kind.selector, timeout=60_000)
        except Exception:
            failures.append(f"the lesson's code makes a {kind.name} but none was rendered "
                            f"(no {kind.selector} on the page 60 s after Run All)")
    counts = {kind.name: page.locator(kind.selector).count() for kind in KINDS}
    print(f"rendered: {widgets_text(Counter(counts)).replace('none', 'no widget')}")
    checks = {
        "stepper": lambda widget, number: check_stepper(widget, number, args.clicks, shot),
        "trace viewer": lambda widget, number: check_trace_viewer(widget, number, shot),
        "compare viewer": lambda widget, number: check_compare_viewer(widget, number, shot),
        "playground": lambda widget, number: check_playground(widget, number, shot),
    }
    for kind in KINDS:  # in this order: a playground's ▶ run replaces the compare viewer inside it
        for i in range(counts[kind.name]):
            widget = page.locator(kind.selector).nth(i)
            widget.scroll_into_view_if_needed()
            found = checks[kind.name](widget, i + 1)
            failures += [f"{kind.name} {i + 1}: {f}" for f in found]
            checked[kind.name] += 1
    return failures


def wait_for_change(read, before: str, timeout_ms: int = 30_000) -> str:
    """Poll `read()` until it differs from `before`: a click goes to the kernel and back before the view changes."""
    deadline = time.time() + timeout_ms / 1000
    while time.time() < deadline:
        now = read()
        if now != before:
            return now
        time.sleep(0.2)
    return read()


def wait_for_value(read, expected, timeout_ms: int = 30_000):
    """Poll `read()` until it returns `expected` (a view that updates in several messages, such as the two
    traces of a compare viewer); returns the last value read."""
    deadline = time.time() + timeout_ms / 1000
    while time.time() < deadline:
        now = read()
        if now == expected:
            return now
        time.sleep(0.2)
    return read()


def check_stepper(stepper, number: int, clicks: int, shot) -> list[str]:
    """Click ▶ `clicks` times (fewer for a shorter program): the step number must go up by one each time,
    the slider must follow, the view must change; then ⏮ must go back to the start."""
    failures = []
    view = stepper.locator(".npi-stepper-view")
    readout = stepper.locator(".widget-readout")
    text = view.inner_text()
    match = START.search(text)
    steps = int(match.group(1)) if match else clicks
    print(f"stepper {number} at start:\n{indent(text)}")
    if match is None:
        failures.append(f"the stepper does not open at its start: {text.splitlines()[0] if text else '(empty)'!r}")
    shot(stepper, f"stepper{number}_start")
    seen = [text]
    previous = 0
    for click in range(1, min(clicks, steps) + 1):
        stepper.get_by_role("button", name="▶", exact=True).click()
        text = wait_for_change(view.inner_text, text)
        match = STEP.search(text)
        now = int(match.group(1)) if match else None
        slider = readout.inner_text().strip() if readout.count() else "?"
        print(f"after ▶ #{click} (slider {slider}): {text.splitlines()[0] if text else ''}")
        if now is None:
            first_line = text.splitlines()[0] if text else "(empty)"
            failures.append(f"after ▶ #{click} the stepper shows no step number, expected step {previous + 1}: "
                            f"{first_line!r}")
        elif now != previous + 1:
            failures.append(f"after ▶ #{click} the stepper shows step {now}, expected {previous + 1}")
        if slider != str(previous + 1):
            failures.append(f"after ▶ #{click} the slider reads {slider}, expected {previous + 1}")
        if text in seen:
            failures.append(f"after ▶ #{click} the stepper shows a view it showed before")
        if failures:  # the next clicks would only repeat it
            break
        previous = now or previous
        seen.append(text)
    shot(stepper, f"stepper{number}_step{previous}")
    stepper.locator("button[title='first step']").click()  # ⏮
    if wait_for_value(view.inner_text, seen[0]) != seen[0]:
        failures.append("⏮ did not bring the stepper back to its first view")
    return failures


def details_step(text: str) -> tuple[int, int] | None:
    """(step, last step) from a viewer's details heading: 'start: X, 34 steps' is (0, 34), 'step 3 of 34: ...'
    is (3, 34)."""
    heading = text.strip().splitlines()[0] if text.strip() else ""
    if m := START.match(heading):
        return 0, int(m.group(1))
    if m := STEP.match(heading):
        return int(m.group(1)), int(m.group(2))
    return None


def check_trace_viewer(viewer, number: int, shot) -> list[str]:
    """Click ▶ twice: the details must move on to the next step each time. Then collapse all and expand
    all: folding must hide lines (when the trace has calls), unfolding must show them again."""
    failures = []
    details = viewer.locator(".npi-details")
    text = details.inner_text()
    at = details_step(text)
    shot(viewer, f"trace_viewer{number}_start")
    if at is None:
        return [f"the details show no step heading: {text[:100]!r}"]
    for click in (1, 2):
        viewer.get_by_role("button", name="▶", exact=True).click()
        new = wait_for_change(details.inner_text, text)
        now = details_step(new)
        print(f"trace viewer {number} after ▶ #{click}: {new.splitlines()[0] if new else ''}")
        if now is None or now[0] != min(at[0] + click, at[1]):
            failures.append(f"after ▶ #{click} the details show {new.splitlines()[0] if new else ''!r}, "
                            f"expected step {min(at[0] + click, at[1])}")
            break
        text = new
    shot(viewer, f"trace_viewer{number}_step{at[0] + 2}")
    options = viewer.locator("select option")
    before = options.count()
    viewer.get_by_role("button", name="collapse all", exact=True).click()
    folded = wait_for_change(lambda: str(options.count()), str(before), 10_000)
    viewer.get_by_role("button", name="expand all", exact=True).click()
    unfolded = wait_for_change(lambda: str(options.count()), folded, 10_000)
    print(f"trace viewer {number}: {before} lines, {folded} after collapse all, {unfolded} after expand all")
    if int(folded) >= int(unfolded):
        failures.append(f"collapse all left {folded} lines and expand all {unfolded}: folding changed nothing")
    return failures


def check_compare_viewer(compare, number: int, shot) -> list[str]:
    """The summary line must say how the traces compare; ◀ (▶ at the start) must move both traces one step;
    "go to the first difference" must bring both back to it."""
    failures = []
    summary = compare.inner_text().strip().splitlines()[0]
    print(f"compare viewer {number}: {summary}")
    first = re.match(r"first difference at step (\d+)", summary)
    if not first and not summary.startswith("identical"):
        return [f"the compare viewer shows no summary: {summary!r}"]
    panes = compare.locator(".npi-details")
    if panes.count() != 2:
        return [f"the compare viewer shows {panes.count()} traces, expected 2"]

    def positions() -> list[tuple[int, int] | None]:
        return [details_step(panes.nth(i).inner_text()) for i in range(2)]

    at = positions()
    if None in at:
        return [f"a trace's details show no step heading: {at}"]
    index = at[0][0] if at[0][0] >= at[1][0] else at[1][0]  # the shorter trace stops at its last step
    target, button = (index - 1, "◀") if index > 0 else (index + 1, "▶")
    compare.get_by_role("button", name=button, exact=True).click()
    expected = [(min(target, last), last) for _, last in at]
    now = wait_for_value(positions, expected)
    print(f"compare viewer {number} after {button}: steps {[p[0] if p else None for p in now]}")
    if now != expected:
        failures.append(f"after {button} the traces show steps {now}, expected {expected}")
    shot(compare, f"compare_viewer{number}")
    go = compare.get_by_role("button", name="go to the first difference")
    if first:
        step = int(first.group(1))
        go.click()
        want = [(min(step, last), last) for _, last in at]
        back = wait_for_value(positions, want)
        if back != want:
            failures.append(f"'go to the first difference' shows steps {back}, expected {want}")
    elif go.is_enabled():
        failures.append("identical traces, yet 'go to the first difference' is enabled")
    return failures


def check_playground(playground, number: int, shot) -> list[str]:
    """Addition's playground (two boxes): type two addends as a reader would, click ▶ run: the message must
    give their sum, marked correct, and a compare viewer of the two traces must appear; then a malformed
    addend must give an error message. Any other task's playground (one JSON box): the same with the
    example problem the box holds, then with broken JSON."""
    failures = []
    boxes = playground.locator("input[type='text']")
    if boxes.count() == 1:
        return check_json_playground(playground, number, boxes.first, shot)
    if boxes.count() != 2:
        return [f"the playground has {boxes.count()} text boxes, expected 2 (the addends) or 1 (a JSON problem)"]
    message = playground.locator(".widget-html").first
    a, b = 4321987, 8765
    before = message.inner_text()
    for box, value in zip((boxes.nth(0), boxes.nth(1)), (a, b)):
        box.fill("")
        box.press_sequentially(str(value))  # key by key, as a reader types
        box.press("Tab")  # the value reaches the kernel when the box loses focus
    playground.get_by_role("button", name="▶ run").click()
    text = wait_for_change(message.inner_text, before, 60_000)
    print(f"playground {number} after {a} + {b}:\n{indent(text)}")
    if f"answer: {a + b} (correct)" not in text:
        failures.append(f"{a} + {b} typed in: the playground did not show 'answer: {a + b} (correct)': {text[:200]!r}")
    if not has_traces(playground):
        failures.append("the playground shows no compare viewer after ▶ run")
    shot(playground, f"playground{number}_run")
    before = message.inner_text()
    boxes.nth(1).fill("")
    boxes.nth(1).press_sequentially("87x5")
    boxes.nth(1).press("Tab")
    playground.get_by_role("button", name="▶ run").click()
    text = wait_for_change(message.inner_text, before)
    print(f"playground {number} after the bad addend 87x5: {text.strip()}")
    if "'87x5' is not a number" not in text:
        failures.append(f"the malformed addend 87x5 gave no clear message: {text[:200]!r}")
    if playground.locator(".npi-compare-viewer").count():
        failures.append("after bad input the playground still shows the last run's traces")
    shot(playground, f"playground{number}_error")
    return failures


def has_traces(playground) -> bool:
    """Whether a compare viewer shows in the playground (it arrives just after the message of a run)."""
    try:
        playground.locator(".npi-compare-viewer").first.wait_for(timeout=30_000)
        return True
    except Exception:
        return False


def check_json_playground(playground, number: int, box, shot) -> list[str]:
    """Broken JSON typed in (the example the box holds, its closing bracket left off) must give a message
    that says so; then the example typed in again and ▶ run must give a correct answer and a compare
    viewer. Bad input first: the lesson's code has already run the example, so a good run first would leave
    the message as it was."""
    failures = []
    message = playground.locator(".widget-html").first
    example = box.input_value()
    broken = example.rstrip("]}")
    for text, good in ((broken, False), (example, True)):
        box.fill("")
        box.press_sequentially(text)  # key by key, as a reader types
        box.press("Tab")  # the value reaches the kernel when the box loses focus
        before = message.inner_text()
        playground.get_by_role("button", name="▶ run").click()
        shown = wait_for_change(message.inner_text, before, 60_000 if good else 30_000)
        print(f"playground {number} after {'' if good else 'the broken JSON '}{text}:\n{indent(shown)}")
        traces = has_traces(playground) if good else playground.locator(".npi-compare-viewer").count()
        if good:
            if "(correct)" not in shown:
                failures.append(f"{text} typed in: the playground did not answer it correctly: {shown[:200]!r}")
            if not traces:
                failures.append("the playground shows no compare viewer after ▶ run")
        else:
            if "not valid JSON" not in shown:
                failures.append(f"the broken JSON {broken} gave no clear message: {shown[:200]!r}")
            if traces:
                failures.append("after bad input the playground still shows the last run's traces")
        shot(playground, f"playground{number}_{'run' if good else 'error'}")
    return failures


def indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


if __name__ == "__main__":
    sys.exit(main())
