"""Molecule tables as a chemist reads them: the structure first, then the score and each component, then
MW, cLogP, TPSA, HBD, HBA and the scaffold; RL diagnostics behind a toggle. Rows can be filtered by any
numeric column and sorted by any column (click its header); the selection is what the CSV/SDF downloads and
the "copy SMILES" box hold. Structures are drawn here by RDKit (PNG data in the table, nothing fetched)."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from functools import lru_cache, partial

import pandas as pd
import streamlit as st
from rdkit import Chem
from rdkit.Chem import Crippen, Descriptors, Draw, Lipinski, rdMolDescriptors

from molmara.app_support.data import csv_bytes, sdf_text

STRUCTURE = "structure"
PROPERTIES = ("MW", "cLogP", "TPSA", "HBD", "HBA")
RL_COLUMNS = (
    "step", "agent_nll", "prior_nll", "target", "reward", "Agent", "Prior", "Target", "valid", "hit", "over_budget",
    "id", "run_id",
)  # fmt: skip
"""What the RL trainer records beside the chemistry: shown only when the chemist asks."""
STRUCTURE_ROWS = 300
"""Rows drawn with their structure; a longer table shows its best rows drawn and the rest on request."""

FORMATS = {"MW": "%.1f", "cLogP": "%.2f", "TPSA": "%.1f", "HBD": "%d", "HBA": "%d"}


@lru_cache(maxsize=20_000)
def structure_image(smiles: str) -> str | None:
    """A small PNG drawing of the molecule as a data URL (None for what RDKit cannot read)."""
    mol = Chem.MolFromSmiles(smiles) if isinstance(smiles, str) and smiles else None
    if mol is None:
        return None
    drawer = Draw.MolDraw2DCairo(180, 120)
    drawer.drawOptions().clearBackground = False
    Draw.rdMolDraw2D.PrepareAndDrawMolecule(drawer, mol)
    drawer.FinishDrawing()
    return "data:image/png;base64," + base64.b64encode(drawer.GetDrawingText()).decode()


@lru_cache(maxsize=50_000)
def properties(smiles: str) -> tuple[float, float, float, int, int]:
    """MW, cLogP (Crippen), TPSA, HBD and HBA (Lipinski's counts) of a molecule; NaNs when it cannot be read."""
    mol = Chem.MolFromSmiles(smiles) if isinstance(smiles, str) and smiles else None
    if mol is None:
        return (float("nan"),) * 5
    return (
        Descriptors.MolWt(mol), Crippen.MolLogP(mol), rdMolDescriptors.CalcTPSA(mol),
        Lipinski.NumHDonors(mol), Lipinski.NumHAcceptors(mol),
    )  # fmt: skip


def chemistry_first(table: pd.DataFrame, smiles_column: str = "smiles", show_rl: bool = False) -> pd.DataFrame:
    """The table with its properties added and its columns in a chemist's order (structure added by the widget)."""
    out = table.copy()
    values = [properties(s) for s in out[smiles_column]] if smiles_column in out else []
    for i, name in enumerate(PROPERTIES):
        if name not in out and smiles_column in out:
            out[name] = [v[i] for v in values]
    first = [c for c in ("run", smiles_column, "score") if c in out]
    scaffold = [c for c in ("murcko_scaffold", "generic_scaffold") if c in out]
    rl = [c for c in RL_COLUMNS if c in out]
    rest = [c for c in out.columns if c not in set(first + scaffold + rl + list(PROPERTIES) + ["canonical_smiles"])]
    ordered = first + rest + [p for p in PROPERTIES if p in out] + scaffold + (rl if show_rl else [])
    return out[ordered]


def _filter(table: pd.DataFrame, key: str) -> pd.DataFrame:
    numeric = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c]) and table[c].notna().any()]
    with st.expander("Filter"):
        chosen = st.multiselect("filter by", numeric, key=f"{key}-filter-by")
        mask = pd.Series(True, index=table.index)
        for column in chosen:
            values = pd.to_numeric(table[column], errors="coerce")
            low, high = float(values.min()), float(values.max())
            if low == high:
                continue
            picked = st.slider(column, low, high, (low, high), key=f"{key}-filter-{column}")
            mask &= values.between(*picked)
    return table[mask]


def molecule_table(
    table: pd.DataFrame,
    key: str,
    filename: str,
    smiles_column: str = "smiles",
    height: int | None = 320,
    sort_by: str | None = "score",
) -> pd.DataFrame:
    """The molecule table widget (see the module docstring); returns the selected rows (empty: none selected)."""
    table = table.reset_index(drop=True)
    show_rl = st.toggle("RL columns (step, NLLs, reward)", key=f"{key}-rl")
    shown = chemistry_first(table, smiles_column, show_rl)
    if sort_by in shown:
        shown = shown.sort_values(sort_by, ascending=False, kind="stable")
    shown = _filter(shown, key)
    drawn = shown.head(STRUCTURE_ROWS)
    if len(shown) > STRUCTURE_ROWS and st.toggle(f"all {len(shown):,} rows (structures for the first "
                                                  f"{STRUCTURE_ROWS})", key=f"{key}-all"):  # fmt: skip
        drawn = shown
    images = [structure_image(s) if i < STRUCTURE_ROWS else None for i, s in enumerate(drawn[smiles_column])]
    view = drawn.assign(**{STRUCTURE: images})[[STRUCTURE, *drawn.columns]]
    config = {STRUCTURE: st.column_config.ImageColumn(STRUCTURE, width="medium")}
    config.update({c: st.column_config.NumberColumn(format=FORMATS.get(c, "%.3f")) for c in view.columns
                   if c != STRUCTURE and pd.api.types.is_float_dtype(view[c])})  # fmt: skip
    config.update({c: st.column_config.NumberColumn(format=f) for c, f in FORMATS.items() if c in view})
    sizing = {"height": min(height, 40 + 70 * max(1, len(view)))} if height else {}  # no empty rows below
    event = st.dataframe(
        view.reset_index(drop=True), key=key, on_select="rerun", selection_mode="multi-row", hide_index=True,
        row_height=70, column_config=config, **sizing,
    )  # fmt: skip
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    selected = table.loc[drawn.index[rows]]  # the caller's rows, every column kept
    export = drawn.iloc[rows] if rows else drawn
    what = f"{len(selected):,} selected" if rows else f"all {len(drawn):,}"
    left, right, note = st.columns([1, 1, 3])
    left.download_button("CSV", partial(csv_bytes, export), f"{filename}.csv", "text/csv", key=f"{key}-csv",
                         on_click="ignore")  # fmt: skip
    right.download_button("SDF", partial(sdf_text, export, smiles_column), f"{filename}.sdf", "chemical/x-mdl-sdfile",
                          key=f"{key}-sdf", on_click="ignore")  # fmt: skip
    note.caption(f"downloads hold {what} rows; select rows in the table to export only those")
    copy_smiles(export[smiles_column].tolist())
    return selected


def copy_smiles(smiles: Sequence[str]) -> None:
    """A box of SMILES, one a line, with Streamlit's copy button."""
    with st.expander(f"Copy SMILES ({len(smiles):,})"):
        st.code("\n".join(smiles), language=None)
