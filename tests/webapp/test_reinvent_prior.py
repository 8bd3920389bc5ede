"""A REINVENT 4 prior file launched from the app's Launch page runs to the end (imported on the fly)."""

from __future__ import annotations

from molmara import Objective
from molmara.jobs import JobManager
from molmara.store import RunStore
from tests.test_reinvent_format import reinvent_classes, save_reinvent  # noqa: F401 (a fixture)
from tests.webapp.conftest import QED_SA
from tests.webapp.test_pages import clean, texts


def test_launch_a_run_on_a_reinvent_prior(page_test, tmp_path, reinvent_classes):  # noqa: F811
    save_reinvent(tmp_path / "reinvent.prior", reinvent_classes)
    objective = tmp_path / "qed.toml"
    Objective.from_dict(QED_SA).to_toml(objective)
    store_path = tmp_path / "launch" / "molmara.db"
    at = page_test(store_path, "pages/2_Launch.py").run()
    at.radio(key="launch_source").set_value("a TOML file").run()
    at.text_input(key="launch_objective_file").input(str(objective))
    at.selectbox(key="launch_prior_choice").set_value("another file…").run()
    at.text_input(key="launch_prior_file").input(str(tmp_path / "reinvent.prior"))
    at.number_input(key="launch_batch").set_value(8)
    at.number_input(key="launch_max_steps").set_value(2)
    at.selectbox(key="launch_device").set_value("cpu")
    at.text_input(key="launch_name").input("on-reinvent").run()
    clean(at)
    at.button(key="launch_one").click().run()
    assert "Launched run" in texts(at.success), texts(at.error)
    assert JobManager(store_path).wait("on-reinvent", timeout=600) == "finished"
    with RunStore(store_path) as store:
        assert store.last_step("on-reinvent") == 2
