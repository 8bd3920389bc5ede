"""Every page of the app under Streamlit's AppTest, against a store filled by real tiny runs: it renders
without an exception, its key widgets are there, and its actions work — including on bad input."""

from __future__ import annotations

import time

import pytest

from molmara import Objective
from molmara.jobs import JobManager
from molmara.store import RunStore
from tests.webapp.conftest import QED_SA

PAGES = {
    "Home.py": "molmara",
    "pages/1_Objective_builder.py": "Objective builder",
    "pages/2_Launch.py": "Launch a run",
    "pages/3_Monitor.py": "Monitor runs",
    "pages/4_Scaffold_diversity.py": "Scaffold diversity",
    "pages/5_Compare_runs.py": "Compare runs",
    "pages/6_Why_do_runs_collapse.py": "Why do runs collapse?",
}


def clean(at) -> None:
    """No uncaught exception on the page."""
    assert not at.exception, [e.value for e in at.exception]


def texts(elements) -> str:
    return " | ".join(str(e.value) for e in elements)


def run_id(store_path, name: str) -> int:
    with RunStore(store_path) as store:
        return store.get_run(name)["id"]


@pytest.mark.parametrize("script", list(PAGES))
def test_every_page_renders_against_the_store(page_test, app_store, script):
    at = page_test(app_store, script).run()
    clean(at)
    assert at.title[0].value == PAGES[script]


@pytest.mark.parametrize("script", list(PAGES))
def test_every_page_copes_with_a_missing_and_an_empty_store(page_test, tmp_path, script):
    at = page_test(tmp_path / "nothing-here.db", script).run()
    clean(at)
    RunStore(tmp_path / "empty.db").close()
    at = page_test(tmp_path / "empty.db", script).run()
    clean(at)
    if script not in ("pages/1_Objective_builder.py", "pages/2_Launch.py"):
        assert "no runs" in texts(at.info).lower()


def test_objective_builder_saves_loads_and_keeps_bad_toml(page_test, app_store, tmp_path):
    at = page_test(app_store, "pages/1_Objective_builder.py").run()
    clean(at)
    assert [e.label for e in at.expander][:3] == [
        "**qed** · qed · score",
        "**sa** · sa · score",
        "**alerts** · alerts · filter",
    ]
    assert at.selectbox(key="add_oracle").options  # the registry
    # add a similarity component: its form comes from the oracle's declared parameters
    at.selectbox(key="add_oracle").select("similarity").run()
    at.button(key="add_component").click().run()
    clean(at)
    assert any("similarity" in e.label for e in at.expander)
    references = next(t for t in at.text_area if t.label.startswith("smiles"))  # a list parameter, one a line
    assert "at least one reference" in texts(at.error)  # shown under the new component
    references.input("CC(=O)Oc1ccccc1C(=O)O").run()
    assert not at.error, texts(at.error)
    # a transform with low >= high: the error is shown under that component, the rest stays
    sa_low = next(n for n in at.number_input if n.key.endswith("-reverse_sigmoid-low"))
    sa_low.set_value(9.0).run()
    assert "low < high" in texts(at.error)
    sa_low.set_value(2.0).run()
    # save: the file is the command line's TOML
    target = tmp_path / "saved.toml"
    at.text_input(key="objective_path").input(str(target)).run()
    at.button(key="save_objective").click().run()
    clean(at)
    assert target.is_file() and "Saved" in texts(at.success)
    saved = Objective.from_toml(target)
    assert saved.labels == ["qed", "sa", "alerts", "similarity"]
    # bad TOML: the message is shown next to the editor, the text and the form are kept
    bad = 'name = "x"\n[[component]]\noracle = "qed"\nweight = -1\n'
    at.text_area(key="objective_toml_text").input(bad).run()
    at.button(key="apply_toml").click().run()
    assert "component 1" in texts(at.error) and "weight" in texts(at.error)
    assert at.text_area(key="objective_toml_text").value == bad
    assert len(at.expander) == 4
    at.text_area(key="objective_toml_text").input("[[component]\nnot toml").run()
    at.button(key="apply_toml").click().run()
    assert "not valid TOML" in texts(at.error)
    # good TOML replaces the form
    at.text_area(key="objective_toml_text").input(Objective.from_dict(QED_SA).to_toml()).run()
    at.button(key="apply_toml").click().run()
    clean(at)
    assert [e.label for e in at.expander] == ["**qed** · qed · score", "**sa** · sa · score"]
    # load from a file
    at.text_input(key="objective_path").input(str(target)).run()
    at.button(key="load_objective").click().run()
    assert len(at.expander) == 4
    # upload from the chemist's computer: a good file replaces the form, a bad one is shown and changes nothing
    at.file_uploader(key="objective_upload").set_value(
        ("two.toml", Objective.from_dict(QED_SA).to_toml().encode(), "application/toml")
    ).run()
    clean(at)
    assert [e.label for e in at.expander] == ["**qed** · qed · score", "**sa** · sa · score"]
    at.file_uploader(key="objective_upload").set_value(("bad.toml", bad.encode(), "application/toml")).run()
    assert "weight" in texts(at.error) and at.text_area(key="objective_toml_text").value == bad
    assert len(at.expander) == 2
    at.file_uploader(key="objective_upload").set_value(("binary.toml", b"\xff\xfe\x00", "application/toml")).run()
    assert "not a text file" in texts(at.error) and len(at.expander) == 2


def test_objective_builder_scores_pasted_smiles_and_flags_junk(page_test, app_store):
    at = page_test(app_store, "pages/1_Objective_builder.py").run()
    at.text_area(key="test_smiles").input("CCO\nnot-a-molecule\nc1ccccc1O\n%%%\n\n").run()
    at.button(key="score_pasted").click().run()
    clean(at)
    assert "2 of 4 are not valid molecules" in texts(at.warning)
    table = at.dataframe[0].value
    assert list(table["valid"]) == [True, False, True, False]
    assert {"Score", "qed", "qed (raw)", "sa (raw)"} <= set(table.columns)
    assert len(at.image) >= 1  # the valid molecules drawn
    at.number_input(key="test_n").set_value(8)
    at.button(key="score_sampled").click().run()  # molecules from the shipped prior
    clean(at)
    assert len(at.dataframe[0].value) == 8


def test_launch_a_tiny_run_and_a_comparison(page_test, app_store, tiny_prior_path, tmp_path):
    objective = tmp_path / "qed.toml"
    Objective.from_dict(QED_SA).to_toml(objective)
    store_path = tmp_path / "launch" / "molmara.db"
    at = page_test(store_path, "pages/2_Launch.py").run()
    clean(at)
    assert [o for o in at.radio(key="launch_algorithm").options] == [
        "MARA",
        "plain (no MARA)",
        "diversity filter (no MARA)",
    ]
    at.radio(key="launch_source").set_value("a TOML file").run()
    at.text_input(key="launch_objective_file").input(str(objective))
    at.selectbox(key="launch_prior_choice").set_value("another file…").run()
    at.text_input(key="launch_prior_file").input(str(tiny_prior_path))
    at.number_input(key="launch_batch").set_value(16)
    at.number_input(key="launch_max_steps").set_value(3)
    at.number_input(key="launch_budget").set_value(0)
    at.selectbox(key="launch_device").set_value("cpu")
    at.text_input(key="launch_tau").input("p80")
    at.text_input(key="launch_name").input("from-the-app").run()
    clean(at)
    assert not at.error, texts(at.error)
    at.button(key="launch_one").click().run()
    assert "Launched run" in texts(at.success), texts(at.error)
    at.text_input(key="launch_name").input("pair").run()
    at.button(key="launch_compare").click().run()
    assert "pair-mara" in texts(at.success) and "pair-plain" in texts(at.success)
    jobs = JobManager(store_path)
    for name in ("from-the-app", "pair-mara", "pair-plain"):
        assert jobs.wait(name, timeout=600) == "finished", jobs.status(name)
    with RunStore(store_path) as store:
        assert store.last_step("from-the-app") == 3
        mara, plain = store.get_run("pair-mara"), store.get_run("pair-plain")
    assert mara["seed"] == plain["seed"] and "mara = true" in mara["config"] and "mara = false" in plain["config"]
    # bad input: a tau that is neither a number nor a percentile
    at.text_input(key="launch_tau").input("high").run()
    assert "tau" in texts(at.error)
    assert at.button(key="launch_one").disabled


def test_monitor_shows_a_failed_run_and_survives_its_deletion(page_test, app_store, tiny_prior_path, tmp_path):
    at = page_test(app_store, "pages/3_Monitor.py")
    at.query_params["run"] = str(run_id(app_store, "broken"))
    at.run()
    clean(at)
    assert "failed" in texts(at.error) and "MemoryError" in texts(at.error)
    assert at.button(key="monitor_resume")  # a failed run can be resumed
    # a finished run: curves and hits
    at.selectbox(key="monitor_run").set_value(run_id(app_store, "tiny-mara")).run()
    clean(at)
    assert any(m.label == "hits" for m in at.metric)
    # a run deleted while its page is open
    from molmara.lifecycle import run
    from tests.webapp.conftest import tiny_run_config

    folder = tmp_path / "doomed"
    run(tiny_run_config(tiny_prior_path, folder, "doomed", steps=1))
    at = page_test(folder / "molmara.db", "pages/3_Monitor.py")
    at.query_params["run"] = "doomed"
    at.run()
    clean(at)
    with RunStore(folder / "molmara.db") as store:
        store.delete_run("doomed")
    at.run()
    clean(at)
    assert "no runs" in texts(at.info).lower() or "not in the store" in texts(at.warning)


def test_monitor_cancels_and_resumes_a_background_run(page_test, tiny_prior_path, tmp_path):
    from tests.webapp.conftest import tiny_run_config

    store_path = tmp_path / "molmara.db"
    jobs = JobManager(store_path)
    run = jobs.launch(tiny_run_config(tiny_prior_path, tmp_path, "long", steps=5000))
    try:
        deadline = time.time() + 300
        while RunStore(store_path).last_step(run) < 1:
            assert time.time() < deadline and jobs.status(run)["status"] in ("created", "running"), jobs.status(run)
            time.sleep(0.5)
        at = page_test(store_path, "pages/3_Monitor.py")
        at.query_params["run"] = "long"
        at.run()
        clean(at)
        at.button(key="monitor_cancel").click().run()
        clean(at)
        assert "is now cancelled" in texts(at.success), texts(at.error)
        at.button(key="monitor_resume").click().run()
        clean(at)
        assert "resumed" in texts(at.success), texts(at.error)
        assert jobs.status(run)["status"] == "running"
    finally:
        if jobs.status(run)["status"] in ("created", "running"):
            jobs.cancel(run)


def scaffold_picker(at):
    """The Scaffold diversity page's picker (its key changes with what it lists)."""
    return next(box for box in at.selectbox if box.label.startswith("scaffold (or click"))


def test_scaffold_explorer_selects_a_scaffold(page_test, app_store):
    at = page_test(app_store, "pages/4_Scaffold_diversity.py")
    at.query_params["run"] = "tiny-mara"
    at.run()
    clean(at)
    assert {m.label for m in at.metric} >= {"yield (hits)", "Murcko scaffolds", "#Circles", "IntDiv1"}
    at.slider(key="scaffold_threshold").set_value(0.0).run()  # the tiny prior finds few real hits
    clean(at)
    scaffolds = at.dataframe[0].value["scaffold"].tolist()
    assert len(scaffolds) >= 3 and scaffold_picker(at).value == scaffolds[0]
    scaffold_picker(at).set_value(scaffolds[2]).run()
    clean(at)
    assert scaffold_picker(at).value == scaffolds[2]
    assert len(at.image) >= 2  # the scaffold and its molecules
    at.radio(key="scaffold_kind").set_value("generic").run()
    clean(at)
    generic = at.dataframe[0].value["scaffold"].tolist()
    assert scaffold_picker(at).value in generic
    assert [option.split(" — ")[0] for option in scaffold_picker(at).options] == generic
    at.slider(key="scaffold_threshold").set_value(0.01).run()  # another table; the picked scaffold stays if listed
    kept = at.dataframe[0].value["scaffold"].tolist()
    assert scaffold_picker(at).value == (generic[0] if generic[0] in kept else kept[0])
    # several runs: a column of hits per run; no hits at threshold 1
    at.multiselect(key="scaffold_runs").set_value(
        [run_id(app_store, "tiny-mara"), run_id(app_store, "tiny-plain")]
    ).run()
    clean(at)
    assert any(c.startswith("hits · ") for c in at.dataframe[1].value.columns)
    at.slider(key="scaffold_threshold").set_value(1.0).run()
    clean(at)
    assert "No hits" in texts(at.info)


def test_compare_and_why_pages(page_test, app_store):
    at = page_test(app_store, "pages/5_Compare_runs.py")
    at.run()
    clean(at)
    at.multiselect(key="compare_runs").set_value(
        [run_id(app_store, n) for n in ("tiny-mara", "tiny-plain", "broken")]
    ).run()
    clean(at)
    metrics = at.dataframe[-1].value
    assert {"tiny-mara", "tiny-plain", "broken"} <= set(metrics.columns) and "yield" in set(metrics["metric"])
    at = page_test(app_store, "pages/6_Why_do_runs_collapse.py")
    at.query_params["run"] = "tiny-plain"
    at.run()
    clean(at)
    at.radio(key="why_scope").set_value("all scored molecules").run()
    at.select_slider(key="why_beta").set_value(0.001)
    at.slider(key="why_tau").set_value(0.1).run()
    clean(at)
    values = {m.label: m.value for m in at.metric}
    plain, mara = values["effective scaffolds"].split(" → ")
    assert float(mara) > float(plain)
