"""Write `docs/api.md`: molmara's public Python names, one section a module in the order of the layers.

The page is made from the modules' own `__all__` and docstrings, so it cannot drift from the code;
`tests/test_api_page.py` fails when the committed page differs from what this script writes.
Run: `python scripts/api_page.py`.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from pathlib import Path

PAGE = Path(__file__).resolve().parents[1] / "docs" / "api.md"

MODULES = (
    "molmara",
    "molmara.chem",
    "molmara.model",
    "molmara.oracles",
    "molmara.objective",
    "molmara.scoring",
    "molmara.sampling",
    "molmara.tasks",
    "molmara.rl",
    "molmara.metrics",
    "molmara.store",
    "molmara.lifecycle",
    "molmara.jobs",
    "molmara.distributed",
)


def first_line(obj: object) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.strip().split("\n\n")[0].replace("\n", " ")


def describe(module: object, name: str) -> str:
    value = getattr(module, name)
    if inspect.ismodule(value):
        kind = "module"
    elif inspect.isclass(value):
        kind = "class"
    elif callable(value):
        kind = "function"
    else:
        return f"- `{name}` (value)"
    line = first_line(value)
    return f"- `{name}` ({kind}){': ' + line if line else ''}"


def api_page() -> str:
    """The page's Markdown."""
    out = [
        "# molmara's Python API",
        "",
        "Every public name, by module, in the order of the layers (each imports only the ones before it).",
        "Made by `python scripts/api_page.py` from the modules' `__all__` and docstrings; do not edit by hand.",
    ]
    for name in MODULES:
        module = importlib.import_module(name)
        out += ["", f"## `{name}`", "", first_line(module), ""]
        out += [describe(module, attribute) for attribute in sorted(module.__all__, key=str.lower)]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    PAGE.parent.mkdir(exist_ok=True)
    PAGE.write_text(api_page(), encoding="utf-8")
    print(f"wrote {PAGE}", file=sys.stderr)
