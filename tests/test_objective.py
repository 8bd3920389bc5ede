import math

import numpy as np
import pytest

import molmara
from molmara import Objective, ObjectiveError

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"
TOML = """
name = "aspirin-like"
aggregation = "geometric"

[[component]]
oracle = "qed"
weight = 1.0

[[component]]
oracle = "similarity"
weight = 2.0
params = { smiles = ["CC(=O)Oc1ccccc1C(=O)O"] }
transform = { type = "sigmoid", low = 0.3, high = 0.7 }

[[component]]
oracle = "mw"
name = "small"
weight = 1.0
role = "filter"
transform = { type = "left_step", low = 300 }
"""


def test_geometric_aggregation_filter_and_columns():
    objective = Objective.from_toml(TOML)
    result = objective.evaluate([ASPIRIN, "CCO", "bad", "CCCCCCCCCCCCCCCCCCCCCCCCCCCC"])
    qed, sim = result.transformed["qed"], result.transformed["similarity"]
    expected = (qed[:2] * sim[:2] ** 2) ** (1 / 3)
    np.testing.assert_allclose(result.scores[:2], expected)
    assert np.isnan(result.scores[2]) and not result.valid[2]
    assert result.scores[3] == 0.0  # MW 394 fails the hard filter
    frame = result.to_frame()
    assert list(frame.columns[:3]) == ["SMILES", "Score", "valid"]
    assert {"qed", "qed (raw)", "similarity (raw)", "small", "small (raw)"} <= set(frame.columns)
    assert frame["small (raw)"][0] == pytest.approx(180.159, abs=1e-3)


def test_arithmetic_product_and_penalty():
    base = {"component": [{"oracle": "qed", "weight": 1.0}, {"oracle": "fsp3", "weight": 3.0}]}
    smiles = [ASPIRIN, "CCCO"]
    qed = molmara.oracles.get("qed")(smiles)
    fsp3 = molmara.oracles.get("fsp3")(smiles)
    arithmetic = Objective.from_dict({**base, "aggregation": "arithmetic"})(smiles)
    np.testing.assert_allclose(arithmetic, (qed + 3 * fsp3) / 4)
    product = Objective.from_dict({**base, "aggregation": "product"})(smiles)
    np.testing.assert_allclose(product, qed * fsp3**3)
    penalised = Objective.from_dict(
        {
            "component": [
                {"oracle": "qed", "weight": 1.0},
                {"oracle": "hbd", "weight": 0.5, "role": "penalty", "transform": {"type": "left_step", "low": 0}},
            ]
        }
    )(smiles)
    np.testing.assert_allclose(penalised, [qed[0] * 0.5, qed[1] * 0.5])  # both have one donor


def test_toml_round_trip_gives_the_same_numbers(tmp_path):
    objective = Objective.from_toml(TOML)
    path = tmp_path / "objective.toml"
    objective.to_toml(path)
    again = Objective.from_toml(path)
    assert again.to_dict() == objective.to_dict()
    smiles = [ASPIRIN, "c1ccccc1O", "CCN(CC)CC"]
    np.testing.assert_allclose(again(smiles), objective(smiles))
    assert Objective.from_dict(objective.to_dict()).labels == ["qed", "similarity", "small"]


@pytest.mark.parametrize(
    "data, message",
    [
        ({"component": [{"oracle": "qde", "weight": 1}]}, "did you mean 'qed'"),
        ({"component": [{"weight": 1}]}, "component 1: missing key 'oracle'"),
        ({"component": [{"oracle": "qed", "weight": -1}]}, "component 1 → weight: Input should be greater"),
        ({"component": [{"oracle": "qed", "weight": 1, "wieght": 1}]}, "unknown key 'wieght'"),
        ({"component": [{"oracle": "qed", "weight": 1}], "colour": "red"}, "unknown key 'colour'"),
        (
            {"component": [{"oracle": "similarity", "weight": 1, "params": {"smiles": ["CCO"], "n_bits": 1}}]},
            "component 1 (similarity): oracle 'similarity' parameter 'n_bits': "
            "Input should be greater than or equal to 64 (got 1)",
        ),
        (
            {"component": [{"oracle": "qed", "weight": 1, "transform": {"type": "sigmoid", "low": 1}}]},
            "needs parameter 'high'",
        ),
        ({"component": [{"oracle": "qed", "weight": 1}, {"oracle": "qed", "weight": 1}]}, "must be unique"),
        ({"component": []}, "at least 1 item"),
        ({"component": [{"oracle": "qed", "weight": 1, "role": "filter"}]}, "at least one component with role"),
    ],
)
def test_bad_objectives_name_the_problem(data, message):
    with pytest.raises(ObjectiveError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Objective.from_dict(data)


def test_bad_toml_and_missing_file(tmp_path):
    with pytest.raises(ObjectiveError, match="not valid TOML"):
        Objective.from_toml("name = \n[[")
    with pytest.raises(ObjectiveError, match="not found"):
        Objective.from_toml(tmp_path / "missing.toml")


def test_all_invalid_and_empty_batches():
    objective = Objective.from_toml(TOML)
    assert objective([]).shape == (0,)
    assert all(math.isnan(x) for x in objective(["bad", None]))


def test_a_file_name_with_an_equals_sign_is_read_as_a_file(tmp_path):
    path = tmp_path / "weight=2.toml"
    Objective.from_dict({"component": [{"oracle": "qed", "weight": 2.0}]}).to_toml(path)
    assert Objective.from_toml(str(path)).labels == ["qed"] == Objective.from_toml_file(path).labels
    assert Objective.from_toml_text(path.read_text()).labels == ["qed"]
    with pytest.raises(ObjectiveError, match="not found"):
        Objective.from_toml_file(tmp_path / "weight=3.toml")


def test_a_component_without_a_weight_weighs_one_as_in_the_app():
    from molmara import Objective

    assert Objective.from_dict({"component": [{"oracle": "qed"}]}).config.component[0].weight == 1.0
