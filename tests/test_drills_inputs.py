"""Drill: input that used to be misread silently (a stray quote merging CSV rows, one string scored letter by
letter) is now read as written or refused with the line."""

from __future__ import annotations

import numpy as np
import pytest

from molmara import Objective
from molmara.model.corpus import CorpusError, read_smiles_file
from molmara.scoring import score_file

QED = {"component": [{"oracle": "qed", "weight": 1.0}]}


def test_a_stray_quote_in_a_csv_is_reported_with_its_line(tmp_path):
    path = tmp_path / "in.csv"
    rows = ["CCO", "CCN", "CCC", '"CCCl', "CCBr", "c1ccccc1", "CCOC"]
    path.write_text("smiles,id\n" + "".join(f"{s},{i}\n" for i, s in enumerate(rows)))
    with pytest.raises(CorpusError, match=r"in.csv, line 5: a quote opens a field that runs to line 8"):
        read_smiles_file(path)
    with pytest.raises(CorpusError, match="line 5"):
        score_file(Objective.from_dict(QED), path, tmp_path / "out.csv", progress=False)
    assert not (tmp_path / "out.csv").exists()
    path.write_text('smiles,id\nCCO,1\n"CCN",2\nC"C,3\n')  # quoted fields are CSV; a quote inside is kept as text
    assert read_smiles_file(path) == ["CCO", "CCN", 'C"C']
    path.write_text("smiles\nCCO\n" + "C" * 200_000 + "\n")  # over the csv module's field size limit
    with pytest.raises(CorpusError, match="line 3: not valid CSV"):
        read_smiles_file(path)


def test_one_string_is_one_molecule():
    objective = Objective.from_dict(QED)
    assert objective("CCO").shape == (1,)
    assert objective("CCO")[0] == objective(["CCO"])[0]
    assert objective.evaluate("c1ccccc1O").smiles == ["c1ccccc1O"]


def test_every_invalid_molecule_has_its_reason_in_the_score_output(tmp_path):
    rows = {
        "CCO": "",
        "c1ccccc1*": "wildcard or dummy atom",
        "[*]CC": "wildcard or dummy atom",
        "CC(=O)[O-].[Na+]": "several fragments",
        "C1CC": "not a valid SMILES",
        "C" * 2001: "longer than 2000 characters (2,001)",
        "C" * 1999: "more than 150 heavy atoms (1999)",
    }
    path = tmp_path / "in.smi"
    path.write_text("\n".join(rows) + "\n")
    table = score_file(Objective.from_dict(QED), path, tmp_path / "out.csv", progress=False)
    reasons = table["invalid_reason"].fillna("")
    for (smiles, reason), got, valid in zip(rows.items(), reasons, table["valid"], strict=True):
        assert (reason in got) if reason else got == "", (smiles[:20], got)
        assert valid == (reason == "")
    written = tmp_path / "out.csv"
    assert "invalid_reason" in written.read_text().splitlines()[0]


def test_fragments_are_a_choice_of_the_objective():
    salt = "CC(=O)Nc1ccc(O)cc1.Cl"  # paracetamol hydrochloride
    flag = Objective.from_dict(QED)
    assert flag.to_dict()["fragments"] == "flag" and np.isnan(flag([salt])[0])
    largest = Objective.from_dict({**QED, "fragments": "largest"})
    assert largest([salt])[0] == pytest.approx(flag(["CC(=O)Nc1ccc(O)cc1"])[0])
    assert Objective.from_toml(largest.to_toml()).config.fragments == "largest"
    with pytest.raises(Exception, match="fragments"):
        Objective.from_dict({**QED, "fragments": "all"})
