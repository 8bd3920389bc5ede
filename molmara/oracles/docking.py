"""The `docking` oracle: the best AutoDock Vina score (kcal/mol, lower is better) of a molecule in a receptor's box.

Needs the `docking` extra (`pip install "molmara[docking]"`: vina, meeko, gemmi, dimorphite_dl, dockstring).
Receptors: the 58 curated targets of the DOCKSTRING package (García-Ortegón et al., 2022; Apache-2.0), whose
`<TARGET>_target.pdbqt` and box `<TARGET>_conf.txt` ship in its wheel, or your own PDBQT with a box. The
ligand is prepared in RDKit, without Open Babel: protonated at pH 7.4 (dimorphite_dl, RDKit-based), one
fragment required, hydrogens added, embedded with ETKDG v3 (seeded), cleaned up with MMFF94 (UFF when MMFF
lacks parameters), written as PDBQT by meeko; Vina (the Python binding, `vina` scoring function) docks it in
a child process (`molmara.oracles.vina_process`) that holds the receptor's maps, so a docking past
`timeout` is stopped. A molecule that cannot be prepared, or whose docking fails or times out, scores NaN
with the reason. The same seed on the same machine gives the same scores.

In a run, the best pose of every docked molecule is written to `<run folder>/poses/` as an SDF file (the
score, the target and the SMILES as properties); `collect_poses` joins them into one SDF.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from pathlib import Path

from rdkit import Chem
from rdkit.Chem import AllChem

from molmara.chem.smiles import mol_to_smiles
from molmara.oracles.base import MoleculeError, Oracle, OracleError, Param
from molmara.oracles.registry import register
from molmara.oracles.vina_process import Receptor, VinaFailure, VinaProcess, VinaTimeout

DOCKSTRING_SEED = 974528263
"""DOCKSTRING's default seed, for ETKDG and for Vina."""

MACROCYCLES = ("rigid", "flexible")
"""How a ligand's macrocycles are docked: kept as embedded, or opened by meeko for a flexible search."""

POSES = "poses"
"""The folder of a run where the poses go."""

INSTALL_HINT = 'the docking oracle needs the docking extra: pip install "molmara[docking]"'


def dockstring_targets_folder() -> Path:
    """Where the DOCKSTRING package keeps its receptor files."""
    try:
        import dockstring
    except ImportError:
        raise OracleError(INSTALL_HINT + " (dockstring provides the receptors)") from None
    return Path(dockstring.__file__).parent / "resources" / "targets"


def dockstring_targets() -> list[str]:
    """The names of DOCKSTRING's targets (DRD2, JAK2, PARP1, …)."""
    return sorted(p.name.removesuffix("_target.pdbqt") for p in dockstring_targets_folder().glob("*_target.pdbqt"))


def read_box(conf: Path) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """Centre and size of a Vina config file (`center_x = …`, `size_x = …`)."""
    values = {}
    for line in conf.read_text().splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = float(value)
    try:
        return tuple(values[f"center_{a}"] for a in "xyz"), tuple(values[f"size_{a}"] for a in "xyz")
    except KeyError as err:
        raise OracleError(f"box file {conf} has no {err.args[0]}") from None


def resolve_receptor(target: str, center: list, size: list) -> Receptor:
    """A DOCKSTRING target by name (its own box unless `center`/`size` are given), or a PDBQT path with a box."""
    given = [float(v) for v in center], [float(v) for v in size]
    for name, values in zip(("center", "size"), given, strict=True):
        if values and len(values) != 3:
            raise OracleError(f"oracle 'docking' parameter {name!r}: needs 3 numbers (x, y, z in Å), got {values}")
    if given[1] and min(given[1]) <= 0:
        raise OracleError(f"oracle 'docking' parameter 'size': every side must be positive, got {given[1]}")
    if target.lower().endswith(".pdbqt"):
        path = Path(target).expanduser()
        if not path.is_file():
            raise OracleError(f"oracle 'docking' parameter 'target': no receptor file {path}")
        if not (given[0] and given[1]):
            raise OracleError("oracle 'docking': a receptor PDBQT needs its box: center = [x, y, z], size = [x, y, z]")
        return Receptor(str(path), tuple(given[0]), tuple(given[1]))
    folder = dockstring_targets_folder()
    pdbqt = folder / f"{target.upper()}_target.pdbqt"
    if not pdbqt.is_file():
        raise OracleError(
            f"oracle 'docking' parameter 'target': {target!r} is not a DOCKSTRING target nor a .pdbqt file "
            f"(targets: {', '.join(dockstring_targets())})"
        )
    box_center, box_size = read_box(folder / f"{target.upper()}_conf.txt")
    return Receptor(str(pdbqt), tuple(given[0]) or box_center, tuple(given[1]) or box_size)


def prepare_ligand(
    mol: Chem.Mol, ph: float, seed: int, embed_timeout: int = 60, macrocycles: str = "rigid"
) -> tuple[str, Chem.Mol]:
    """The ligand's PDBQT and the prepared molecule (protonated, hydrogens, 3D); `MoleculeError` says what failed.

    `macrocycles`: "rigid" keeps a macrocycle in the conformation of the 3D embedding (as DOCKSTRING does);
    "flexible" lets meeko open rings of 7–33 atoms with closure pseudo-atoms that Vina glues back while it
    searches. Icotinib in EGFR (`benchmarks.dockstring_comparison`, exhaustiveness 8, three seeds): rigid −10.95,
    −10.59, −10.38 kcal/mol against DOCKSTRING's −10.2; flexible −7.16, −7.12, −7.07 (the rows before rigid was
    the default, in the history of `benchmarks/results/dockstring_comparison_rows.csv`).
    """
    if macrocycles not in MACROCYCLES:
        raise ValueError(f"macrocycles must be one of {', '.join(MACROCYCLES)}, got {macrocycles!r}")
    from dimorphite_dl import protonate_smiles
    from meeko import MoleculePreparation, PDBQTWriterLegacy

    if len(Chem.GetMolFrags(mol)) != 1:
        raise MoleculeError("more than one fragment: dock one molecule at a time")
    if any(atom.GetNumRadicalElectrons() for atom in mol.GetAtoms()):
        raise MoleculeError("radicals cannot be docked")
    try:
        protonated = protonate_smiles(Chem.MolToSmiles(mol), ph_min=ph, ph_max=ph, max_variants=1)
    except Exception as err:
        raise MoleculeError(f"could not protonate at pH {ph:g} ({type(err).__name__})") from None
    parsed = Chem.MolFromSmiles(protonated[0]) if protonated else None
    if parsed is None:
        raise MoleculeError(f"could not protonate at pH {ph:g}")
    prepared = Chem.AddHs(parsed)
    params = AllChem.ETKDGv3()
    params.randomSeed = seed
    params.timeout = embed_timeout
    params.maxIterations = 10 * prepared.GetNumAtoms()  # DOCKSTRING's allowance of attempts
    if AllChem.EmbedMolecule(prepared, params) != 0:
        raise MoleculeError("could not embed the molecule in 3D")
    if AllChem.MMFFHasAllMoleculeParams(prepared):
        AllChem.MMFFOptimizeMolecule(prepared, mmffVariant="MMFF94", maxIters=1000)
    elif AllChem.UFFHasAllMoleculeParams(prepared):
        AllChem.UFFOptimizeMolecule(prepared, maxIters=1000)
    else:
        raise MoleculeError("no force-field parameters for this molecule (MMFF94 and UFF both lack some)")
    try:
        setups = MoleculePreparation(rigid_macrocycles=macrocycles == "rigid").prepare(prepared)
        pdbqt, ok, error = PDBQTWriterLegacy.write_string(setups[0])
    except Exception as err:
        raise MoleculeError(f"meeko could not prepare it ({type(err).__name__}: {_short(err)})") from None
    if not ok:
        raise MoleculeError(f"meeko could not write it: {_short(error)}")
    return pdbqt, prepared


def _short(message: object, limit: int = 160) -> str:
    """A tool's message on one line, cut to `limit` characters (reasons are shown in tables)."""
    text = " ".join(str(message).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def pose_sdf(poses_pdbqt: str, properties: dict[str, object]) -> str:
    """The first pose of Vina's output as an SDF record with `properties`."""
    from meeko import PDBQTMolecule, RDKitMolCreate

    molecules = RDKitMolCreate.from_pdbqt_mol(PDBQTMolecule(poses_pdbqt, skip_typing=True))
    pose = molecules[0] if molecules and molecules[0] is not None else None
    if pose is None:
        raise MoleculeError("docked, but the pose could not be turned back into a molecule")
    for key, value in properties.items():
        pose.SetProp(key, str(value))
    buffer = io.StringIO()
    with Chem.SDWriter(buffer) as writer:
        writer.write(pose, confId=0)
    return buffer.getvalue()


def _digest(smiles: str) -> str:
    return hashlib.sha1(smiles.encode()).hexdigest()[:16]


def pose_file(folder: str | Path, smiles: str, target: str) -> Path:
    """Where the pose of `smiles` (canonical) against `target` is kept in a run folder."""
    return Path(folder) / POSES / f"{Path(target).stem.upper()}-{_digest(smiles)}.sdf"


def _by_score(paths: list[Path]) -> str:
    records = []
    for path in paths:
        text = path.read_text()
        found = re.search(r"<vina_score>[^\n]*\n([^\n]+)", text)
        records.append((float(found.group(1)) if found else math.inf, path.name, text))
    return "".join(text for _, _, text in sorted(records))


def collect_poses(folder: str | Path, smiles: list[str] | None = None) -> str:
    """The poses of a run folder as one SDF text, best score first: all of them, or those of `smiles`
    (canonical SMILES; every target's pose of each)."""
    poses = Path(folder) / POSES
    if smiles is None:
        return _by_score(sorted(poses.glob("*.sdf")))
    return _by_score([path for s in dict.fromkeys(smiles) for path in sorted(poses.glob(f"*-{_digest(s)}.sdf"))])


@register
class DockingOracle(Oracle):
    name = "docking"
    description = "AutoDock Vina score of the best pose in a receptor's box (kcal/mol, lower is better)"
    params = (
        Param("target", str, "DRD2", "a DOCKSTRING target (DRD2, JAK2, PARP1, ESR1, EGFR, …) or a receptor .pdbqt"),
        Param("center", list, [], "box centre x, y, z in Å (a .pdbqt target needs it; a named target has its own)"),
        Param("size", list, [], "box size x, y, z in Å (as center)"),
        Param("exhaustiveness", int, 8, "Vina's search effort (DOCKSTRING uses 8)", min=1, max=128),
        Param("n_poses", int, 9, "poses Vina refines; the best is scored and kept", min=1, max=50),
        Param("seed", int, DOCKSTRING_SEED, "seed of the 3D embedding and of Vina", min=0, max=2**31 - 1),
        Param("cpus", int, 1, "CPU threads Vina uses for one molecule", min=1, max=256),
        Param("timeout", float, 600.0, "seconds one docking may take; past it the molecule scores NaN", min=1.0),
        Param("ph", float, 7.4, "pH of the protonation", min=0.0, max=14.0),
        Param(
            "macrocycles",
            str,
            "rigid",
            "rings of 7–33 atoms kept as embedded (rigid, as DOCKSTRING) or opened for a flexible search",
            choices=MACROCYCLES,
        ),
    )
    value_range = (-20.0, 0.0)
    cost = "expensive"

    def setup(self) -> None:
        for module in ("vina", "meeko", "gemmi", "dimorphite_dl"):
            try:
                __import__(module)
            except ImportError:
                raise OracleError(f"{INSTALL_HINT} ({module} is missing)") from None
        c = self.config
        self.receptor = resolve_receptor(c["target"], c["center"], c["size"])
        self.target = c["target"] if not c["target"].lower().endswith(".pdbqt") else Path(c["target"]).stem
        self._vina = VinaProcess(self.receptor, cpus=c["cpus"], seed=c["seed"])
        self.pose_folder: Path | None = None

    def attach_run_folder(self, folder: str | Path) -> None:
        """Write the best pose of every molecule docked from now on under `folder/poses/`."""
        self.pose_folder = Path(folder)

    def seconds_needed(self) -> float:
        return self.config["timeout"] + 120.0  # the preparation, then the docking's own time limit

    def score_mol(self, mol: Chem.Mol) -> float:
        return self.dock(mol)

    def dock(self, mol: Chem.Mol) -> float:
        """The best Vina score of one molecule (its pose written when a run folder is attached)."""
        c = self.config
        pdbqt, _ = prepare_ligand(mol, c["ph"], c["seed"], macrocycles=c["macrocycles"])
        try:
            energy, poses = self._vina.dock(pdbqt, c["exhaustiveness"], c["n_poses"], c["timeout"])
        except VinaTimeout as err:
            raise MoleculeError(f"timed out: {err}") from None
        except VinaFailure as err:
            raise MoleculeError(f"Vina failed: {_short(err)}") from None
        if self.pose_folder is not None:
            smiles = mol_to_smiles(mol) or Chem.MolToSmiles(mol)
            path = pose_file(self.pose_folder, smiles, self.target)
            path.parent.mkdir(parents=True, exist_ok=True)
            record = pose_sdf(poses, {"smiles": smiles, "vina_score": energy, "target": self.target,
                                      "exhaustiveness": c["exhaustiveness"], "seed": c["seed"]})  # fmt: skip
            tmp = path.with_suffix(".tmp")
            tmp.write_text(record)
            tmp.replace(path)
        return energy
