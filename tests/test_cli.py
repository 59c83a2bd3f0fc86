"""Tests of npi_lib.cli: `python -m npi_lib ...` in a subprocess, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "numpy", "matplotlib")


def cli(*args: str, stdin: str | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "npi_lib", *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
    )


def test_rpn_prints_the_value():
    r = cli("rpn", "5 3 + 2 *")
    assert (r.returncode, r.stdout, r.stderr) == (0, "16\n", "")


def test_rpn_joins_several_arguments():
    assert cli("rpn", "-3", "4", "+").stdout == "1\n"


def test_rpn_infix_prints_the_translation_then_the_value():
    r = cli("rpn", "--infix", "(5+3)*2")
    assert (r.returncode, r.stdout) == (0, "5 3 + 2 *\n16\n")


def test_rpn_error_goes_to_stderr_with_status_1():
    r = cli("rpn", "1 +")
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.startswith("error: stack underflow") and "Traceback" not in r.stderr


def test_rpn_infix_error_is_reported():
    r = cli("rpn", "--infix", "(1 + 2")
    assert r.returncode == 1 and "unclosed '('" in r.stderr and "Traceback" not in r.stderr


def test_rpn_prints_huge_results():
    r = cli("rpn", " ".join(["9" * 3000, "9" * 3000, "*"]))
    assert r.returncode == 0 and len(r.stdout.strip()) == 6000


def test_forth_execute_prints_the_output_with_a_final_newline():
    r = cli("forth", "-e", "1 2 + .")
    assert (r.returncode, r.stdout, r.stderr) == (0, "3 \n", "")


def test_forth_output_ending_in_a_newline_gets_no_extra_one():
    assert cli("forth", "-e", "1 . CR").stdout == "1 \n"


def test_forth_reads_a_file(tmp_path):
    program = tmp_path / "fact.fs"
    program.write_text(": FACT ( n -- n! ) DUP 1 > IF DUP 1- RECURSE * THEN ;\n5 FACT .\n")
    r = cli("forth", str(program))
    assert (r.returncode, r.stdout) == (0, "120 \n")


@pytest.mark.parametrize("args", [("forth", "-"), ("forth",)])
def test_forth_reads_stdin(args):
    r = cli(*args, stdin=": SQUARE DUP * ;\n7 SQUARE .\n")
    assert (r.returncode, r.stdout) == (0, "49 \n")


def test_forth_error_prints_the_output_so_far_then_the_error():
    r = cli("forth", "-e", "1 . : F 0 / ; 2 F")
    assert r.returncode == 1 and r.stdout == "1 \n"
    assert r.stderr.startswith("error: division by zero in F: / got the divisor 0") and "Traceback" not in r.stderr


def test_forth_runaway_recursion_is_an_error_not_a_traceback():
    r = cli("forth", "-e", ": F RECURSE ; F")
    assert r.returncode == 1 and "return stack overflow" in r.stderr and "Traceback" not in r.stderr


def test_forth_step_limit_option():
    r = cli("forth", "--step-limit", "1000", "-e", ": F BEGIN 0 UNTIL ; F")
    assert r.returncode == 1 and "step limit: more than 1000 steps" in r.stderr


def test_forth_missing_file_is_an_error():
    r = cli("forth", "no-such-file.fs")
    assert r.returncode == 1 and r.stderr.startswith("error: cannot read no-such-file.fs") and "Traceback" not in r.stderr


def test_forth_interactive_runs_line_by_line_and_survives_errors():
    r = cli("forth", "-i", stdin="1 2\n+ .\nFOO\n.S\n")
    assert r.returncode == 0
    assert r.stdout == " ok\n3  ok\n<0>  ok\n"
    assert "unknown word 'FOO'" in r.stderr


def test_help_documents_the_commands():
    r = cli("--help")
    assert r.returncode == 0 and "rpn" in r.stdout and "forth" in r.stdout
    assert "RPN translation" in cli("rpn", "--help").stdout.replace("\n", " ")


def test_missing_command_is_a_usage_error():
    r = cli()
    assert r.returncode == 2 and "usage:" in r.stderr


def test_importing_npi_lib_and_the_cli_loads_no_heavy_library():
    code = (
        "import sys, npi_lib, npi_lib.cli, npi_lib.rpn, npi_lib.forth, npi_lib.trace\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=30)
    assert (r.returncode, r.stdout.strip()) == (0, "[]")


def test_a_cli_run_imports_no_heavy_library():
    r = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "npi_lib", "rpn", "1 2 +"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=30,
    )
    assert r.stdout == "3\n"
    imported = {line.split("|")[-1].strip().split(".")[0] for line in r.stderr.splitlines() if "|" in line}
    assert not imported & set(HEAVY)


# ---------------------------------------------------------------------------------------------- trace
def test_trace_prints_the_tree_and_the_output():
    r = cli("trace", "addition", "--input", "[96, 125]")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "ADD" and lines[1] == "  ADD1" and lines[-1] == "output: 221"
    assert "      PTR(CARRY, LEFT)" in lines


@pytest.mark.parametrize(
    "task, problem, formulation, expected",
    [
        ("addition", "[7, 5]", "non-recursive", 12),
        ("bubblesort", "[3, 1, 2]", "partial", [1, 2, 3]),
        ("bubblesort-compare", "[30, -1, 2]", "recursive", [-1, 2, 30]),
        ("toposort", '{"n": 3, "edges": [[3, 1], [1, 2]]}', "recursive", [3, 1, 2]),
        ("quicksort", "[3, 1, 2, 1]", "non-recursive", [1, 1, 2, 3]),
    ],
)
def test_trace_json_has_output_and_trace(task, problem, formulation, expected):
    import json

    r = cli("trace", task, "--input", problem, "--formulation", formulation, "--json")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["output"] == expected
    assert result["trace"]["children"] and result["steps"] > 0 and result["formulation"] == formulation


@pytest.mark.parametrize(
    "args, message",
    [
        (("trace", "addition", "--input", "[96,"), "--input is not valid JSON"),
        (("trace", "addition", "--input", "[1, -2]"), "negative"),
        (("trace", "sorting", "--input", "[1]"), "unknown task 'sorting'"),
        (("trace", "addition", "--input", "[1, 2]", "--formulation", "partial"), "no formulation 'partial'"),
        (("trace", "toposort", "--input", '{"n": 2, "edges": [[1, 2], [2, 1]]}'), "cycle"),
    ],
)
def test_trace_errors_are_one_line_on_stderr(args, message):
    r = cli(*args)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.startswith("error: ") and message in r.stderr and "Traceback" not in r.stderr


# ---------------------------------------------------------------- the neural commands: train, eval, run, reproduce
def assert_user_error(r: subprocess.CompletedProcess, *words: str) -> None:
    assert r.returncode == 1, r.stderr
    assert r.stderr.startswith("error: ") and "Traceback" not in r.stderr
    for w in words:
        assert w in r.stderr


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "tiny.pt"
    r = cli("train", "addition", "--formulation", "recursive", "--train-set", "starved", "--out", str(out))
    assert r.returncode == 0, r.stderr
    return out


def test_train_saves_a_checkpoint_and_prints_a_summary(tiny_checkpoint):
    from npi_lib.checkpoint import load_checkpoint

    ckpt = load_checkpoint(tiny_checkpoint, "addition", "recursive")
    assert ckpt.train_set == "starved" and ckpt.summary["perfect"]


def test_train_summary_line_names_what_was_trained(tmp_path):
    r = cli("train", "addition", "--formulation", "non-recursive", "--train-set", "starved", "--max-epochs", "2",
            "--quiet", "--out", str(tmp_path / "x.pt"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("addition non-recursive on 'starved'") and "saved to" in r.stdout
    assert r.stderr == ""  # --quiet: no progress bar


def test_eval_json_lists_size_accuracy_and_count(tiny_checkpoint):
    r = cli("eval", "addition", "--checkpoint", str(tiny_checkpoint), "--sizes", "1,3", "--per-size", "4", "--json")
    assert r.returncode == 0, r.stderr
    records = json.loads(r.stdout)
    assert [(x["size"], x["n"]) for x in records] == [(1, 4), (3, 4)]
    assert all(0.0 <= x["accuracy"] <= 1.0 for x in records)


def test_eval_without_checkpoint_uses_the_shipped_recursive_model():
    r = cli("eval", "addition", "--sizes", "10,50", "--per-size", "3", "--json")
    assert r.returncode == 0, r.stderr
    assert [(x["size"], x["accuracy"], x["n"]) for x in json.loads(r.stdout)] == [(10, 1.0, 3), (50, 1.0, 3)]


def test_eval_table_is_readable():
    r = cli("eval", "addition", "--sizes", "4", "--per-size", "2")
    assert r.returncode == 0, r.stderr
    assert "addition recursive NPI trained on 'paper'" in r.stdout and "100.0%" in r.stdout


def test_run_prints_one_json_object_with_output_steps_and_halted():
    r = cli("run", "addition", "--input", "[96, 125]")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert (out["output"], out["steps"], out["halted"], out["correct"]) == (221, 33, True, True)


def test_run_with_trace_gives_the_nested_steps():
    r = cli("run", "addition", "--input", "[7, 5]", "--trace")
    trace = json.loads(r.stdout)["trace"]
    assert trace["name"] == "ADD" and [c["name"] for c in trace["children"]] == ["ADD1", "LSHIFT", "ADD"]


def test_run_prints_huge_sums_in_full():
    a, b = "9" * 4400, "1"  # past Python's 4,300-digit limit on int <-> str
    r = cli("run", "addition", "--input", json.dumps([a, b]))
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)  # let json read a 4,401-digit number
    try:
        out = json.loads(r.stdout)
    finally:
        sys.set_int_max_str_digits(limit)
    assert out["correct"] and out["output"] == 10**4400


def test_run_reports_a_network_that_fails():
    r = cli("run", "addition", "--input", "[96, 125]", "--max-steps", "5")
    out = json.loads(r.stdout)
    assert r.returncode == 0 and out["halted"] is False and out["correct"] is False
    assert out["reason"].startswith("step limit")


@pytest.mark.parametrize(
    "args, words",
    [
        (["run", "addition", "--input", "[1, 2"], ["not valid JSON"]),
        (["run", "addition", "--input", "[-1, 2]"], ["negative"]),
        (["run", "sorting", "--input", "[1, 2]"], ["unknown task 'sorting'"]),
        (["eval", "addition", "--sizes", "5,x"], ["--sizes", "'x'"]),
        (["eval", "addition", "--sizes", "0"], ["--sizes"]),
        (["eval", "addition", "--checkpoint", "/nonexistent/model.pt"], ["no such file"]),
        (["eval", "addition", "--formulation", "partial"], ["no formulation 'partial'"]),
        (["train", "addition", "--formulation", "sideways", "--out", "x.pt"], ["no formulation 'sideways'"]),
        (["train", "addition", "--train-set", "huge", "--out", "x.pt"], ["unknown training set 'huge'"]),
    ],
)
def test_user_errors_are_one_line_on_stderr_with_status_1(args, words):
    assert_user_error(cli(*args), *words)


def test_a_corrupted_checkpoint_is_a_user_error(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint at all")
    assert_user_error(cli("run", "addition", "--checkpoint", str(bad), "--input", "[1, 2]"), "cannot be read")


def test_a_checkpoint_of_another_formulation_is_refused(tiny_checkpoint):
    r = cli("eval", "addition", "--checkpoint", str(tiny_checkpoint), "--formulation", "non-recursive", "--sizes", "2")
    assert_user_error(r, "'recursive' formulation of addition, not 'non-recursive'")
