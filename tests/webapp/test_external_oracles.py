"""Drill: an objective opened in the web app cannot run a program it names, unless the server was started with
`molmara app --allow-external-oracles`; the CLI and the Python API keep the external oracle."""

from __future__ import annotations

import os
import sys

import pytest

from molmara import Objective
from molmara.cli import build_parser
from molmara.objective import ObjectiveError
from molmara.oracles.user import ALLOW_EXTERNAL


def external_toml(marker) -> str:
    """An objective whose one component runs a program that leaves `marker` behind."""
    import tomli_w

    command = [sys.executable, "-c", f"open({str(marker)!r}, 'w').write('ran'); print(1.0)"]
    component = {"oracle": "external", "weight": 1.0, "params": {"command": command}}
    return tomli_w.dumps({"name": "pwn", "component": [component]})


def test_uploaded_external_objective_is_refused_and_runs_nothing(page_test, app_store, tmp_path):
    marker = tmp_path / "marker"
    at = page_test(app_store, "pages/1_Objective_builder.py").run()
    at.file_uploader(key="objective_upload").set_value(("pwn.toml", external_toml(marker).encode(), "application/toml"))
    at.run()
    at.text_area(key="objective_toml_text").input(external_toml(marker)).run()
    at.button(key="apply_toml").click().run()
    errors = " | ".join(str(e.value) for e in at.error)
    assert "--allow-external-oracles" in errors, errors
    assert os.environ[ALLOW_EXTERNAL] == "0" and not marker.exists()


def test_cli_and_api_keep_the_external_oracle_and_the_app_flag_exists(tmp_path, monkeypatch):
    monkeypatch.delenv(ALLOW_EXTERNAL, raising=False)
    marker = tmp_path / "marker"
    import tomllib

    objective = Objective.from_dict(tomllib.loads(external_toml(marker)))
    assert objective(["CCO"]).tolist() == [1.0] and marker.read_text() == "ran"
    monkeypatch.setenv(ALLOW_EXTERNAL, "0")
    with pytest.raises(ObjectiveError, match="allow-external-oracles"):
        Objective.from_dict(tomllib.loads(external_toml(marker)))
    args = build_parser().parse_args(["app", "--allow-external-oracles"])
    assert args.allow_external_oracles and not build_parser().parse_args(["app"]).allow_external_oracles
