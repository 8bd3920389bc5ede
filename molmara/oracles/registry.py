"""The oracle registry: built-ins, user oracles registered by decorator, and plugins by entry point.

Plugins are packages that declare an entry point in the group `molmara.oracles`; each entry point
loads an `Oracle` subclass (or a function decorated with `molmara.oracle`). They are found the first
time the registry is asked for a name.
"""

from __future__ import annotations

import difflib
import importlib.util
import logging
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from molmara.oracles.base import Oracle, OracleError

ENTRY_POINT_GROUP = "molmara.oracles"
log = logging.getLogger("molmara.oracles")

_REGISTRY: dict[str, type[Oracle]] = {}
_plugins_loaded = False


def register(cls: type[Oracle]) -> type[Oracle]:
    """Class decorator: add an oracle class under its `name` (lower case; re-registering replaces it)."""
    if not (isinstance(cls, type) and issubclass(cls, Oracle)):
        raise OracleError(f"only Oracle subclasses can be registered, got {cls!r}")
    if not cls.name or cls.name != cls.name.lower() or not cls.name.replace("_", "").isalnum():
        raise OracleError(f"oracle names are lower-case letters, digits and underscores, got {cls.name!r}")
    if not cls.description:
        raise OracleError(f"oracle {cls.name!r} needs a one-line description")
    _REGISTRY[cls.name] = cls
    return cls


def _load_plugins() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = entry.load()
            cls = getattr(loaded, "oracle_class", loaded)
            if isinstance(cls, type) and issubclass(cls, Oracle) and cls.name not in _REGISTRY:
                register(cls)
        except Exception as err:  # a broken plugin must not break molmara
            log.warning("oracle plugin %r (%s) failed to load: %s", entry.name, entry.value, err)


def names() -> list[str]:
    """Names of all registered oracles, sorted."""
    _load_plugins()
    return sorted(_REGISTRY)


def oracle_class(name: str) -> type[Oracle]:
    """The class registered under `name`; an unknown name suggests the nearest ones."""
    _load_plugins()
    key = name.lower() if isinstance(name, str) else name
    if key not in _REGISTRY:
        close = difflib.get_close_matches(str(name).lower(), _REGISTRY, n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise OracleError(f"unknown oracle {name!r}{hint} (known: {', '.join(sorted(_REGISTRY))})")
    return _REGISTRY[key]


def get(name: str, **params: Any) -> Oracle:
    """An oracle instance, callable on a list of SMILES: `get("similarity", smiles=["CCO"])(["CCN"])`."""
    return oracle_class(name)(**params)


def describe(name: str) -> dict:
    """The oracle's declaration: description, typed parameters, value range, cost."""
    return oracle_class(name).spec()


def load_oracle_module(path: str | Path) -> None:
    """Import a Python file so that the oracles it defines (by decorator or `register`) are registered.

    This is how `molmara score --oracle-module my_oracles.py` finds a chemist's own oracles.
    """
    path = Path(path)
    if not path.is_file():
        raise OracleError(f"oracle module not found: {path}")
    spec = importlib.util.spec_from_file_location(f"molmara_user_oracles_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise OracleError(f"cannot import oracle module {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
