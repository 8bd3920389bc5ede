"""REINVENT 4 staged-learning TOML → a molmara run config, with a note for everything not carried over.

Facts (REINVENT 4.8: `reinvent/runmodes/RL/validation.py`, `reinvent/scoring/`, `reinvent_plugins/components/`):
`[parameters]` prior_file, agent_file, batch_size (default 100), randomize_smiles (no effect on 'Reinvent'
models); `[learning_strategy]` type "dap" (the REINVENT loss), sigma (128), rate (1e-4); `[diversity_filter]`
type, bucket_size (25), minscore (0.4); `[inception]` memory_size (50), sample_size (10); `[[stage]]` max_steps,
`[stage.scoring]` type geometric_mean | arithmetic_mean and components written as
`[[stage.scoring.component]]` / `[stage.scoring.component.NAME]` / `[[stage.scoring.component.NAME.endpoint]]`
with name, weight, params.* and transform.*. A component's name is matched lower-cased without "-" and "_".
MatchingSubstructure is a penalty (the total × 1 on a match, × 0.5 otherwise) and custom_alerts a filter (0 on
any match); the descriptors are RDKit's (MolWt, Crippen logP, Lipinski counts). The converted run uses
REINVENT's algorithm (`mara = false`): set `mara = true` to compare MARA on the same settings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from molmara.oracles.similarity import FINGERPRINT_NAMES

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

DESCRIPTORS = {
    "qed": "qed",
    "sascore": "sa",
    "molecularweight": "mw",
    "slogp": "logp",
    "hbondacceptors": "hba",
    "hbonddonors": "hbd",
    "numrotbond": "rotatable_bonds",
    "csp3": "fsp3",
    "numheavyatoms": "heavy_atoms",
    "numrings": "rings",
    "numaromaticrings": "aromatic_rings",
    "tpsa": "tpsa",
}
"""REINVENT 4 component (normalised name) → the molmara oracle that computes the same RDKit function."""
UNBOUNDED = {"mw", "logp", "hba", "hbd", "rotatable_bonds", "heavy_atoms", "rings", "aromatic_rings", "tpsa", "sa"}
TRANSFORMS = {"sigmoid", "reverse_sigmoid", "double_sigmoid", "step", "left_step", "right_step"}
AGGREGATIONS = {"geometric_mean": "geometric", "custom_product": "geometric", "arithmetic_mean": "arithmetic",
                "custom_sum": "arithmetic"}  # fmt: skip
FINGERPRINTS = {(2, False): "ecfp4_count", (2, True): "fcfp4_count", (3, False): "ecfp6_count",
                (3, True): "fcfp6_count"}  # fmt: skip
NOT_NEEDED = {"run_type", "tb_logdir", "json_out_config", "summary_csv_prefix", "tb_isim", "use_checkpoint",
              "purge_memories"}  # fmt: skip


class ReinventConfigError(ValueError):
    """A REINVENT 4 config that cannot be converted at all (not TOML, not staged learning, no stage)."""


def _normalise(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "")


def _path(value: str, folder: Path) -> str:
    path = Path(value)
    return str(path if path.is_absolute() else (folder / path).resolve())


def _read(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReinventConfigError(f"REINVENT config not found: {path}") from None
    except UnicodeDecodeError:
        raise ReinventConfigError(f"REINVENT config {path} is not UTF-8 text") from None
    try:
        return json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as err:
        raise ReinventConfigError(f"REINVENT config {path} cannot be read: {err}") from None


def convert_staged_learning(path: str | Path) -> tuple[dict[str, Any], list[str]]:
    """(molmara run config, notes): the notes name every key and component not carried over, and why."""
    path = Path(path)
    data = _read(path)
    folder = path.parent
    notes: list[str] = []
    if data.get("run_type", "staged_learning") != "staged_learning":
        raise ReinventConfigError(f"{path}: run_type {data.get('run_type')!r}; only staged_learning converts")
    stages = data.get("stage") or []
    if not stages:
        raise ReinventConfigError(f"{path}: no [[stage]]; a staged-learning config needs one")
    params = dict(data.get("parameters", {}))
    config: dict[str, Any] = {"name": path.stem, "loss": "reinvent", "mara": False, "duplicates": "zero"}
    if "prior_file" in params:
        config["prior"] = _path(params.pop("prior_file"), folder)
    agent = params.pop("agent_file", None)
    if agent is not None and _path(agent, folder) != config.get("prior"):
        config["agent"] = _path(agent, folder)
    config["batch_size"] = int(params.pop("batch_size", 100))
    if params.pop("randomize_smiles", None):
        notes.append("parameters.randomize_smiles: ignored (REINVENT 4 ignores it for 'Reinvent' models too)")
    if params.pop("unique_sequences", None) is not None:
        notes.append("parameters.unique_sequences: not carried over (REINVENT 4.8 refuses it; repeats score 0)")
    if params.pop("isomeric_smiles", False):
        notes.append("parameters.isomeric_smiles: molmara always keeps stereo in canonical SMILES")
    if params.pop("temperature", 1.0) != 1.0:
        notes.append("parameters.temperature: not carried over (REINVENT uses it for transformer models only)")
    for key in sorted(params):
        notes.append(f"parameters.{key}: {'not needed' if key in NOT_NEEDED else 'not carried over'}")
    if "seed" in data:
        config["seed"] = int(data["seed"])
    device = str(data.get("device", "cpu"))
    config["device"] = "auto" if device.startswith("cuda") else device
    if device.startswith("cuda"):
        notes.append(f"device {device!r}: written as 'auto' (the GPU when there is one)")
    _strategy(data.get("learning_strategy", {}), config, notes)
    first = stages[0]
    filters = first.get("diversity_filter", data.get("diversity_filter"))
    if filters:
        _diversity_filter(filters, config, notes)
    if data.get("inception"):
        _inception(data["inception"], config, notes)
    config["max_steps"] = int(first.get("max_steps", 100))
    config["max_oracle_calls"] = config["max_steps"] * config["batch_size"]  # no budget: as many as it can score
    if first.get("termination", "simple") != "simple" or "max_score" in first:
        notes.append(
            f"stage 1 termination {first.get('termination', 'simple')!r} (max_score {first.get('max_score', 1.0)}, "
            f"min_steps {first.get('min_steps', 50)}): not carried over; the run goes max_steps steps"
        )
    if "chkpt_file" in first:
        notes.append("stage 1 chkpt_file: not needed (the run folder keeps the checkpoint and agent.prior)")
    if len(stages) > 1:
        notes.append(f"stages 2–{len(stages)}: not carried over (molmara runs the first stage)")
    config["objective"] = _objective(first.get("scoring", {}), folder, notes, path.stem)
    for key in sorted(set(data) - {"parameters", "learning_strategy", "diversity_filter", "inception", "stage",
                                   "seed", "device"} - NOT_NEEDED):  # fmt: skip
        notes.append(f"{key}: not carried over")
    return config, notes


def _strategy(strategy: dict, config: dict, notes: list[str]) -> None:
    kind = strategy.get("type", "dap")
    if kind != "dap":
        notes.append(f"learning_strategy.type {kind!r}: not carried over; molmara uses the REINVENT (dap) loss")
    config["sigma"] = float(strategy.get("sigma", 128))
    config["learning_rate"] = float(strategy.get("rate", 1e-4))


def _diversity_filter(section: dict, config: dict, notes: list[str]) -> None:
    kind = section.get("type", "IdenticalMurckoScaffold")
    if kind != "IdenticalMurckoScaffold":
        notes.append(f"diversity_filter.type {kind!r}: not carried over (molmara has IdenticalMurckoScaffold)")
        return
    config["diversity_filter"] = {
        "enabled": True,
        "bucket_size": int(section.get("bucket_size", 25)),
        "min_score": float(section.get("minscore", 0.4)),
    }


def _inception(section: dict, config: dict, notes: list[str]) -> None:
    config["replay"] = {"memory_size": int(section.get("memory_size", 50)),
                        "sample_size": int(section.get("sample_size", 10))}  # fmt: skip
    if section.get("smiles_file"):
        notes.append("inception.smiles_file: not carried over (molmara's replay starts empty)")
    if section.get("deduplicate") is False:
        notes.append("inception.deduplicate = false: not carried over (molmara's replay keeps each molecule once)")


def _objective(scoring: dict, folder: Path, notes: list[str], name: str) -> dict:
    if scoring.get("filename"):
        scoring = {**_read(Path(_path(scoring["filename"], folder))).get("scoring", {}), **scoring}
    kind = scoring.get("type", "geometric_mean")
    if kind not in AGGREGATIONS:
        raise ReinventConfigError(f"scoring type {kind!r}: molmara aggregates {sorted(AGGREGATIONS)}")
    components: list[dict] = []
    for entry in scoring.get("component", []):
        for component_name, body in entry.items():
            for number, endpoint in enumerate(body.get("endpoint", [{}]), start=1):
                merged = {**body.get("params", {}), **endpoint.get("params", {})}
                converted = _component(component_name, endpoint, merged, notes, number)
                if converted is not None:
                    converted["name"] = _unique(converted["name"], components)
                    components.append(converted)
    if not any(c.get("role", "score") == "score" for c in components):
        raise ReinventConfigError("no scoring component could be carried over (see the notes above)")
    return {"name": name, "aggregation": AGGREGATIONS[kind], "component": components}


def _unique(label: str, components: list[dict]) -> str:
    taken = {c["name"] for c in components}
    out, number = label, 2
    while out in taken:
        out, number = f"{label} {number}", number + 1
    return out


def _component(component: str, endpoint: dict, params: dict, notes: list[str], number: int) -> dict | None:
    where = f"component {component} (endpoint {number})"
    key = _normalise(component)
    label = str(endpoint.get("name", component))
    weight = float(endpoint.get("weight", 1.0))
    if key == "customalerts":
        return {"oracle": "smarts", "name": label, "weight": 1.0, "role": "filter",
                "params": {"patterns": list(params.get("smarts", [])), "mode": "forbidden"}}  # fmt: skip
    if key == "matchingsubstructure":
        if any(_as_list(params.get("use_chirality", False))):
            notes.append(f"{where}: use_chirality = true not carried over (molmara matches without chirality)")
        smarts = params.get("smarts", [])
        return {"oracle": "smarts", "name": label, "weight": 0.5, "role": "penalty",
                "params": {"patterns": _as_list(smarts), "mode": "required"}}  # fmt: skip
    if key in ("tanimotosimilarity", "tanimotodistance"):
        oracle = _similarity(params, where, notes)
    elif key in DESCRIPTORS:
        if key == "tpsa" and any(_as_list(params.get("includeSandP", False))):
            notes.append(f"{where}: includeSandP = true is not carried over; component left out")
            return None
        oracle = {"oracle": DESCRIPTORS[key]}
    else:
        notes.append(f"{where}: molmara has no {component!r} component; left out of the objective")
        return None
    if oracle is None:
        return None
    converted = {**oracle, "name": label, "weight": weight}
    transform = endpoint.get("transform")
    if transform:
        kind = transform.get("type", "")
        if _normalise(kind) not in {_normalise(t) for t in TRANSFORMS}:
            notes.append(f"{where}: transform {kind!r} not carried over; component left out")
            return None
        kind = next(t for t in TRANSFORMS if _normalise(t) == _normalise(kind))
        converted["transform"] = {"type": kind, **{k: v for k, v in transform.items() if k != "type"}}
    elif converted["oracle"] in UNBOUNDED:
        notes.append(f"{where}: no transform; REINVENT uses the raw value, molmara clips it to [0, 1]")
    return converted


def _as_list(value: object) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _similarity(params: dict, where: str, notes: list[str]) -> dict | None:
    smiles = _as_list(params.get("smiles", []))
    radius = int(params.get("radius", 2))
    counts, features = bool(params.get("use_counts", True)), bool(params.get("use_features", False))
    if (radius, features) not in FINGERPRINTS:
        notes.append(f"{where}: radius {radius} not carried over (molmara has radius 2 and 3); component left out")
        return None
    fingerprint = FINGERPRINTS[(radius, features)]
    if not counts:
        fingerprint = fingerprint.removesuffix("_count")
        if fingerprint not in FINGERPRINT_NAMES:
            notes.append(f"{where}: use_counts = false with these settings is not carried over; component left out")
            return None
        notes.append(f"{where}: use_counts = false approximated by {fingerprint} folded to 2048 bits")
    if len(smiles) > 1:
        notes.append(f"{where}: {len(smiles)} reference SMILES in one endpoint: molmara takes the highest similarity")
    return {"oracle": "similarity", "params": {"smiles": smiles, "fingerprint": fingerprint, "aggregate": "max"}}
