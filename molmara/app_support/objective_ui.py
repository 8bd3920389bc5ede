"""The Objective builder's forms: one component (oracle parameters from its declaration, transform with
a live plot of its curve, weight, role) and the panel that scores pasted or sampled molecules.

The draft objective lives in `st.session_state["objective"]` (see `forms.draft_from_dict`); widget
keys carry a generation number that changes when a TOML replaces the draft, so that every field
starts again from the loaded values.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd
import streamlit as st

from molmara import oracles
from molmara.app_support.forms import (
    ROLES,
    component_problem,
    curve_range,
    default_transform,
    param_text,
    parse_param,
    transform_curve,
    transform_parameters,
)
from molmara.app_support.widgets import cached_prior, molecule_grid
from molmara.transforms import TRANSFORMS, TransformError


def new_component(oracle: str, uid: int) -> dict:
    """A component for `oracle` with its default parameters and a first transform."""
    spec = oracles.describe(oracle)
    return {
        "uid": uid,
        "oracle": oracle,
        "weight": 1.0,
        "role": "score",
        "params": {},
        "transform": default_transform(oracle, tuple(spec["value_range"])),
    }


def _param_widget(spec: dict, value, key: str):
    label, doc = spec["name"], spec["doc"] or None
    kind = spec["type"]
    if spec["choices"]:
        choices = list(spec["choices"])
        return st.selectbox(label, choices, index=choices.index(value) if value in choices else 0, key=key, help=doc)
    if kind == "int":
        return st.number_input(
            label, value=int(value), step=1, min_value=_bound(spec["min"], int), max_value=_bound(spec["max"], int),
            key=key, help=doc,
        )  # fmt: skip
    if kind == "float":
        return st.number_input(
            label, value=float(value), min_value=_bound(spec["min"], float), max_value=_bound(spec["max"], float),
            key=key, help=doc, format="%g",
        )  # fmt: skip
    if kind == "bool":
        return st.checkbox(label, value=bool(value), key=key, help=doc)
    if kind == "list":
        return st.text_area(label + " (one a line)", value=param_text(spec, value), key=key, help=doc, height=80)
    return st.text_input(label, value=str(value), key=key, help=doc)


def _bound(value, kind):
    return None if value is None or not math.isfinite(value) else kind(value)


def _transform_form(component: dict, value_range: tuple[float, float], key: str) -> dict:
    current = component["transform"]
    kinds = list(TRANSFORMS)
    kind = st.selectbox(
        "transform",
        kinds,
        index=kinds.index(current["type"]) if current["type"] in kinds else 0,
        key=f"{key}-type",
        help="; ".join(f"{k}: {v.description}" for k, v in TRANSFORMS.items()),
    )
    defaults = current if kind == current["type"] else transform_parameters(kind, value_range)
    spec = TRANSFORMS[kind]
    names = [*spec.required, *spec.optional]
    transform = {"type": kind}
    if names:
        columns = st.columns(len(names))
        for column, name in zip(columns, names, strict=True):
            start = defaults.get(name, spec.optional.get(name, 0.0))
            transform[name] = column.number_input(name, value=float(start), key=f"{key}-{kind}-{name}", format="%g")
    return transform


RAW_VALUES = "objective_test_raw"
"""Session key: the raw values of each component on the molecules of the test panel (for the histograms)."""


def _curve_chart(transform: dict, value_range: tuple[float, float], oracle: str, label: str) -> None:
    """The transform's curve; over it, once molecules were scored in the test panel, the histogram of their
    raw values, so that a chemist sees where the prior's molecules sit on the curve before spending a budget."""
    try:
        low, high = curve_range(transform, value_range)
        curve = transform_curve(transform, (low, high))
    except TransformError:
        return  # the problem is shown under the component
    line = (
        alt.Chart(curve)
        .mark_line()
        .encode(x=alt.X("x", title=f"raw {oracle}"), y=alt.Y("y", title="transformed", scale=alt.Scale(domain=[0, 1])))
    )
    raw = pd.Series(st.session_state.get(RAW_VALUES, {}).get(label, []), dtype=float).dropna()
    raw = raw[raw.between(low, high)]
    if raw.empty:
        st.altair_chart(line.properties(height=150))
        return
    bars = (
        alt.Chart(pd.DataFrame({"raw": raw}))
        .mark_bar(opacity=0.35, color="gray")
        .encode(
            x=alt.X("raw:Q", bin=alt.Bin(maxbins=30, extent=[low, high]), title=f"raw {oracle}"),
            y=alt.Y("count():Q", title="test molecules", axis=alt.Axis(orient="right", format=",d", tickMinStep=1)),
        )
    )
    st.altair_chart(alt.layer(bars, line).resolve_scale(y="independent").properties(height=150))
    st.caption(f"grey: the {len(raw):,} test molecules' raw values (test panel below)")


def component_form(component: dict, generation: int, remove) -> dict:
    """The widgets of one component; returns the component as the widgets now say (with its uid)."""
    uid = component["uid"]
    key = f"g{generation}-c{uid}"
    spec = oracles.describe(component["oracle"])
    value_range = tuple(float(v) for v in spec["value_range"])
    label = component.get("name") or component["oracle"]
    with st.expander(f"**{label}** · {component['oracle']} · {component.get('role', 'score')}", expanded=True):
        st.caption(f"{spec['description']} (values {value_range[0]:g} to {value_range[1]:g}, {spec['cost']})")
        left, middle, right, far = st.columns([2, 1, 1, 1])
        name = left.text_input("name (optional)", value=component.get("name") or "", key=f"{key}-name")
        role = right.selectbox(
            "role",
            ROLES,
            index=ROLES.index(component.get("role", "score")),
            key=f"{key}-role",
            help="score: aggregated; filter: the score is 0 where the transformed value is below 0.5; "
            "penalty: the score is multiplied by 1 − weight·(1 − value)",
        )
        if role == "filter":  # pass or fail: a weight would change nothing
            weight = float(component.get("weight", 1.0))
            middle.caption("a filter passes (transformed value ≥ 0.5) or sets the score to 0; it has no weight")
        else:
            weight = middle.number_input(
                "weight", value=float(component.get("weight", 1.0)), min_value=0.0, key=f"{key}-weight", format="%g"
            )
        far.button("Remove", key=f"{key}-remove", on_click=remove, args=(uid,))
        params, problems = {}, []
        for param in spec["params"]:
            value = component.get("params", {}).get(param["name"], param["default"])
            raw = _param_widget(param, value, f"{key}-p-{param['name']}")
            try:
                parsed = parse_param(param, raw)
            except ValueError as err:
                problems.append(str(err))
                continue
            if parsed != param["default"]:
                params[param["name"]] = parsed
        transform_column, plot_column = st.columns([1, 1])
        with transform_column:
            transform = _transform_form(component, value_range, f"{key}-t")
        with plot_column:
            _curve_chart(transform, value_range, component["oracle"], component.get("name") or component["oracle"])
        updated = {"uid": uid, "oracle": component["oracle"], "weight": weight, "role": role}
        updated.update(name=name.strip() or None, params=params, transform=transform)
        problem = problems[0] if problems else component_problem(updated)
        if problem:
            st.error(problem)
    return updated


def test_panel(objective) -> None:
    """Score pasted SMILES or molecules sampled from the prior; show raw and transformed values, drawn."""
    pasted, sampled = st.tabs(["Pasted SMILES", "Sampled from the prior"])
    with pasted:
        text = st.text_area(
            "SMILES, one a line", value="CC(=O)Nc1ccc(O)cc1\nCC(=O)Oc1ccccc1C(=O)O\nc1ccccc1", key="test_smiles"
        )
        if st.button("Score these", key="score_pasted", disabled=objective is None):
            smiles = [line.strip().split()[0] for line in text.splitlines() if line.strip()]
            st.session_state["objective_test"] = smiles or None
            if not smiles:
                st.warning("Paste at least one SMILES.")
    with sampled:
        left, right = st.columns(2)
        n = left.number_input("molecules", min_value=1, max_value=2000, value=32, key="test_n")
        seed = right.number_input("seed", min_value=0, value=0, key="test_seed")
        if st.button("Sample and score", key="score_sampled", disabled=objective is None):
            import torch

            with st.spinner(f"sampling {n} molecules from the shipped prior"):
                result = cached_prior().sample(int(n), generator=torch.Generator().manual_seed(int(seed)))
            st.session_state["objective_test"] = result.smiles
    smiles = st.session_state.get("objective_test")
    if not smiles or objective is None:
        return
    st.caption(f"{len(smiles)} molecules, scored with the objective as it stands now")
    table = _score(objective.to_toml(), tuple(smiles))
    scored_key = (objective.to_toml(), tuple(smiles))  # not the values: NaN != NaN would rerun for ever
    if st.session_state.get(f"{RAW_VALUES}-key") != scored_key:  # the components above draw them on the next run
        raw = {label: table[f"{label} (raw)"].tolist() for label in objective.labels if f"{label} (raw)" in table}
        st.session_state[RAW_VALUES], st.session_state[f"{RAW_VALUES}-key"] = raw, scored_key
        st.rerun()
    invalid = table.loc[~table["valid"], ["SMILES", "invalid_reason"]].values.tolist()
    if invalid:
        shown = ", ".join(f"`{s}` ({why})" if why else f"`{s}`" for s, why in invalid[:5])
        shown += " …" if len(invalid) > 5 else ""
        st.warning(f"{len(invalid)} of {len(table)} are not valid molecules and score NaN: {shown}")
    slow = table.loc[table["invalid_reason"].str.startswith("timed out"), "SMILES"].tolist()
    if slow:
        st.warning(f"{len(slow)} took an oracle over {TEST_TIME_LIMIT:g} s and score NaN (timed out): `{slow[0]}`")
    mixtures = [s for s, ok in zip(table["SMILES"], table["valid"], strict=True) if ok and "." in str(s)]
    if mixtures:
        policy = objective.config.fragments
        st.warning(
            f"{len(mixtures)} are salts or mixtures (several fragments), scored as fragments = {policy!r} says: "
            + ", ".join(f"`{s}`" for s in mixtures[:5])
        )
    table = with_filters_as_pass_fail(table, objective)
    formats = {c: st.column_config.NumberColumn(format="%.4g" if c.endswith("(raw)") else "%.3f")
               for c in table.columns if pd.api.types.is_float_dtype(table[c])}  # fmt: skip
    st.dataframe(table, hide_index=True, column_config=formats)
    valid = table[table["valid"]].sort_values("Score", ascending=False)
    molecule_grid(valid["SMILES"].tolist(), [f"{s:.3f}" for s in valid["Score"].fillna(math.nan)], limit=12)


def with_filters_as_pass_fail(table: pd.DataFrame, objective) -> pd.DataFrame:
    """The scored table with each filter component's transformed column as "pass" / "fail" (empty where the
    molecule was not scored), as the objective applies it: a filter passes at a transformed value ≥ 0.5."""
    from molmara.objective import FILTER_PASS

    out = table.copy()
    for component in objective.config.component:
        if component.role == "filter" and component.label in out:
            values = pd.to_numeric(out[component.label], errors="coerce")
            out[component.label] = values.map(lambda v: "" if pd.isna(v) else ("pass" if v >= FILTER_PASS else "fail"))
    return out


TEST_TIME_LIMIT = 10.0
"""Seconds an oracle may spend on one test molecule: the page answers even for a molecule that hangs."""


@st.cache_data(show_spinner="scoring", max_entries=16)
def _score(objective_toml: str, smiles: tuple[str, ...]) -> pd.DataFrame:
    from molmara import Objective
    from molmara.executors import WorkerExecutor
    from molmara.oracles.base import MolBatch

    objective = Objective.from_toml_text(objective_toml)
    executor = WorkerExecutor(1, TEST_TIME_LIMIT)
    try:
        return executor.evaluate(objective, MolBatch(list(smiles), objective.config.fragments)).to_frame()
    finally:
        executor.close()
