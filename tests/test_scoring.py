import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from molmara import Objective, ScoringService
from molmara.cli import main
from molmara.executors import WorkerExecutor
from molmara.scoring import score_file

OBJECTIVE = {
    "component": [
        {"oracle": "qed", "weight": 1.0},
        {"oracle": "sa", "weight": 1.0, "transform": {"type": "reverse_sigmoid", "low": 2, "high": 5}},
        {"oracle": "similarity", "weight": 1.0, "params": {"smiles": ["CC(=O)Oc1ccccc1C(=O)O", "c1ccncc1"]}},
    ]
}


def test_cache_by_canonical_smiles_and_budget():
    service = ScoringService(Objective.from_dict(OBJECTIVE), budget=3)
    result = service.score(["CCO", "OCC", "bad", "c1ccccc1", "CCN", "CCC"])
    assert service.oracle_calls == 3 and service.exhausted
    assert result.scores[0] == result.scores[1]  # same molecule, written twice, scored once
    assert np.isnan(result.scores[2]) and not result.over_budget[2]  # invalid never costs budget
    assert list(result.over_budget) == [False, False, False, False, False, True]
    again = service.score(["C(C)O", "CCC"])
    assert again.cached[0] and again.scores[0] == result.scores[0] and again.over_budget[1]
    assert service.oracle_calls == 3


def test_worker_processes_give_the_serial_scores(moses_smiles):
    objective = Objective.from_dict(OBJECTIVE)
    serial = ScoringService(objective, time_limit=None).score(moses_smiles[:400])
    with ScoringService(objective, executor=WorkerExecutor(2, min_chunk=50)) as parallel_service:
        parallel = parallel_service.score(moses_smiles[:400])
    np.testing.assert_array_equal(serial.scores, parallel.scores)
    for label in objective.labels:
        np.testing.assert_array_equal(serial.raw[label], parallel.raw[label])


def test_score_file_and_cli_give_the_same_numbers_as_python(tmp_path, moses_smiles):
    objective = Objective.from_dict(OBJECTIVE)
    toml = tmp_path / "objective.toml"
    objective.to_toml(toml)
    smiles_file = tmp_path / "in.smi"
    smiles_file.write_text("\n".join(moses_smiles[:50] + ["not_a_smiles"]) + "\n")
    out = tmp_path / "out.csv"
    assert main(["score", str(toml), str(smiles_file), "-o", str(out), "--quiet"]) == 0
    table = pd.read_csv(out)
    assert len(table) == 51 and not table["valid"].iloc[-1]
    np.testing.assert_allclose(table["Score"][:50], objective(moses_smiles[:50]), rtol=1e-12)
    assert {"qed", "qed (raw)", "sa (raw)", "similarity"} <= set(table.columns)
    python_table = score_file(objective, smiles_file, tmp_path / "again.csv", progress=False)
    np.testing.assert_allclose(python_table["Score"][:50], table["Score"][:50])


def test_score_cli_errors(tmp_path, capsys):
    assert main(["score", str(tmp_path / "none.toml"), str(tmp_path / "x.smi"), "-o", str(tmp_path / "o.csv")]) == 1
    assert "objective file not found" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text('[[component]]\noracle = "qde"\nweight = 1\n')
    (tmp_path / "x.smi").write_text("CCO\n")
    assert main(["score", str(bad), str(tmp_path / "x.smi"), "-o", str(tmp_path / "o.csv")]) == 1
    assert "did you mean 'qed'" in capsys.readouterr().err


@pytest.mark.slow
def test_plugin_package_is_found_through_its_entry_point(tmp_path):
    plugin = tmp_path / "plugin"
    (plugin / "heavy_plugin").mkdir(parents=True)
    (plugin / "heavy_plugin" / "__init__.py").write_text(
        textwrap.dedent(
            """
            from molmara.oracles import Oracle

            class HalogenCount(Oracle):
                name = "halogen_count"
                description = "Number of halogen atoms"
                value_range = (0.0, 100.0)

                def score_mol(self, mol):
                    return sum(a.GetSymbol() in ("F", "Cl", "Br", "I") for a in mol.GetAtoms())
            """
        )
    )
    (plugin / "pyproject.toml").write_text(
        textwrap.dedent(
            """
            [build-system]
            requires = ["setuptools"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "heavy-plugin"
            version = "0.1"

            [project.entry-points."molmara.oracles"]
            halogen_count = "heavy_plugin:HalogenCount"
            """
        )
    )
    target = tmp_path / "site"
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(plugin),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr
    check = subprocess.run(
        [
            sys.executable,
            "-c",
            "import molmara; print('halogen_count' in molmara.oracles.names(), "
            "molmara.oracles.get('halogen_count')(['ClCCBr'])[0])",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(target), "PATH": ""},
    )
    assert check.returncode == 0, check.stderr
    assert check.stdout.split() == ["True", "2.0"]


def test_example_script_and_cli_agree(tmp_path, moses_smiles):
    """The README's promise: a custom oracle in a script, and the same objective as TOML on the command line."""
    root = __import__("pathlib").Path(__file__).resolve().parents[1]
    smiles_file = tmp_path / "molecules.smi"
    smiles_file.write_text("\n".join(moses_smiles[:60]) + "\n")
    script = subprocess.run(
        [sys.executable, str(root / "examples" / "custom_oracle.py"), str(smiles_file), str(tmp_path / "py.csv")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert script.returncode == 0, script.stderr
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "molmara.cli",
            "score",
            str(tmp_path / "custom_objective.toml"),
            str(smiles_file),
            "-o",
            str(tmp_path / "cli.csv"),
            "--oracle-module",
            str(root / "examples" / "custom_oracle.py"),
            "--quiet",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert cli.returncode == 0, cli.stderr
    from_script, from_cli = pd.read_csv(tmp_path / "py.csv"), pd.read_csv(tmp_path / "cli.csv")
    assert from_script["n_nitrogen (raw)"].notna().all()
    np.testing.assert_allclose(from_script["Score"], from_cli["Score"], rtol=1e-12)
