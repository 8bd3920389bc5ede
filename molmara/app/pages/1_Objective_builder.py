"""Objective builder: oracles from the registry, transforms with their curves, weights, aggregation and
filters; test on pasted or sampled molecules; load and save as TOML (the command line's format)."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

from molmara import Objective, oracles
from molmara.app_support.forms import AGGREGATIONS, dict_from_draft, draft_from_dict
from molmara.app_support.objective_ui import component_form, new_component, test_panel
from molmara.app_support.widgets import page
from molmara.objective import ObjectiveError
from molmara.resources import EXAMPLE_CONFIGS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

store_path = page("Objective builder", "Components are oracles from the registry, each transformed to [0, 1].")
DEFAULT = EXAMPLE_CONFIGS / "druglike.toml"
FALLBACK = {"name": "qed", "component": [{"oracle": "qed", "weight": 1.0}]}
state = st.session_state


def replace_draft(data: dict) -> None:
    """Put a whole objective into the form (new widget keys, so every field shows the loaded values)."""
    state["objective_gen"] = state.get("objective_gen", 0) + 1
    state["objective_uid"] = len(data.get("component", []))
    state["objective"] = draft_from_dict(data)


if "objective" not in state:
    replace_draft(tomllib.loads(DEFAULT.read_text()) if DEFAULT.is_file() else FALLBACK)
    state["toml_editor_copy"] = Objective.from_dict(dict_from_draft(state["objective"])).to_toml()
if "objective_toml_text" not in state:  # Streamlit forgets a widget's value on other pages: bring the text back
    state["objective_toml_text"] = state.get("toml_editor_copy", "")


def remove(uid: int) -> None:
    state["objective"]["component"] = [c for c in state["objective"]["component"] if c["uid"] != uid]


def add(oracle: str) -> None:
    state["objective_uid"] += 1
    state["objective"]["component"].append(new_component(oracle, state["objective_uid"]))


def apply_toml() -> None:
    """Replace the form by the TOML in the editor; on an error keep both and say what is wrong."""
    try:
        objective = Objective.from_dict(tomllib.loads(state["objective_toml_text"]))
    except tomllib.TOMLDecodeError as err:
        state["toml_error"] = f"not valid TOML: {err}"
        return
    except ObjectiveError as err:
        state["toml_error"] = str(err)
        return
    state["toml_error"] = None
    replace_draft(objective.to_dict())


def load_file() -> None:
    path = Path(state["objective_path"].strip())
    if not path.is_file():
        state["toml_error"] = f"no file at {path}"
        return
    state["objective_toml_text"] = path.read_text()
    apply_toml()


def load_upload() -> None:
    """An uploaded TOML file goes into the editor and, when it is a valid objective, into the form."""
    upload = state.get("objective_upload")
    if upload is None:
        return
    try:
        state["objective_toml_text"] = upload.getvalue().decode("utf-8")
    except UnicodeDecodeError:
        state["toml_error"] = f"{upload.name} is not a text file (not UTF-8)"
        return
    apply_toml()


def copy_to_editor(text: str) -> None:
    state["objective_toml_text"] = text
    state["toml_error"] = None


draft, generation = state["objective"], state["objective_gen"]
left, right = st.columns([3, 1])
name = left.text_input("objective name", value=draft.get("name", ""), key=f"g{generation}-name")
aggregation = right.selectbox(
    "aggregation",
    AGGREGATIONS,
    index=AGGREGATIONS.index(draft.get("aggregation", "geometric")),
    key=f"g{generation}-aggregation",
    help="how the 'score' components combine: weighted geometric or arithmetic mean, or weighted product",
)
components = [component_form(c, generation, remove) for c in draft["component"]]
add_left, add_right = st.columns([3, 1])
choice = add_left.selectbox(
    "add a component",
    oracles.names(),
    key="add_oracle",
    format_func=lambda n: f"{n} — {oracles.describe(n)['description']}",
)
add_right.button("Add component", on_click=add, args=(choice,), key="add_component")
state["objective"] = {"name": name.strip(), "aggregation": aggregation, "component": components}

objective, problem = None, None
try:
    objective = Objective.from_dict(dict_from_draft(state["objective"]))
except ObjectiveError as err:
    problem = str(err)
if problem:
    st.error(f"The objective is not complete: {problem}")
else:
    st.success(f"The objective is valid: {len(components)} components, {aggregation} aggregation.")

st.header("Test it")
test_panel(objective)

st.header("Save and load as TOML")
default_file = Path(store_path).parent / "objectives" / f"{(name.strip() or 'objective').replace(' ', '_')}.toml"
save_left, save_right = st.columns([3, 1])
save_path = save_left.text_input("file", value=str(default_file), key="objective_path")
if save_right.button("Save", disabled=objective is None, key="save_objective"):
    target = Path(save_path.strip())
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        objective.to_toml(target)
        st.success(f"Saved to `{target}`: `molmara run` and the Launch page read it.")
    except OSError as err:
        st.error(f"Cannot write {target}: {err.strerror or err}")
save_right.button("Load", on_click=load_file, key="load_objective")
st.file_uploader(
    "or upload an objective TOML from your computer", type=["toml"], key="objective_upload", on_change=load_upload
)
current = objective.to_toml() if objective is not None else ""
if current:
    st.download_button("Download TOML", current, f"{name.strip() or 'objective'}.toml", "application/toml")
editor, shown = st.columns(2)
with editor:
    state["toml_editor_copy"] = st.text_area("edit or paste TOML", key="objective_toml_text", height=320)
    if state.get("toml_error"):
        st.error(state["toml_error"])
    st.button("Apply TOML to the form", on_click=apply_toml, key="apply_toml", type="primary")
with shown:
    st.caption("the form as TOML")
    st.code(current or "(the objective is not complete)", language="toml")
    st.button("Copy into the editor", on_click=copy_to_editor, args=(current,), disabled=not current, key="copy_toml")
