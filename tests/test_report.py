import base64
import math
import re

import pandas as pd
import pytest

import molmara
from molmara.chem import canonical_smiles
from molmara.cli import main
from molmara.metrics import (
    RunData,
    evaluate_run,
    format_table,
    load_run,
    metrics_table,
    run_curves,
    step_curve,
    write_report,
)
from molmara.tasks import CAMPHOR, MENTHOL

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def hand_run(scores: list[float], name: str = "hand", **config) -> RunData:
    """A run whose molecules are distinct alkyl chains / rings, one per oracle call, 2 per step."""
    smiles = ["C" * (i + 1) if i % 2 else f"C1CC{'C' * i}CC1" for i in range(len(scores))]
    molecules = pd.DataFrame(
        {
            "SMILES": smiles + ["junk"],
            "Score": scores + [math.nan],
            "step": [i // 2 + 1 for i in range(len(scores))] + [len(scores) // 2 + 1],
            "canonical_smiles": [canonical_smiles(s) for s in smiles] + [""],
            "valid": [True] * len(scores) + [False],
            "over_budget": [False] * (len(scores) + 1),
        }
    )
    return RunData(name, molecules, config={"tau": 0.8, "max_oracle_calls": 10, **config})


def test_evaluate_run_by_hand():
    run = hand_run([0.1, 0.9, 0.85, 0.3, 0.95, 0.2])
    row = evaluate_run(run, ob_k=2)
    assert row["sampled"] == 7 and row["validity"] == pytest.approx(6 / 7) and row["uniqueness"] == 1.0
    assert row["oracle_calls"] == 6 and row["budget"] == 10 and row["hit_threshold"] == 0.8
    assert row["yield"] == 3 and row["hit_rate"] == pytest.approx(0.5)
    assert row["ob2"] == 3.0 and row["ob2_reached"] is True  # the 2nd hit is the 3rd call
    assert row["top1"] == pytest.approx(0.95) and row["top10"] == pytest.approx(3.3 / 6)
    # 6 calls, one reading at call 6 (top-10 = 0.55) joined to 0 at call 0, then carried to the budget of 10
    assert row["top10_auc"] == pytest.approx((6 * 0.55 / 2 + 4 * 0.55) / 10)
    # hits: CC (acyclic), cycloheptane and cyclononane: three scaffolds with one hit each
    assert row["hit_scaffolds"] == 3 and row["largest_scaffold_share"] == pytest.approx(1 / 3)
    assert row["scaffold_entropy"] == pytest.approx(math.log(3))
    # the two rings have the same Morgan r2 bits (CH2 in a ring): one circle for them, one for CC
    assert row["diverse_hits"] == 2
    assert row["notes"] == ""
    assert "mode_coverage" not in row  # no task with references


def test_the_hit_threshold_comes_from_the_config_or_the_caller():
    assert hand_run([0.5], hit_threshold=0.4).hit_threshold == 0.4
    assert hand_run([0.5], tau="p90").hit_threshold == 0.8  # a percentile tau: the trainer's default 0.8
    assert evaluate_run(hand_run([0.5, 0.6]), hit_threshold=0.55)["yield"] == 1
    with pytest.raises(ValueError, match="hit threshold must lie in \\[0, 1\\], got 1.5"):
        evaluate_run(hand_run([0.5]), hit_threshold=1.5)


def test_a_run_without_hits_says_so():
    row = evaluate_run(hand_run([0.1, 0.2, 0.3]))
    assert row["yield"] == 0 and row["hit_rate"] == 0.0
    assert math.isnan(row["ob100"]) and row["ob100_reached"] is False
    assert row["hit_scaffolds"] == 0 and row["diverse_hits"] == 0
    for key in ("hits_per_scaffold", "largest_scaffold_share", "scaffold_entropy"):
        assert math.isnan(row[key])
    assert "no hits (score >= 0.8)" in row["notes"] and "OB100 not reached (0 hits)" in row["notes"]
    assert format_table(metrics_table([hand_run([0.1])])).loc["hits_per_scaffold"].iloc[0] == "n/a"


def test_an_empty_run():
    run = RunData("empty", pd.DataFrame(columns=["SMILES", "Score", "step", "canonical_smiles", "valid"]))
    row = evaluate_run(run)
    assert row["oracle_calls"] == 0 and row["yield"] == 0 and row["circles"] == 0
    assert math.isnan(row["top10"]) and math.isnan(row["top10_auc"]) and math.isnan(row["validity"])
    assert "no oracle calls" in row["notes"]


def test_mode_coverage_from_the_task_and_from_the_caller():
    run = hand_run([0.9, 0.9], task="median1")
    run.molecules.loc[0, ["SMILES", "canonical_smiles"]] = [MENTHOL, canonical_smiles(MENTHOL)]
    assert evaluate_run(run)["modes_covered"] == "1/2"  # menthol found, camphor not
    assert evaluate_run(run, references=[MENTHOL])["mode_coverage"] == 1.0
    assert evaluate_run(run, references=[CAMPHOR])["mode_coverage"] == 0.0


def test_metrics_table_has_one_row_per_run_and_distinct_names():
    table = metrics_table([hand_run([0.9]), hand_run([0.1]), hand_run([0.5], name="other")])
    assert list(table.index) == ["hand", "hand#2", "other"]
    assert table.loc["hand", "yield"] == 1 and table.loc["hand#2", "yield"] == 0


@pytest.fixture(scope="module")
def real_run(tiny_prior_path, tmp_path_factory):
    """A real run of the tests' tiny prior (few of its samples are valid) until a budget of 30 oracle calls."""
    out = tmp_path_factory.mktemp("runs")
    config = {
        "name": "tiny",
        "prior": str(tiny_prior_path),
        "objective": {"component": [{"oracle": "qed", "weight": 1.0}]},
        "batch_size": 64,
        "max_steps": 30,
        "max_oracle_calls": 30,
        "tau": 0.6,
        "device": "cpu",
        "output": str(out),
    }
    molmara.run(config)
    return out / "tiny"


def test_report_metrics_agree_with_the_trainers_summary(real_run):
    run = load_run(real_run)
    summary = run.summary
    row = evaluate_run(run)
    assert row["oracle_calls"] == summary["oracle_calls"]
    assert row["yield"] == summary["hits"] > 0
    assert row["hit_scaffolds"] == summary["unique_hit_scaffolds"]
    assert row["steps"] == summary["steps"] and row["sampled"] == 64 * summary["steps"]
    curves = run_curves(run)
    assert curves["yield"].iloc[-1] == summary["hits"]
    assert curves["call"].tolist() == list(range(1, summary["oracle_calls"] + 1))
    # the calls spent by the end of each step are those the trainer recorded
    assert step_curve(run)["oracle_calls"].tolist() == run.steps["oracle_calls"].tolist()


def test_molmara_report_markdown(real_run, tmp_path, capsys):
    out = tmp_path / "report" / "tiny.md"
    assert main(["report", str(real_run), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    summary = load_run(real_run).summary
    assert re.search(rf"^yield\s+{summary['hits']}$", printed, re.MULTILINE)
    assert re.search(rf"^oracle_calls\s+{summary['oracle_calls']}$", printed, re.MULTILINE)
    for metric in ("ob100", "top10_auc", "circles", "diverse_hits", "scaffold_entropy"):
        assert re.search(rf"^{metric}\s", printed, re.MULTILINE)
    text = out.read_text()
    assert f"| yield | {summary['hits']} |" in text
    for key in ("scores", "yield", "scaffolds"):
        image = out.with_name(f"tiny_{key}.png")
        assert f"]({image.name})" in text
        assert image.read_bytes().startswith(PNG_MAGIC)


def test_molmara_report_html_is_self_contained(real_run, tmp_path, capsys):
    out = tmp_path / "both.html"
    assert main(["report", str(real_run), str(real_run), "--format", "html", "-o", str(out)]) == 0
    assert "tiny#2" in capsys.readouterr().out
    page = out.read_text()
    images = re.findall(r'<img [^>]*src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 3 and all(base64.b64decode(i).startswith(PNG_MAGIC) for i in images)
    assert not re.search(r'(src|href)="(?!data:)', page)  # nothing loaded from elsewhere
    assert "<script" not in page
    assert list(tmp_path.iterdir()) == [out]  # no PNG files next to it


def test_molmara_report_default_output_and_errors(real_run, tmp_path, capsys):
    assert main(["report", str(real_run), "--format", "html"]) == 0
    assert (real_run / "report.html").is_file()
    assert main(["report", str(tmp_path / "nowhere")]) == 1
    assert "is not a run folder" in capsys.readouterr().err
    assert main(["report", str(real_run), "--hit-threshold", "2"]) == 1
    assert "hit threshold must lie in [0, 1], got 2.0" in capsys.readouterr().err
    with pytest.raises(ValueError, match="md or html"):
        write_report([load_run(real_run)], tmp_path / "x.pdf")
