"""The one-way flow of `../shared/DESIGN.md` (chem → model → oracles/objective → rl → store → app/cli), checked on
every import in the package, including the ones made inside functions."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import molmara

PACKAGE = Path(molmara.__file__).parent

LAYERS = {
    "molmara": 0,  # the package root as a target: `__version__` (as an importer it is the lazy facade, exempt)
    "molmara.chem": 0,
    "molmara.resources": 0,
    "molmara.config_errors": 0,
    "molmara.run_folder": 0,
    "molmara.defaults": 0,
    "molmara.lazy": 0,
    "molmara.processes": 0,
    "molmara.interrupts": 0,
    "molmara.model": 1,
    "molmara.oracles": 2,
    "molmara.transforms": 2,
    "molmara.objective": 2,
    "molmara.executors": 2,
    "molmara.distributed": 2,  # the Ray scoring executor; sweeps are further up
    "molmara.scoring": 2,
    "molmara.sampling": 2,
    "molmara.hits": 2,
    "molmara.tasks": 2,
    "molmara.tasks_docking": 2,
    "molmara.tasks_modes": 2,
    "molmara.tasks_pmo": 2,
    "molmara.metrics": 3,
    "molmara.rl": 3,
    "molmara.store": 4,
    "molmara.lifecycle": 5,
    "molmara.distributed.sweep": 6,
    "molmara.jobs": 6,
    "molmara.demo": 6,
    "molmara.reinvent_config": 6,
    "molmara.cli": 6,
    "molmara.cli_runs": 6,
    "molmara.cli_reinvent": 6,
    "molmara.app_support": 6,
    "molmara.app": 6,
}


def layer_of(module: str) -> int:
    """The layer of a module: that of its longest listed prefix."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in LAYERS:
            return LAYERS[prefix]
    raise KeyError(f"{module} is in no layer: add it to LAYERS")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every absolute molmara import; `from molmara import tasks` counts as `molmara.tasks`."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "molmara"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "molmara":
            if node.module == "molmara":
                found += [
                    (node.lineno, "molmara" if a.name.startswith("__") else f"molmara.{a.name}") for a in node.names
                ]
            else:
                found.append((node.lineno, node.module))
    return found


def test_every_module_has_a_layer_and_imports_only_its_own_or_lower_layers():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = module_name(path)
        if importer == "molmara":
            continue
        rank = layer_of(importer)
        for line, target in imported_modules(ast.parse(path.read_text(encoding="utf-8"))):
            if layer_of(target) > rank:
                upward.append(
                    f"{path.relative_to(PACKAGE.parent)}:{line} ({rank}) imports {target} ({layer_of(target)})"
                )
    assert not upward, "imports that run back up the layers:\n" + "\n".join(upward)


def test_the_layer_check_sees_an_import_made_inside_a_function():
    tree = ast.parse("def f():\n    from molmara.store import RunStore\n    from molmara import tasks\n")
    assert imported_modules(tree) == [(2, "molmara.store"), (3, "molmara.tasks")]
    assert layer_of("molmara.store.db") > layer_of("molmara.rl.trainer") > layer_of("molmara.chem.smiles")


def printed_by_a_fresh_python(code: str) -> str:
    """What `code` prints in a new interpreter (nothing imported yet), stripped."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_chem_and_the_sample_metrics_load_without_torch_pandas_or_pydantic():
    code = (
        "import sys, molmara, molmara.chem, molmara.metrics as m\n"
        "smiles = ['CCO', 'c1ccccc1O', 'CCN', 'CCO']\n"
        "assert 0 < m.internal_diversity(smiles) < 1 and m.uniqueness(smiles) == 0.75 and m.validity(smiles) == 1\n"
        "assert molmara.chem.canonical_smiles('OCC') == 'CCO'\n"
        "print(sorted(name for name in ('torch', 'pandas', 'pydantic') if name in sys.modules))\n"
    )
    assert printed_by_a_fresh_python(code) == "[]"


def test_a_metric_named_like_its_module_stays_the_metric_after_its_module_is_imported():
    code = (
        "import inspect, molmara.metrics.report, molmara.metrics.circles, molmara.metrics.fcd\n"
        "import molmara.metrics as m\n"
        "print([name for name in m.__all__ if inspect.ismodule(getattr(m, name))])\n"
    )
    assert printed_by_a_fresh_python(code) == "[]"


def test_the_command_line_help_loads_neither_torch_nor_rdkit():
    code = (
        "import sys, contextlib, io\n"
        "from molmara.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])\n"
        "print(sorted(name for name in ('torch', 'rdkit', 'pandas') if name in sys.modules))\n"
    )
    assert printed_by_a_fresh_python(code) == "[]"


def test_the_app_home_page_draws_without_importing_torch(tmp_path):
    """The Home page is the app's first screen: torch (seconds to import) loads only when the prior samples."""
    home = Path(molmara.__file__).parent / "app" / "Home.py"
    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"app = AppTest.from_file({str(home)!r}, default_timeout=120)\n"
        "app.run()\n"
        "assert not app.exception, app.exception\n"
        "assert app.header[0].value == 'Runs in the store'\n"
        "print(sorted(name for name in ('torch',) if name in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
