"""Open a notebook in JupyterLab in a real (headless) browser, run all its cells, and check that the course's
widgets work there: the stepper steps when its ▶ button is clicked, the trace viewer follows its ▶ button,
and the playground runs the network on a problem typed into it (two numbers, or a task's JSON) and shows
the answer and the traces.

What nbval cannot see: whether the widgets render and answer clicks in a browser (the JavaScript side, the
kernel round trip). Screenshots go to OUT/*.png so that a person can look at them.

Needs Debian's chromium and Playwright, kept outside the course's virtualenv:

    apt-get update && apt-get install -y chromium
    python3 -m venv /tmp/pwvenv && /tmp/pwvenv/bin/pip install playwright
    /tmp/pwvenv/bin/python tools/browser_check.py notebooks/01_stack_machines.ipynb

JupyterLab is started from the course's virtualenv (`--jupyter`) with a token-less server on 127.0.0.1 and
throw-away settings (cells always attached to the page, no news fetching), on a copy of the notebook in
OUT/notebook/ (JupyterLab autosaves, and the lesson's stored outputs must stay as they are), and stopped
at the end.
Exit status 0 when every check passed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STEP = re.compile(r"step (\d+) of (\d+)")


def main() -> int:
    here = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--port", type=int, default=8899)
    parser.add_argument("--clicks", type=int, default=4, help="how many times to click the stepper's ▶")
    parser.add_argument("--out", type=Path, default=Path("/tmp/browser_check"), help="screenshots and logs")
    parser.add_argument("--jupyter", default=str(here / ".venv" / "bin" / "jupyter"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for Run All to finish")
    args = parser.parse_args()

    notebook = args.notebook.resolve()
    if not notebook.is_file():
        sys.exit(f"no notebook at {notebook}")
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*.png"):
        old.unlink()
    # JupyterLab autosaves what Run All does, outputs cleared mid-run included: it works on a copy, never on
    # the lesson itself (whose stored outputs nbval checks)
    work = args.out / "notebook"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    notebook = Path(shutil.copy2(notebook, work / notebook.name))
    env = dict(os.environ, **lab_settings(args.out))
    log = open(args.out / "jupyter.log", "w")
    server = subprocess.Popen(
        [
            args.jupyter, "lab", "--no-browser", f"--port={args.port}", "--ServerApp.port_retries=0",
            "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=", "--ServerApp.password=",
            f"--ServerApp.root_dir={notebook.parent}",
        ] + (["--allow-root"] if os.geteuid() == 0 else []),
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
    )
    try:
        wait_for_server(args.port, server)
        return check(args, notebook)
    finally:
        stop(server)
        log.close()


def stop(server: subprocess.Popen) -> None:
    """Stop the server and the kernels it started (its own process group, and nothing else)."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


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
    workspaces.mkdir(exist_ok=True)
    for old in workspaces.glob("*"):
        old.unlink()
    return {
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(workspaces),
        "JUPYTER_RUNTIME_DIR": str(out / "runtime"),  # connection files and cookie secret stay here too
    }


def wait_for_server(port: int, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if server.poll() is not None:
            sys.exit(f"jupyter lab exited with {server.returncode}; see jupyter.log")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"jupyter lab did not answer on port {port} within {timeout} s")


def check(args: argparse.Namespace, notebook: Path) -> int:
    from playwright.sync_api import sync_playwright

    failures: list[str] = []
    shots = iter(range(1, 1000))

    def shot(page_or_element, name: str) -> None:
        path = args.out / f"{next(shots):02d}_{name}.png"
        page_or_element.screenshot(path=str(path))
        print(f"  screenshot {path}")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        url = f"http://127.0.0.1:{args.port}/lab/tree/{quote(notebook.name)}"
        print(f"opening {url}")
        page.goto(url)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
        accept_dialogs(page)
        wait_for_kernel(page)

        print("Run → Run All Cells")
        page.locator(".lm-MenuBar-item", has_text="Run").first.click()
        label = page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$"))
        page.locator(".lm-Menu-item", has=label).first.click()
        wait_for_run_all(page, args.timeout)
        errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']")
        if errors.count():
            failures.append(f"{errors.count()} cell(s) raised: {errors.first.inner_text()[:300]}")
        broken = page.locator(".jp-OutputArea-output", has_text="Error displaying widget")
        if broken.count():
            failures.append("a widget failed to display (Error displaying widget)")
        shot(page, "after_run_all")

        steppers = page.locator(".npi-stepper")
        viewers = page.locator(".npi-trace-viewer")
        compares = page.locator(".npi-compare-viewer")
        try:
            page.wait_for_selector(".npi-stepper, .npi-trace-viewer, .npi-compare-viewer, .npi-playground", timeout=60_000)
        except Exception:
            failures.append("no widget of npi_lib.widgets was rendered")
        counts = (steppers.count(), viewers.count(), compares.count())
        print("found {} stepper(s), {} trace viewer(s), {} compare viewer(s)".format(*counts))
        if steppers.count():
            failures += check_stepper(steppers.first, args.clicks, shot)
        if viewers.count():
            failures += check_trace_viewer(viewers.first, shot)
        if compares.count():
            compare = compares.first
            compare.scroll_into_view_if_needed()
            summary = compare.inner_text().splitlines()[0]
            print(f"compare viewer: {summary}")
            if not ("first difference" in summary or "identical" in summary):
                failures.append(f"compare viewer shows no summary: {summary!r}")
            shot(compare, "compare_viewer")
        playgrounds = page.locator(".npi-playground")
        if playgrounds.count():
            failures += check_playground(playgrounds.first, shot)
        browser.close()

    for failure in failures:
        print(f"FAIL: {failure}")
    print("browser check:", "FAILED" if failures else "passed")
    return 1 if failures else 0


def accept_dialogs(page) -> None:
    """A kernel-choice dialog (notebook without a kernelspec) would block the page: take the default."""
    page.wait_for_timeout(1500)
    dialog = page.locator(".jp-Dialog .jp-mod-accept")
    if dialog.count():
        dialog.first.click()


def wait_for_kernel(page, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = page.locator(".jp-Notebook-ExecutionIndicator").first
        if status.count() and status.get_attribute("data-status") == "idle":
            return
        page.wait_for_timeout(500)
    raise SystemExit("the kernel did not become idle")


def wait_for_run_all(page, timeout: float) -> None:
    """Until every code cell shows an execution count: none waiting ([ ]) or running ([*])."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        prompts = page.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()
        pending = [p for p in prompts if not re.search(r"\[\d+\]", p)]
        if prompts and not pending:
            print(f"  all {len(prompts)} code cells ran")
            page.wait_for_timeout(1500)  # widget views render just after their cell ends
            return
        page.wait_for_timeout(1000)
    raise SystemExit(f"Run All did not finish within {timeout} s")


def wait_for_change(read, before: str, timeout_ms: int = 15_000) -> str:
    """Poll `read()` until it differs from `before`: a click goes to the kernel and back before the view changes."""
    deadline = time.time() + timeout_ms / 1000
    while time.time() < deadline:
        now = read()
        if now != before:
            return now
        time.sleep(0.2)
    return read()


def check_stepper(stepper, clicks: int, shot) -> list[str]:
    """Click ▶ `clicks` times: the step number must go up by one each time, the slider must follow, the
    view must change; then ⏮ must go back to the start."""
    failures = []
    stepper.scroll_into_view_if_needed()
    view = stepper.locator(".npi-stepper-view")
    readout = stepper.locator(".widget-readout")
    text = view.inner_text()
    print(f"stepper at start:\n{indent(text)}")
    shot(stepper, "stepper_start")
    seen = [text]
    previous = 0
    for click in range(1, clicks + 1):
        stepper.get_by_role("button", name="▶", exact=True).click()
        text = wait_for_change(view.inner_text, text)
        match = STEP.search(text)
        number = int(match.group(1)) if match else None
        slider = readout.inner_text().strip() if readout.count() else "?"
        print(f"after ▶ #{click} (slider {slider}):\n{indent(text)}")
        if number != previous + 1:
            failures.append(f"after ▶ #{click} the stepper shows step {number}, expected {previous + 1}")
        if slider != str(previous + 1):
            failures.append(f"after ▶ #{click} the slider reads {slider}, expected {previous + 1}")
        if text in seen:
            failures.append(f"after ▶ #{click} the stepper shows a view it showed before")
        previous = number or previous
        seen.append(text)
        shot(stepper, f"stepper_step{click}")
    stepper.locator("button[title='first step']").click()  # ⏮
    text = wait_for_change(view.inner_text, text)
    if text != seen[0]:
        failures.append("⏮ did not bring the stepper back to its first view")
    return failures


def check_trace_viewer(viewer, shot) -> list[str]:
    """Click ▶ twice: the details must move on to the next step each time."""
    failures = []
    viewer.scroll_into_view_if_needed()
    details = viewer.locator(".npi-details")
    text = details.inner_text()
    shot(viewer, "trace_viewer_start")
    for click in (1, 2):
        viewer.get_by_role("button", name="▶", exact=True).click()
        new = wait_for_change(details.inner_text, text)
        heading = new.splitlines()[0] if new else ""
        print(f"trace viewer after ▶ #{click}: {heading}")
        if STEP.search(heading) is None or int(STEP.search(heading).group(1)) != click:
            failures.append(f"after ▶ #{click} the trace viewer shows {heading!r}, expected step {click}")
        text = new
    selected = viewer.locator("select").first.evaluate("s => s.options[s.selectedIndex]?.text")
    print(f"  selected line: {selected!r}")
    if details.locator("img").count():
        print("  environment drawn as an image")
    shot(viewer, "trace_viewer_step2")
    return failures


def check_playground(playground, shot) -> list[str]:
    """Addition's playground (two boxes): type two addends as a reader would, click ▶ run: the message must
    give their sum, marked correct, and a compare viewer of the two traces must appear; then a malformed
    addend must give an error message. Any other task's playground (one JSON box): the same with the
    example problem the box starts with, then with broken JSON."""
    failures = []
    playground.scroll_into_view_if_needed()
    boxes = playground.locator("input[type='text']")
    if boxes.count() == 1:
        return check_json_playground(playground, boxes.first, shot)
    if boxes.count() != 2:
        return [f"the playground has {boxes.count()} text boxes, expected 2 (the addends) or 1 (a JSON problem)"]
    message = playground.locator(".widget-html").first
    a, b = 4321987, 8765
    before = message.inner_text()
    for box, value in zip((boxes.nth(0), boxes.nth(1)), (a, b)):
        box.fill(str(value))
        box.press("Tab")  # the value reaches the kernel when the box loses focus or on a key press
    playground.get_by_role("button", name="▶ run").click()
    text = wait_for_change(message.inner_text, before)
    print(f"playground after {a} + {b}:\n{indent(text)}")
    if f"answer: {a + b} (correct)" not in text:
        failures.append(f"the playground did not show 'answer: {a + b} (correct)': {text[:200]!r}")
    if not playground.locator(".npi-compare-viewer").count():
        failures.append("the playground shows no compare viewer after ▶ run")
    shot(playground, "playground_run")
    before = message.inner_text()
    boxes.nth(1).fill("87x5")
    boxes.nth(1).press("Tab")
    playground.get_by_role("button", name="▶ run").click()
    text = wait_for_change(message.inner_text, before)
    print(f"playground after a bad addend: {text.strip()}")
    if "not a number" not in text:
        failures.append(f"a malformed addend gave no clear message: {text[:200]!r}")
    shot(playground, "playground_error")
    return failures


def check_json_playground(playground, box, shot) -> list[str]:
    """▶ run on the example the box holds must give a correct answer and a compare viewer; broken JSON must
    give a message that says so."""
    failures = []
    message = playground.locator(".widget-html").first
    example = box.input_value()
    before = message.inner_text()
    playground.get_by_role("button", name="▶ run").click()
    text = wait_for_change(message.inner_text, before)
    print(f"playground after {example}:\n{indent(text)}")
    if "(correct)" not in text:
        failures.append(f"the playground did not answer {example} correctly: {text[:200]!r}")
    if not playground.locator(".npi-compare-viewer").count():
        failures.append("the playground shows no compare viewer after ▶ run")
    shot(playground, "playground_run")
    before = message.inner_text()
    box.fill(example.rstrip("]}"))
    box.press("Tab")
    playground.get_by_role("button", name="▶ run").click()
    text = wait_for_change(message.inner_text, before)
    print(f"playground after broken JSON: {text.strip()}")
    if "not valid JSON" not in text:
        failures.append(f"broken JSON gave no clear message: {text[:200]!r}")
    shot(playground, "playground_error")
    return failures


def indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


if __name__ == "__main__":
    sys.exit(main())
