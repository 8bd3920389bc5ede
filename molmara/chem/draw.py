"""Molecule pictures drawn locally by RDKit (SVG), for the app and notebooks: nothing loads from the internet."""

from __future__ import annotations

from collections.abc import Sequence

from rdkit import Chem
from rdkit.Chem import Draw, rdDepictor

from molmara.chem.smiles import to_mol


def grid_svg(
    smiles: Sequence[str | Chem.Mol],
    legends: Sequence[str] | None = None,
    per_row: int = 4,
    size: int = 220,
    core: str | None = None,
) -> str:
    """An SVG grid of the valid molecules among `smiles` (invalid ones are left out with their legends).

    `core` (a scaffold SMILES): each molecule that contains it is drawn in the core's orientation with the core's
    atoms and bonds highlighted, so that a series reads as one scaffold with different decorations."""
    legends = list(legends) if legends is not None else list(smiles)
    mols = (s if isinstance(s, Chem.Mol) else to_mol(s) for s in smiles)  # parsed molecules are used as they are
    pairs = [(m, legend) for m, legend in zip(mols, legends, strict=True) if m is not None]
    if not pairs:
        return "<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'></svg>"
    mols, kept_legends = zip(*pairs, strict=True)
    mols = [Chem.Mol(m) for m in mols]
    highlights = _align_to_core(mols, core) if core else None
    svg = Draw.MolsToGridImage(
        mols,
        molsPerRow=per_row,
        subImgSize=(size, size),
        legends=[str(x)[:40] for x in kept_legends],
        useSVG=True,
        highlightAtomLists=highlights[0] if highlights else None,
        highlightBondLists=highlights[1] if highlights else None,
    )
    return getattr(svg, "data", svg)  # under IPython, RDKit wraps the SVG text in a display object


def _align_to_core(mols: list[Chem.Mol], core: str) -> tuple[list[list[int]], list[list[int]]] | None:
    """Lay out each molecule on the core's 2D coordinates (in place); the matched atoms and bonds of each."""
    pattern = to_mol(core)
    if pattern is None or pattern.GetNumAtoms() == 0:
        return None
    rdDepictor.Compute2DCoords(pattern)
    atoms, bonds = [], []
    for mol in mols:
        match = mol.GetSubstructMatch(pattern)
        if match:
            rdDepictor.GenerateDepictionMatching2DStructure(mol, pattern)
            matched = set(match)
            bond_ids = [b.GetIdx() for b in mol.GetBonds() if {b.GetBeginAtomIdx(), b.GetEndAtomIdx()} <= matched]
        else:
            bond_ids = []
        atoms.append(list(match))
        bonds.append(bond_ids)
    return atoms, bonds
