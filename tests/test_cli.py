import csv
import subprocess
import sys

import pytest

from molmara.cli import main

from .conftest import MOSES_SUBSET


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "molmara.cli", *args], capture_output=True, text=True, timeout=600)


def test_help_everywhere(capsys):
    from molmara.cli import build_parser, main

    commands = [[]] + [[name] for name in build_parser()._subparsers._group_actions[0].choices]
    commands += [["runs", action] for action in ("list", "show", "export", "delete")]
    assert {"pretrain", "sample", "score", "run", "resume", "report", "runs", "app", "demo", "sweep"} <= {
        c[0] for c in commands if c
    }
    for command in commands:
        with pytest.raises(SystemExit) as exit_info:
            main([*command, "--help"])
        assert exit_info.value.code == 0 and "usage: molmara" in capsys.readouterr().out


def test_pretrain_then_sample_then_demo(tmp_path):
    prior = tmp_path / "cli.prior"
    out = run_cli(
        "pretrain",
        "--corpus",
        str(MOSES_SUBSET),
        "--output",
        str(prior),
        "--hidden-size",
        "32",
        "--num-layers",
        "1",
        "--embedding-dim",
        "16",
        "--max-sequences",
        "640",
        "--batch-size",
        "64",
        "--device",
        "cpu",
        "--no-progress",
    )
    assert out.returncode == 0, out.stderr
    assert "saved" in out.stdout and prior.is_file()

    samples = tmp_path / "samples.csv"
    out = run_cli("sample", "--prior", str(prior), "-n", "150", "-o", str(samples), "--seed", "1", "--quiet")
    assert out.returncode == 0, out.stderr
    with open(samples) as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 150 and set(rows[0]) == {"SMILES", "NLL"} and float(rows[0]["NLL"]) > 0
    assert not (tmp_path / "samples.csv.partial").exists()

    out = run_cli("demo", "--prior-report", "--prior", str(prior), "-n", "50")
    assert out.returncode == 0, out.stderr
    assert "validity" in out.stdout and "IntDiv1" in out.stdout

    runs = tmp_path / "runs"
    out = run_cli("demo", "--prior", str(prior), "--oracle-calls", "100", "--output", str(runs), "--device", "cpu")
    assert out.returncode == 0, out.stderr
    assert "MARA run" in out.stdout and "prior alone" in out.stdout and "hits (yield)" in out.stdout
    assert (runs / "demo" / "molecules.csv").is_file() and (runs / "molmara.db").is_file()
    out = run_cli("demo", "--prior", str(prior), "--oracle-calls", "100", "--output", str(runs), "--device", "cpu")
    assert out.returncode == 0, out.stderr  # a second demo gets a new run name
    assert (runs / "demo-2" / "molecules.csv").is_file()


def test_errors_are_one_line_with_a_nonzero_exit(tmp_path, capsys):
    code = main(["sample", "--prior", str(tmp_path / "missing.prior"), "-n", "5", "-o", str(tmp_path / "x.csv")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("molmara: error: prior checkpoint not found") and err.count("\n") == 1
    assert not (tmp_path / "x.csv").exists()
    empty = tmp_path / "empty.smi"
    empty.write_text("junk\n")
    code = main(["pretrain", "--corpus", str(empty), "--output", str(tmp_path / "p.prior"), "--no-progress"])
    assert code == 1 and "no usable SMILES" in capsys.readouterr().err


def test_debug_shows_the_traceback(tmp_path):
    with pytest.raises(Exception, match="not found"):
        main(["--debug", "sample", "--prior", str(tmp_path / "missing.prior"), "-n", "1", "-o", str(tmp_path / "x")])
