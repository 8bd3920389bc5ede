"""Molecule pictures drawn locally by RDKit (SVG), for the app and notebooks: nothing loads from the internet."""

from __future__ import annotations

from collections.abc import Sequence

from rdkit.Chem import Draw

from molmara.chem.smiles import to_mol


def grid_svg(smiles: Sequence[str], legends: Sequence[str] | None = None, per_row: int = 4, size: int = 220) -> str:
    """An SVG grid of the valid molecules among `smiles` (invalid ones are left out with their legends)."""
    legends = list(legends) if legends is not None else list(smiles)
    pairs = [(m, legend) for m, legend in zip((to_mol(s) for s in smiles), legends, strict=True) if m is not None]
    if not pairs:
        return "<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'></svg>"
    mols, kept_legends = zip(*pairs, strict=True)
    svg = Draw.MolsToGridImage(
        list(mols),
        molsPerRow=per_row,
        subImgSize=(size, size),
        legends=[str(x)[:40] for x in kept_legends],
        useSVG=True,
    )
    return getattr(svg, "data", svg)  # under IPython, RDKit wraps the SVG text in a display object
