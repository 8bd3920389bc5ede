"""Launch: prior, objective, algorithm (MARA or plain, with the REINVENT, reverse-KL or forward-KL loss;
the diversity-filter baseline), σ or β, τ, budget and seed; runs start as background jobs."""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from molmara import tasks
from molmara.app_support.forms import (
    ALGORITHMS,
    compare_configs,
    config_summary,
    dict_from_draft,
    launch_config,
)
from molmara.app_support.widgets import job_manager, page
from molmara.hits import DEFAULT_TAU
from molmara.objective import ObjectiveError
from molmara.oracles import OracleError
from molmara.resources import DEFAULT_PRIOR, EXAMPLE_CONFIGS
from molmara.rl.config import LOSS_LABELS, RunConfigError
from molmara.store.db import StoreError

store_path = page("Launch a run", "Each run is a background job recorded in the run store; watch it on Monitor.")
SOURCES = ("the Objective builder", "a TOML file", "a named task")
SHIPPED, OTHER = "the shipped prior (MOSES GRU)", "another file…"
state = st.session_state


def fresh_name() -> str:
    return time.strftime("run-%Y%m%d-%H%M%S")


state.setdefault("launch_name", fresh_name())


def objective_choice() -> dict:
    """The objective (or task) part of the config from the chosen source; ValueError when there is none."""
    source = state["launch_source"]
    if source == SOURCES[0]:
        if "objective" not in state:
            raise ValueError("the Objective builder has no objective yet: open it, or choose a TOML file or a task")
        return {"objective": dict_from_draft(state["objective"])}
    if source == SOURCES[1]:
        path = Path(state["launch_objective_file"].strip())
        if not path.is_file():
            raise ValueError(f"no objective file at {path}")
        return {"objective": str(path.resolve())}
    return {"task": state["launch_task"]}


def prior_choice() -> str | None:
    """The prior file chosen (None: the shipped prior)."""
    choice = state["launch_prior_choice"]
    if choice == SHIPPED:
        return None
    path = state.get("launch_prior_file", "").strip() if choice == OTHER else choice
    if not path or not Path(path).is_file():
        raise ValueError(f"no prior file at {path!r}")
    return str(Path(path).resolve())


def config_from_form(name: str | None = None) -> dict:
    """The run config that the form describes (validated)."""
    hit = state["launch_hit"].strip()
    return launch_config(
        name=name or state["launch_name"],
        prior=prior_choice(),
        loss=state["launch_loss"],
        algorithm=state["launch_algorithm"],
        strength=state["launch_strength"],
        tau=state["launch_tau"],
        hit_threshold=float(hit) if hit else None,
        max_oracle_calls=state["launch_budget"] or None,
        max_steps=state["launch_max_steps"] or None,
        batch_size=state["launch_batch"],
        learning_rate=state["launch_lr"],
        seed=state["launch_seed"],
        device=state["launch_device"],
        output=state["launch_output"].strip() or str(Path(store_path).parent),
        **objective_choice(),
    )


def launch(compare: bool) -> None:
    """Start one run (or a MARA and a plain run with the same seed); the outcome is shown on the next run."""
    try:
        config = config_from_form()
        configs = compare_configs(config) if compare else [config]
        launched = [(job_manager(store_path).launch(c), c) for c in configs]
    except (RunConfigError, ObjectiveError, OracleError, StoreError, ValueError, OSError) as err:
        state["launch_result"] = ("error", str(err))
        return
    lines = [
        f"run {run_id} **{c['name']}**: {config_summary(c)} — [monitor it](Monitor?run={run_id})"
        for run_id, c in launched
    ]
    state["launch_result"] = ("success", "Launched " + "; ".join(lines))
    state["launch_name"] = fresh_name()


st.subheader("Objective")
source = st.radio(
    "objective from", SOURCES, index=0 if "objective" in state else 1, key="launch_source", horizontal=True
)
if source == SOURCES[0]:
    draft = state.get("objective")
    if draft:
        labels = ", ".join(c.get("name") or c["oracle"] for c in draft["component"])
        st.caption(f"{draft.get('name') or 'unnamed'}: {labels} ({draft.get('aggregation', 'geometric')})")
    else:
        st.info("The Objective builder has no objective in this session yet.")
elif source == SOURCES[1]:
    found = sorted(str(p) for p in EXAMPLE_CONFIGS.glob("*.toml") if "component" in p.read_text())
    found += sorted(str(p) for p in (Path(store_path).parent / "objectives").glob("*.toml"))
    default = found[0] if found else "objective.toml"
    st.text_input("objective TOML file", value=default, key="launch_objective_file")
    if found:
        st.caption("found: " + ", ".join(f"`{f}`" for f in found))
else:
    st.selectbox("task", tasks.names(), key="launch_task")

st.subheader("Prior")
shipped = DEFAULT_PRIOR.resolve()
folder = Path(store_path).parent
found = {p.resolve() for p in [*DEFAULT_PRIOR.parent.glob("*.prior"), *folder.glob("*.prior")]} - {shipped}
found |= {p.resolve() for p in folder.glob("priors/*.prior")}
prior = st.selectbox("prior", [SHIPPED, *sorted(map(str, found)), OTHER], key="launch_prior_choice")
if prior == OTHER:
    st.text_input("prior file (a molmara .prior, or a REINVENT 4 prior or agent)", key="launch_prior_file")

st.subheader("Algorithm")
left, middle, right = st.columns(3)
algorithm = left.radio("algorithm", list(ALGORITHMS), key="launch_algorithm")
loss = middle.selectbox("loss", list(LOSS_LABELS), format_func=LOSS_LABELS.get, key="launch_loss")
if loss == "reinvent":
    right.number_input("σ (REINVENT's score multiplier, β = 1/σ)", min_value=1e-6, value=128.0, key="launch_strength")
else:
    right.number_input("β (KL coefficient)", min_value=1e-6, value=0.01, format="%g", key="launch_strength")
right.text_input(
    f"τ: a score ({DEFAULT_TAU}) or a per-batch percentile (p90)", value=str(DEFAULT_TAU), key="launch_tau"
)
right.text_input(f"hit threshold (empty: τ when it is a number, else {DEFAULT_TAU})", value="", key="launch_hit")

st.subheader("Budget and run")
columns = st.columns(4)
columns[0].text_input("run name", key="launch_name")
columns[1].number_input("oracle calls (budget)", min_value=0, value=2000, step=100, key="launch_budget")
columns[2].number_input("batch size", min_value=1, value=64, key="launch_batch")
columns[3].number_input("seed", min_value=0, value=0, key="launch_seed")
with st.expander("more settings"):
    columns = st.columns(3)
    columns[0].number_input("learning rate", min_value=1e-7, max_value=1.0, value=1e-4, format="%g", key="launch_lr")
    columns[1].number_input("max steps (0: no limit)", min_value=0, value=0, key="launch_max_steps")
    columns[2].selectbox("device", ["auto", "cpu", "cuda"], key="launch_device")
    st.text_input("output folder (empty: next to the run store)", value="", key="launch_output")

try:
    preview = config_from_form()
    st.caption(f"will run: {config_summary(preview)}")
except (RunConfigError, ObjectiveError, OracleError, ValueError) as err:
    preview = None
    st.error(str(err))
if preview is not None and Path(store_path).is_file():
    from molmara.store import RunStore

    with RunStore(store_path, create=False) as existing:
        taken = existing.has_run(preview["name"])
    if taken:
        st.error(f"A run named {preview['name']!r} is already in the store: choose another name.")
        preview = None

left, right = st.columns(2)
left.button("Launch", type="primary", on_click=launch, args=(False,), disabled=preview is None, key="launch_one")
right.button(
    "Compare: a MARA run and a plain run, same seed",
    on_click=launch,
    args=(True,),
    disabled=preview is None,
    key="launch_compare",
)
result = state.pop("launch_result", None)
if result:
    (st.success if result[0] == "success" else st.error)(result[1])
