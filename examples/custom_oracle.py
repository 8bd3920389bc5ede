"""A chemist's script: a custom oracle, combined with built-ins, scoring a SMILES file.

    python examples/custom_oracle.py molecules.smi scores.csv

The same objective, saved as TOML, gives the same numbers on the command line:

    molmara score custom_objective.toml molecules.smi -o scores_cli.csv --oracle-module examples/custom_oracle.py
"""

import sys

import molmara
from molmara.scoring import score_file


@molmara.oracle(description="Number of nitrogen atoms", value_range=(0, 20))
def n_nitrogen(mol):
    return sum(atom.GetSymbol() == "N" for atom in mol.GetAtoms())


OBJECTIVE = {
    "name": "drug-like, easy to make, two nitrogens",
    "component": [
        {"oracle": "qed", "weight": 1.0},
        {"oracle": "sa", "weight": 1.0, "transform": {"type": "reverse_sigmoid", "low": 2.0, "high": 5.0}},
        {"oracle": "n_nitrogen", "weight": 0.5, "transform": {"type": "gaussian", "mu": 2.0, "sigma": 1.0}},
        {"oracle": "alerts", "weight": 1.0, "role": "filter"},
    ],
}

if __name__ == "__main__":
    objective = molmara.Objective.from_dict(OBJECTIVE)
    objective.to_toml("custom_objective.toml")
    table = score_file(objective, sys.argv[1], sys.argv[2])
    print(table.sort_values("Score", ascending=False).head(10).to_string(index=False))
