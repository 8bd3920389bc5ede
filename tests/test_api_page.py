"""docs/api.md is made from the modules' `__all__` and docstrings; it must be what they say now."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "api_page.py"


def load_script():
    spec = importlib.util.spec_from_file_location("api_page", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_api_page_is_current():
    script = load_script()
    assert script.PAGE.read_text(encoding="utf-8") == script.api_page(), "run: python scripts/api_page.py"


def test_every_name_on_the_page_is_reachable():
    script = load_script()
    for name in script.MODULES:
        module = importlib.import_module(name)
        missing = [attribute for attribute in module.__all__ if not hasattr(module, attribute)]
        assert not missing, f"{name}.__all__ lists names it does not have: {missing}"
