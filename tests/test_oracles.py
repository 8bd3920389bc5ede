import logging
import math
import sys

import numpy as np
import pytest

import molmara
from molmara import oracles
from molmara.oracles import MolBatch, Oracle, OracleError, Param

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"
CAFFEINE = "Cn1cnc2c1c(=O)n(C)c(=O)n2C"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("qed", 0.5501),  # Bickerton et al. report 0.55 for aspirin
        ("sa", 1.580),  # Ertl & Schuffenhauer: aspirin is easy, about 1.6
        ("logp", 1.3101),  # Crippen contributions
        ("mw", 180.159),  # C9H8O4
        ("tpsa", 63.60),  # 2 × C=O 17.07 + ester O 9.23 + OH 20.23
        ("hbd", 1),  # the acid OH
        ("hba", 3),  # RDKit's Lipinski-style acceptor pattern: two carbonyl O and the hydroxyl O
        ("rotatable_bonds", 2),  # strict definition: aryl–C(acid) and aryl–O (PubChem's 3 adds the ester C–O)
        ("rings", 1),
        ("aromatic_rings", 1),
        ("fsp3", 1 / 9),  # one sp3 carbon (the methyl) of nine
        ("heavy_atoms", 13),
        ("formal_charge", 0),
    ],
)
def test_descriptor_oracles_on_aspirin(name, expected):
    assert oracles.get(name)([ASPIRIN])[0] == pytest.approx(expected, abs=1e-3)


def test_formal_charge_and_invalid_input():
    assert list(oracles.get("formal_charge")(["C[N+](C)(C)C", "CC(=O)[O-]"])) == [1.0, -1.0]
    values = oracles.get("qed")(["CCO", "not a smiles", None, "", "C" * 10_000, 3])
    assert np.isfinite(values[0]) and np.isnan(values[1:]).all()
    assert oracles.get("qed")([]).shape == (0,)


def test_salts_are_flagged_or_their_largest_fragment_scored_and_charged_species_score():
    smiles = ["CC(=O)[O-].[Na+]", "CCO", "CCO", "C[NH3+]"]
    values = oracles.get("mw")(smiles)
    assert np.isnan(values[0]) and values[1] == values[2] and np.isfinite(values[1:]).all()
    assert "several fragments" in MolBatch(smiles).reasons[0]
    largest = oracles.get("mw")(MolBatch(smiles, fragments="largest"))
    assert largest[0] == pytest.approx(oracles.get("mw")(["CC(=O)[O-]"])[0])


def test_similarity_max_mean_and_fingerprints():
    sim = oracles.get("similarity", smiles=[ASPIRIN, CAFFEINE])
    values = sim([ASPIRIN, CAFFEINE, "CCO"])
    assert values[0] == pytest.approx(1.0) and values[1] == pytest.approx(1.0) and values[2] < 0.2
    mean = oracles.get("similarity", smiles=[ASPIRIN, CAFFEINE], aggregate="mean")([ASPIRIN])[0]
    assert 0.5 < mean < 0.6
    for fp in ("fcfp4", "ecfp4_count", "fcfp4_count", "ecfp6"):
        assert oracles.get("similarity", smiles=[ASPIRIN], fingerprint=fp)([ASPIRIN])[0] == pytest.approx(1.0)
    # count Tanimoto by hand: ethanol vs propanol, unfolded ECFP4 counts from RDKit's Morgan generator
    from rdkit import Chem
    from rdkit.Chem import rdFingerprintGenerator

    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2)
    a, b = (generator.GetSparseCountFingerprint(Chem.MolFromSmiles(s)).GetNonzeroElements() for s in ("CCO", "CCCO"))
    common = sum(min(v, b.get(k, 0)) for k, v in a.items())
    by_hand = common / (sum(a.values()) + sum(b.values()) - common)
    assert oracles.get("similarity", smiles=["CCCO"], fingerprint="ecfp4_count")(["CCO"])[0] == pytest.approx(by_hand)


def test_substructure_alerts_and_isomer():
    required = oracles.get("smarts", patterns=["c1ccccc1", "C(=O)O"], match="all")
    assert list(required([ASPIRIN, "c1ccccc1", "CC(=O)O"])) == [1.0, 0.0, 0.0]
    one = oracles.get("smarts", patterns=["c1ccccc1", "C(=O)O"], match="one")
    assert list(one([ASPIRIN, "c1ccccc1", "CC(=O)O", "CCO"])) == [0.0, 1.0, 1.0, 0.0]
    forbidden = oracles.get("smarts", patterns=["[N+](=O)[O-]"], mode="forbidden")
    assert list(forbidden(["c1ccccc1[N+](=O)[O-]", "CCO"])) == [0.0, 1.0]
    alerts = oracles.get("alerts", catalogs=["pains"])
    assert alerts(["O=C(C=Cc1ccccc1)c1ccccc1O", "CCO"])[1] == 1.0  # ethanol raises no PAINS alert
    assert oracles.get("alerts")(["O=C1C=CC(=O)C=C1"])[0] == 0.0  # quinone: Brenk alert
    isomer = oracles.get("isomer", formula="C11H24")
    assert isomer(["CCCCCCCCCCC", "CC(C)CCCCCCCC"])[0] == pytest.approx(1.0)


def test_isomer_score_by_hand():
    # decane C10H22 against C11H24: C off by 1, H off by 2, total atoms off by 3 (σ = 2)
    expected = (math.exp(-0.5) * math.exp(-2.0) * math.exp(-0.5 * (3 / 2) ** 2)) ** (1 / 3)
    assert oracles.get("isomer", formula="C11H24")(["CCCCCCCCCC"])[0] == pytest.approx(expected)


def test_bad_names_and_parameters_are_clear():
    with pytest.raises(OracleError, match="did you mean 'qed'"):
        oracles.get("qde")
    with pytest.raises(OracleError, match=r"'n_bits': Input should be greater than or equal to 64 \(got 5\)"):
        oracles.get("similarity", smiles=["CCO"], n_bits=5)
    with pytest.raises(OracleError, match=r"'aggregate': Input should be 'max' or 'mean' \(got 'median'\)"):
        oracles.get("similarity", smiles=["CCO"], aggregate="median")
    for wrong in ("2048", True, 2048.5):  # strict: no text, bool or fraction for an int
        with pytest.raises(OracleError, match=r"'n_bits': Input should be a valid integer"):
            oracles.get("similarity", smiles=["CCO"], n_bits=wrong)
    with pytest.raises(OracleError, match=r"'exhaustiveness': Input should be less than or equal to 128"):
        oracles.get("docking", target="DRD2", exhaustiveness=129)
    assert oracles.get("similarity", smiles="CCO").config["smiles"] == ["CCO"]  # one string is a list of one
    with pytest.raises(OracleError, match="invalid reference SMILES 'xx'"):
        oracles.get("similarity", smiles=["xx"])
    with pytest.raises(OracleError, match="invalid SMARTS"):
        oracles.get("smarts", patterns=["[[["])
    with pytest.raises(OracleError, match="has no parameter 'radius'"):
        oracles.get("qed", radius=2)
    with pytest.raises(OracleError, match="cannot parse molecular formula"):
        oracles.get("isomer", formula="c11h24")


def test_every_oracle_declares_itself():
    for name in oracles.names():
        spec = oracles.describe(name)
        assert spec["name"] == name and spec["description"] and spec["cost"] in ("cheap", "expensive")
        assert len(spec["value_range"]) == 2


def test_one_failing_molecule_is_nan_with_a_warning(caplog):
    @molmara.oracle(description="fails on nitrogen")
    def picky(mol):
        if any(a.GetSymbol() == "N" for a in mol.GetAtoms()):
            raise RuntimeError("no nitrogen please")
        return mol.GetNumAtoms()

    with caplog.at_level(logging.WARNING, logger="molmara.oracles"):
        values = oracles.get("picky")(["CCO", "CCN", "CCCC", "bad"])
    assert values[0] == 3 and np.isnan(values[1]) and values[2] == 4 and np.isnan(values[3])
    assert "picky" in caplog.text and "CCN" in caplog.text and "no nitrogen please" in caplog.text


def test_user_oracle_with_parameters_nan_and_wrong_length():
    @molmara.oracle(name="n_atoms_of", description="atoms of one element", value_range=(0, 100))
    def count(mol, element: str = "N"):
        return sum(a.GetSymbol() == element for a in mol.GetAtoms())

    assert list(oracles.get("n_atoms_of", element="O")(["OCCO", "CC"])) == [2.0, 0.0]
    assert oracles.describe("n_atoms_of")["params"][0]["default"] == "N"

    @molmara.oracle(name="nan_oracle", description="always NaN", input="smiles")
    def nothing(smiles):
        return float("nan")

    assert np.isnan(oracles.get("nan_oracle")(["CCO"])).all()

    @molmara.oracle(name="short_batch", description="returns too few values", batch=True)
    def short(mols):
        return [1.0] * (len(mols) - 1)

    with pytest.raises(OracleError, match="'short_batch' returned 2 values for 3 molecules"):
        oracles.get("short_batch")(["C", "CC", "CCC"])


def test_oracle_subclass_scores_a_parsed_batch_once():
    parsed = []

    class Counter(Oracle):
        name = "counter_test"
        description = "counts molecules it saw"
        params = (Param("offset", float, 0.0, min=0.0),)

        def score_valid(self, batch: MolBatch) -> np.ndarray:
            parsed.append(len(batch))
            return np.arange(len(batch), dtype=float) + self.config["offset"]

    oracles.register(Counter)
    batch = MolBatch(["CCO", "bad", "CCC"])
    assert list(oracles.get("counter_test", offset=1)(batch)[[0, 2]]) == [1.0, 2.0]
    assert parsed == [2]


def test_external_process_oracle(tmp_path):
    script = tmp_path / "length.py"
    script.write_text("import sys\nfor line in sys.stdin:\n    print(len(line.strip()))\n")
    ext = oracles.get("external", command=[sys.executable, str(script)], timeout=30)
    assert list(ext(["CCO", "bad", "c1ccccc1"])[[0, 2]]) == [3.0, 8.0]
    liar = tmp_path / "liar.py"
    liar.write_text("import sys\nsys.stdin.read()\nprint(1)\n")
    with pytest.raises(OracleError, match="wrote 1 scores for 2 SMILES"):
        oracles.get("external", command=[sys.executable, str(liar)])(["CCO", "CCN"])
    slow = tmp_path / "slow.py"
    slow.write_text("import time\ntime.sleep(5)\n")
    assert np.isnan(oracles.get("external", command=[sys.executable, str(slow)], timeout=0.5)(["CCO"])).all()


def test_external_program_timeout_kills_its_children_and_non_numbers_warn(tmp_path, caplog):
    import time

    pids = tmp_path / "pids"
    spawner = tmp_path / "spawner.py"
    spawner.write_text(
        "import subprocess, sys, time\n"
        "children = [subprocess.Popen(['sleep', '60']) for _ in range(3)]\n"
        f"open({str(pids)!r}, 'w').write(' '.join(str(c.pid) for c in children))\n"
        "time.sleep(60)\n"
    )
    ext = oracles.get("external", command=[sys.executable, str(spawner)], timeout=3)
    assert np.isnan(ext(["CCO"])).all()
    children = [int(p) for p in pids.read_text().split()]
    time.sleep(0.5)
    running = []
    for pid in children:
        stat = f"/proc/{pid}/stat"
        try:
            with open(stat) as handle:
                state = handle.read().split()[2]
        except FileNotFoundError:
            continue
        if state != "Z":  # a zombie waits for init to reap it: it no longer runs
            running.append(pid)
    assert not running, f"children still running: {running}"
    timeout = next(p for p in oracles.describe("external")["params"] if p["name"] == "timeout")
    assert timeout["default"] == 120.0
    words = tmp_path / "words.py"
    words.write_text("import sys\nfor line in sys.stdin:\n    print('high' if 'N' in line else 0.5)\n")
    with caplog.at_level("WARNING", logger="molmara"):
        values = oracles.get("external", command=[sys.executable, str(words)])(["CCO", "CCN"])
    assert values[0] == 0.5 and np.isnan(values[1])
    assert "1 lines that are not numbers (first: 'high')" in caplog.text
