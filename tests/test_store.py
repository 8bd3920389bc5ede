"""The run store: schema and migrations, one transaction per step, concurrent readers, exports, bad input."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap

import pandas as pd
import pytest
from rdkit import Chem

from molmara.store import SCHEMA_VERSION, RunNotFoundError, RunStore, StoreError
from molmara.store.db import MIGRATIONS
from molmara.store.export import export_run


def molecule(step: int, smiles: str, score: float, hit: bool = False) -> dict:
    mol = Chem.MolFromSmiles(smiles)
    return {
        "SMILES": smiles,
        "canonical_smiles": Chem.MolToSmiles(mol) if mol else "",
        "valid": mol is not None,
        "Score": score,
        "Agent": 20.0,
        "Prior": 21.0,
        "Target": 21.0 - 128 * score,
        "reward": score,
        "Scaffold": "c1ccccc1" if mol else "",
        "generic_scaffold": "C1CCCCC1" if mol else "",
        "hit": hit,
        "over_budget": False,
        "step": step,
        "components": {"qed": score},
        "raw": {"qed": score},
    }


@pytest.fixture
def store(tmp_path):
    with RunStore(tmp_path / "runs" / "molmara.db") as s:
        yield s


def test_a_new_store_is_versioned_and_in_wal_mode(store):
    assert store.schema_version == SCHEMA_VERSION >= 1
    assert store._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_runs_are_created_found_listed_and_deleted(store):
    first = store.create_run("alpha", "rl", 'name = "alpha"\n', seed=3)
    second = store.create_run("beta", "rl", 'name = "beta"\n')
    assert store.get_run(first)["name"] == "alpha" and store.get_run("beta")["id"] == second
    assert store.get_run(str(first))["seed"] == 3
    assert list(store.list_runs()["name"]) == ["beta", "alpha"]
    with pytest.raises(StoreError, match="already exists"):
        store.create_run("alpha", "rl", "")
    with pytest.raises(StoreError, match="not allowed"):
        store.create_run("42", "rl", "")
    store.write_step(first, {"step": 1, "oracle_calls": 2}, [molecule(1, "CCO", 0.5)])
    store.delete_run("alpha")
    with pytest.raises(RunNotFoundError, match="no run 'alpha'"):
        store.get_run("alpha")
    assert store._conn.execute("SELECT COUNT(*) FROM molecules").fetchone()[0] == 0


def test_a_step_and_its_molecules_are_written_together_and_truncated_on_resume(store):
    run = store.create_run("r", "rl", "")
    for step in (1, 2, 3):
        store.write_step(
            run,
            {"step": step, "oracle_calls": 2 * step, "score_mean": float("nan")},
            [molecule(step, "c1ccccc1O", 0.9, hit=True), molecule(step, "not a smiles", float("nan"))],
        )
    steps = store.steps("r")
    assert list(steps["step"]) == [1, 2, 3] and steps["score_mean"].isna().all()
    molecules = store.molecules("r")
    assert len(molecules) == 6 and list(molecules["valid"]) == [True, False] * 3
    assert molecules["qed"].iloc[0] == 0.9 and molecules["qed (raw)"].iloc[0] == 0.9
    assert len(store.molecules("r", hits_only=True)) == 3 and store.last_step("r") == 3
    store.truncate_after(run, 1)
    assert store.last_step("r") == 1 and set(store.molecules("r")["step"]) == {1}


def test_a_failing_step_write_leaves_nothing_half_written(store):
    run = store.create_run("r", "rl", "")
    store.write_step(run, {"step": 1}, [molecule(1, "CCO", 0.1)])
    bad = molecule(2, "CCN", 0.2)
    bad["SMILES"] = None  # violates NOT NULL after the step row went in
    with pytest.raises(sqlite3.IntegrityError):
        store.write_step(run, {"step": 2}, [molecule(2, "CCC", 0.3), bad])
    assert store.last_step("r") == 1 and len(store.molecules("r")) == 1


def test_a_full_disk_is_a_clear_error_and_the_store_is_unharmed(tmp_path):
    path = tmp_path / "full.db"
    with RunStore(path) as store:
        run = store.create_run("r", "rl", "")
        store.write_step(run, {"step": 1}, [molecule(1, "CCO", 0.1)])
        pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
        store._conn.execute(f"PRAGMA max_page_count = {pages}")  # the file cannot grow: as on a full disk
        big = [molecule(2, "C" * 40, 0.5) for _ in range(2000)]
        with pytest.raises(StoreError, match="full"):
            store.write_step(run, {"step": 2}, big)
    with RunStore(path) as store:
        assert store.last_step("r") == 1 and len(store.molecules("r")) == 1


def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("my precious notes\n")
    with pytest.raises(StoreError, match="not an SQLite file"):
        RunStore(path)
    assert path.read_text() == "my precious notes\n"


def test_a_store_from_a_newer_molmara_is_refused_untouched(tmp_path):
    path = tmp_path / "future.db"
    with RunStore(path) as store:
        store.create_run("r", "rl", "")
        store._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    before = path.read_bytes()
    with pytest.raises(StoreError, match="newer"):
        RunStore(path)
    assert path.read_bytes() == before


def test_an_old_empty_sqlite_file_is_migrated(tmp_path):
    path = tmp_path / "old.db"
    sqlite3.connect(path).execute("CREATE TABLE unrelated (x)").connection.close()
    with RunStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        store.create_run("r", "rl", "")


def test_a_version_1_store_gains_the_pid_start_time_and_keeps_its_runs(tmp_path):
    path = tmp_path / "v1.db"
    connection = sqlite3.connect(path)
    connection.executescript(MIGRATIONS[0])
    connection.execute(
        "INSERT INTO runs (name, kind, config, status, created_at, updated_at, pid) "
        "VALUES ('old', 'rl', '', 'running', 0, 0, 4242)"
    )
    connection.execute("PRAGMA user_version = 1")
    connection.commit()
    connection.close()
    with RunStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION >= 2
        old = store.get_run("old")
        assert old["pid"] == 4242 and old["pid_started"] is None  # an older row: process_alive reads its command
        store.update_run(old["id"], pid_started=123.5)
        assert store.get_run("old")["pid_started"] == 123.5


def test_missing_store_and_unusable_folder_are_clear_errors(tmp_path):
    with pytest.raises(StoreError, match="no run store"):
        RunStore(tmp_path / "absent.db", create=False)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create the run store folder"):
        RunStore(blocker / "sub" / "molmara.db")


WRITER = textwrap.dedent(
    """
    import sys
    from molmara.store import RunStore
    path, steps = sys.argv[1], int(sys.argv[2])
    with RunStore(path) as store:
        run = store.create_run("live", "rl", "")
        for step in range(1, steps + 1):
            rows = [{"SMILES": "C" * (1 + i % 30), "canonical_smiles": "C", "valid": True, "Score": 0.5,
                     "step": step, "components": {"qed": 0.5}, "raw": {"qed": 0.5}} for i in range(64)]
            store.write_step(run, {"step": step, "oracle_calls": 64 * step}, rows)
        store.update_run(run, status="finished")
    """
)


def test_a_writer_process_and_a_reader_loop_never_meet_a_locked_database(tmp_path):
    path = tmp_path / "molmara.db"
    RunStore(path).close()
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path), "300"], stderr=subprocess.PIPE, text=True)
    reads = 0
    with RunStore(path) as reader:
        while writer.poll() is None or reads == 0:
            runs = reader.list_runs()
            if not runs.empty:
                steps = reader.steps("live")
                counts = reader.molecules("live").groupby("step").size()  # read after the steps
                assert all(counts.get(step, 0) == 64 for step in steps["step"])  # no step without its molecules
                reads += 1
        assert writer.wait() == 0, writer.stderr.read()
        assert reader.get_run("live")["status"] == "finished"
        assert len(reader.steps("live")) == 300 and len(reader.molecules("live")) == 300 * 64
    assert reads > 5


def test_exports_have_reinvent_columns_parquet_and_sdf_properties(store, tmp_path):
    run = store.create_run("r", "rl", "")
    store.write_step(run, {"step": 1}, [molecule(1, "c1ccccc1O", 0.9, True), molecule(1, "xx", float("nan"))])
    assert export_run(store, "r", tmp_path / "r.csv") == 2
    table = pd.read_csv(tmp_path / "r.csv")
    expected = ["SMILES", "Score", "Agent", "Prior", "Target", "Scaffold", "qed", "qed (raw)", "step"]
    assert list(table.columns[:9]) == expected
    assert export_run(store, "r", tmp_path / "r.parquet") == 2
    assert pd.read_parquet(tmp_path / "r.parquet")["SMILES"].tolist() == ["c1ccccc1O", "xx"]
    assert export_run(store, "r", tmp_path / "hits.sdf", hits_only=True) == 1
    mol = next(iter(Chem.SDMolSupplier(str(tmp_path / "hits.sdf"))))
    assert float(mol.GetProp("Score")) == 0.9 and mol.GetProp("Scaffold") == "c1ccccc1"
    with pytest.raises(ValueError, match="export format"):
        export_run(store, "r", tmp_path / "r.xlsx")


def test_update_run_where_status_changes_nothing_once_the_status_moved_on(tmp_path):
    from molmara.store import RunStore

    with RunStore(tmp_path / "s.db") as store:
        run = store.create_run("r", kind="rl", config_toml="", status="running")
        store.update_run(run, status="finished")
        assert store.update_run(run, where_status=("running",), pid=123) is False
        assert store.get_run(run)["pid"] is None and store.get_run(run)["status"] == "finished"
        assert store.update_run(run, where_status=("finished",), pid=7) is True
        assert store.get_run(run)["pid"] == 7
