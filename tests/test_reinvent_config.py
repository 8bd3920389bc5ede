"""A REINVENT 4 staged-learning TOML converts into a molmara run config that scores as REINVENT would and runs.

The TOML is written in REINVENT 4's own syntax (its `configs/staged_learning.toml`); the expected scores are
computed here from RDKit and REINVENT 4's formulas, not with molmara's objective code.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from rdkit import Chem, DataStructs, RDLogger
from rdkit.Chem import AllChem, Descriptors
from rdkit.Chem.QED import qed

from molmara import Objective
from molmara.cli import main
from molmara.reinvent_config import ReinventConfigError, convert_staged_learning
from molmara.rl.config import load_run_config

RDLogger.DisableLog("rdApp.*")
REFERENCE = "CC(=O)Oc1ccccc1C(=O)O"
ALERTS = ["[#8][#8]", "C#C", "[#16][#16]"]

STAGED = """
run_type = "staged_learning"
device = "cuda:0"
tb_logdir = "tb_logs"
json_out_config = "_staged_learning.json"

[parameters]
summary_csv_prefix = "staged_learning"
use_checkpoint = false
purge_memories = false
prior_file = "{prior}"
agent_file = "{prior}"
batch_size = 8
unique_sequences = true
randomize_smiles = true

[learning_strategy]
type = "dap"
sigma = 120
rate = 0.0002

[diversity_filter]
type = "IdenticalMurckoScaffold"
bucket_size = 10
minscore = 0.5
minsimilarity = 0.4
penalty_multiplier = 0.5

[inception]
smiles_file = "seeds.smi"
memory_size = 20
sample_size = 5

[[stage]]
chkpt_file = 'test1.chkpt'
termination = "simple"
max_score = 0.6
min_steps = 1
max_steps = 2

[stage.scoring]
type = "geometric_mean"

[[stage.scoring.component]]
[stage.scoring.component.QED]
[[stage.scoring.component.QED.endpoint]]
name = "QED"
weight = 0.6

[[stage.scoring.component]]
[stage.scoring.component.SAScore]
[[stage.scoring.component.SAScore.endpoint]]
name = "SA score"
weight = 0.4
transform.type = "reverse_sigmoid"
transform.low = 2.0
transform.high = 5.0
transform.k = 0.5

[[stage.scoring.component]]
[stage.scoring.component.MolecularWeight]
[[stage.scoring.component.MolecularWeight.endpoint]]
name = "Molecular weight"
weight = 0.342
transform.type = "double_sigmoid"
transform.high = 500.0
transform.low = 200.0
transform.coef_div = 500.0
transform.coef_si = 20.0
transform.coef_se = 20.0

[[stage.scoring.component]]
[stage.scoring.component.TanimotoSimilarity]
[[stage.scoring.component.TanimotoSimilarity.endpoint]]
name = "like aspirin"
weight = 0.5
params.smiles = ["{reference}"]
params.radius = 2
params.use_counts = true
params.use_features = false
transform.type = "sigmoid"
transform.low = 0.1
transform.high = 0.6
transform.k = 0.5

[[stage.scoring.component]]
[stage.scoring.component.custom_alerts]
[[stage.scoring.component.custom_alerts.endpoint]]
name = "Unwanted SMARTS"
weight = 0.79
params.smarts = {alerts}

[[stage.scoring.component]]
[stage.scoring.component.MatchingSubstructure]
[[stage.scoring.component.MatchingSubstructure.endpoint]]
name = "has a ring"
weight = 1.0
params.smarts = "[R]"
params.use_chirality = false

[[stage.scoring.component]]
[stage.scoring.component.GroupCount]
[[stage.scoring.component.GroupCount.endpoint]]
name = "amides"
params.smarts = "C(=O)N"

[[stage]]
max_steps = 100
[stage.scoring]
type = "geometric_mean"
"""


def reinvent_sigmoid(x: float, low: float, high: float, k: float) -> float:
    return 1 / (1 + 10 ** (-10 * k * (x - (high + low) / 2) / (high - low)))


def reinvent_double_sigmoid(x: float, low: float, high: float, div: float, si: float, se: float) -> float:
    if x < (low + high) / 2:
        return 1 / (1 + 10 ** (-(si / div) * (x - low)))
    return 1 - 1 / (1 + 10 ** (-(se / div) * (x - high)))


def reinvent_score(smiles: str) -> float:
    """REINVENT 4's total: weighted geometric mean of the scoring components, × filter, × penalty."""
    from rdkit.Contrib.SA_Score import sascorer  # noqa: PLC0415 (RDKit's contrib, as REINVENT uses it)

    mol = Chem.MolFromSmiles(smiles)
    reference = Chem.MolFromSmiles(REFERENCE)
    similarity = DataStructs.TanimotoSimilarity(
        AllChem.GetMorganFingerprint(mol, 2, useCounts=True), AllChem.GetMorganFingerprint(reference, 2, useCounts=True)
    )
    parts = [
        (qed(mol), 0.6),
        (1 - reinvent_sigmoid(sascorer.calculateScore(mol), 2.0, 5.0, 0.5), 0.4),
        (reinvent_double_sigmoid(Descriptors.MolWt(mol), 200.0, 500.0, 500.0, 20.0, 20.0), 0.342),
        (reinvent_sigmoid(similarity, 0.1, 0.6, 0.5), 0.5),
    ]
    total = math.exp(sum(w * math.log(v) for v, w in parts) / sum(w for _, w in parts))
    alert = any(mol.HasSubstructMatch(Chem.MolFromSmarts(s)) for s in ALERTS)
    ring = mol.HasSubstructMatch(Chem.MolFromSmarts("[R]"))
    return total * (0.0 if alert else 1.0) * (1.0 if ring else 0.5)


@pytest.fixture
def staged(tmp_path, tiny_prior_path):
    path = tmp_path / "staged_learning.toml"
    alerts = "[" + ", ".join(f'"{s}"' for s in ALERTS) + "]"
    path.write_text(STAGED.format(prior=tiny_prior_path, reference=REFERENCE, alerts=alerts))
    return path


def test_settings_carry_over_and_every_loss_is_named(staged, tiny_prior_path):
    config, notes = convert_staged_learning(staged)
    run = load_run_config(config)
    assert (run.batch_size, run.sigma, run.learning_rate, run.max_steps) == (8, 120.0, 0.0002, 2)
    assert run.prior == str(tiny_prior_path) and run.agent is None and run.loss == "reinvent" and not run.mara
    assert run.diversity_filter.enabled and (run.diversity_filter.bucket_size, run.diversity_filter.min_score) == (
        10,
        0.5,
    )
    assert (run.replay.memory_size, run.replay.sample_size) == (20, 5) and run.duplicates == "zero"
    assert run.device == "auto" and run.max_oracle_calls == 16
    text = "\n".join(notes)
    for named in ("randomize_smiles", "unique_sequences", "inception.smiles_file", "GroupCount", "stages 2–2",
                  "max_score", "chkpt_file", "device 'cuda:0'"):  # fmt: skip
        assert named in text, named
    assert "QED" not in text and "MolecularWeight" not in text  # carried over: not in the notes


def test_the_converted_objective_scores_as_reinvent_would(staged):
    config, _ = convert_staged_learning(staged)
    objective = Objective.from_dict(config["objective"])
    smiles = ["CC(=O)Nc1ccc(O)cc1", REFERENCE, "CCCCCCCC#C", "OOc1ccccc1", "CC(C)Cc1ccc(C(C)C(=O)O)cc1", "CCCCCCO"]
    np.testing.assert_allclose(objective(smiles), [reinvent_score(s) for s in smiles], rtol=1e-9, atol=1e-12)


def test_it_runs_from_the_reinvent_file_and_as_a_written_config(staged, tmp_path, capsys):
    assert main(["run", "--from-reinvent", str(staged), "--output", str(tmp_path / "runs"), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert "finished" in captured.out and "from REINVENT: parameters.randomize_smiles" in captured.err
    out = tmp_path / "run.toml"
    assert main(["import-config", str(staged), "-o", str(out)]) == 0
    assert "# not carried over: component GroupCount" in out.read_text()
    assert main(["import-config", str(staged), "-o", str(out)]) == 1  # never overwritten silently
    name = ["--name", "again", "--output", str(tmp_path / "runs")]
    assert main(["run", str(out), *name, "--quiet"]) == 0


def test_configs_that_cannot_convert_say_why(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('run_type = "sampling"\n')
    with pytest.raises(ReinventConfigError, match="only staged_learning"):
        convert_staged_learning(bad)
    bad.write_text('run_type = "staged_learning"\n[parameters]\nprior_file = "x"\n')
    with pytest.raises(ReinventConfigError, match=r"no \[\[stage\]\]"):
        convert_staged_learning(bad)
    bad.write_text("run_type = \n")
    assert main(["import-config", str(bad), "-o", str(tmp_path / "x.toml")]) == 1
    assert "cannot be read" in capsys.readouterr().err and not (tmp_path / "x.toml").exists()
