"""The run store: one SQLite file (WAL mode) holding runs, their per-step records and every scored molecule.

The trainer writes through `StoreRecorder` (one transaction per step); the app and the command line
read the same file at the same time. WAL mode lets readers go on while a writer commits, and a busy
timeout makes a reader that meets a checkpoint wait instead of failing with "database is locked".
The schema carries a version (`PRAGMA user_version`); `MIGRATIONS` brings an older file up to date
and a file from a newer molmara is refused, untouched.
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from molmara.defaults import DEFAULT_STORE
from molmara.run_folder import RunNameError, check_run_name

BUSY_TIMEOUT_MS = 30_000
RECOVER = (
    "Export what is readable run by run with `molmara runs export RUN --store ...`, or rebuild the file with the "
    "sqlite3 tool's `.recover`, and give new runs a new store file"
)

# Each entry upgrades the schema from version i to i + 1; never edit a released entry, append a new one.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        config TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        finished_at REAL,
        seed INTEGER,
        prior TEXT,
        version TEXT,
        run_dir TEXT,
        summary TEXT,
        pid INTEGER,
        log_path TEXT,
        message TEXT
    );
    CREATE TABLE steps (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        oracle_calls INTEGER,
        elapsed_s REAL,
        record TEXT NOT NULL,
        PRIMARY KEY (run_id, step)
    );
    CREATE TABLE molecules (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        smiles TEXT NOT NULL,
        canonical_smiles TEXT,
        valid INTEGER NOT NULL,
        score REAL,
        components TEXT,
        raw TEXT,
        agent_nll REAL,
        prior_nll REAL,
        target REAL,
        reward REAL,
        murcko_scaffold TEXT,
        generic_scaffold TEXT,
        hit INTEGER NOT NULL DEFAULT 0,
        over_budget INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX molecules_run_step ON molecules(run_id, step);
    CREATE INDEX molecules_run_hit ON molecules(run_id, hit);
    """,
    # 2: the start time of the process behind `pid` (`molmara.processes`), so that a pid the OS has given to
    # another process is not taken for the run's
    "ALTER TABLE runs ADD COLUMN pid_started REAL",
]
SCHEMA_VERSION = len(MIGRATIONS)
RUN_STATUSES = ("created", "running", "finished", "collapsed", "cancelled", "failed")


class StoreError(RuntimeError):
    """The store cannot be opened or changed; the message says which file and why. Nothing was overwritten."""


class RunNotFoundError(StoreError, KeyError):
    """No run with that id or name."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


def _nan_to_none(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


class RunStore:
    """A run store file; safe to open from several processes (one writer per run, any number of readers)."""

    def __init__(self, path: str | Path = DEFAULT_STORE, create: bool = True, check: bool = False) -> None:
        """Open (or with `create`, make) the store; `check` runs SQLite's quick_check first and refuses a damaged
        file (what a run does before it writes)."""
        self.path = Path(path)
        if self.path.is_dir():
            raise StoreError(f"run store {self.path} is a folder, not a file")
        exists = self.path.is_file() and self.path.stat().st_size > 0
        if not exists and not create:
            raise StoreError(f"no run store at {self.path}")
        else:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise StoreError(f"cannot create the run store folder {self.path.parent}: {err.strerror}") from None
        try:
            self._conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            # SQLite reads the header, not Python: closing any other descriptor of the file in this process would
            # drop the POSIX locks of this process's open connections, and another process could then checkpoint
            # and delete the WAL under them ("database disk image is malformed"; sqlite.org/howtocorrupt.html 2.2)
            if exists:
                self._check_header()
                if check:
                    self._quick_check()
            self._conn.row_factory = sqlite3.Row
            self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._migrate()
            if self._conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as err:
            raise StoreError(f"cannot open the run store {self.path}: {err}") from None

    # ------------------------------------------------------------------ schema
    def _check_header(self) -> None:
        """Refuse, untouched, a file that is not an SQLite database (SQLite reads nothing else before this)."""
        try:
            self._conn.execute("PRAGMA schema_version").fetchone()
        except sqlite3.OperationalError:  # locked, busy, I/O: not a verdict on the file's format
            raise
        except sqlite3.DatabaseError as err:
            self._conn.close()
            if getattr(err, "sqlite_errorname", "") == "SQLITE_CORRUPT":
                raise StoreError(f"run store {self.path} is damaged ({err}); left untouched. {RECOVER}") from None
            raise StoreError(f"{self.path} is not a molmara run store (not an SQLite file); left untouched") from None

    def _quick_check(self) -> None:
        """Refuse a damaged store before anything is written to it (SQLite's `PRAGMA quick_check`)."""
        try:
            problems = [row[0] for row in self._conn.execute("PRAGMA quick_check(5)").fetchall()]
        except sqlite3.OperationalError:  # locked or busy: not a verdict on the file
            raise
        except sqlite3.DatabaseError as err:
            problems = [str(err)]
        if problems != ["ok"]:
            self._conn.close()
            found = "; ".join(" ".join(p.split()) for p in problems if "*** in database" not in p)[:300]
            raise StoreError(f"run store {self.path} is damaged ({found}); nothing was written to it. {RECOVER}")

    def _migrate(self) -> None:
        conn = self._conn
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"run store {self.path} has schema version {version}, newer than this molmara "
                f"understands ({SCHEMA_VERSION}); upgrade molmara. The file was left untouched"
            )
        if version == SCHEMA_VERSION:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have migrated
            for number in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @property
    def schema_version(self) -> int:
        return self._conn.execute("PRAGMA user_version").fetchone()[0]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE … COMMIT, rolled back on error)."""
        conn = self._conn
        try:
            if not conn.in_transaction:
                conn.execute("BEGIN IMMEDIATE")
            yield conn
            if conn.in_transaction:
                conn.execute("COMMIT")
        except sqlite3.OperationalError as err:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise StoreError(f"run store {self.path}: {err}") from None
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ runs
    def create_run(
        self,
        name: str,
        kind: str,
        config_toml: str,
        seed: int | None = None,
        prior: str | None = None,
        run_dir: str | None = None,
        status: str = "created",
    ) -> int:
        """A new run; a name already in the store is an error (names identify runs on the command line)."""
        from molmara import __version__

        try:
            check_run_name(name)
        except RunNameError as err:
            raise StoreError(str(err)) from None
        now = time.time()
        try:
            with self.transaction() as conn:
                cursor = conn.execute(
                    "INSERT INTO runs (name, kind, config, status, created_at, updated_at, seed, prior, version,"
                    " run_dir) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (name, kind, config_toml, status, now, now, seed, prior, __version__, run_dir),
                )
        except sqlite3.IntegrityError:
            existing = self.get_run(name)
            raise StoreError(
                f"a run named {name!r} already exists in {self.path} (id {existing['id']}, {existing['status']}); "
                "choose another name, resume it, or delete it with `molmara runs delete`"
            ) from None
        return int(cursor.lastrowid)

    def has_run(self, name: str) -> bool:
        return self._conn.execute("SELECT 1 FROM runs WHERE name = ?", (name,)).fetchone() is not None

    def get_run(self, run: int | str) -> dict:
        """A run by id (an int or a string of digits) or by name."""
        if isinstance(run, int) or (isinstance(run, str) and run.isdigit()):
            row = self._conn.execute("SELECT * FROM runs WHERE id = ?", (int(run),)).fetchone()
        else:
            row = self._conn.execute("SELECT * FROM runs WHERE name = ?", (run,)).fetchone()
        if row is None:
            raise RunNotFoundError(f"no run {run!r} in {self.path}; `molmara runs list` shows the runs")
        out = dict(row)
        out["summary"] = json.loads(out["summary"]) if out["summary"] else {}
        return out

    def update_run(self, run_id: int, where_status: tuple[str, ...] | None = None, **values) -> bool:
        """Set run columns (status, summary, pid, log_path, message, finished_at …); with `where_status`, only
        while the run's status is one of those (checked in the same statement). Whether the row changed."""
        allowed = {"status", "summary", "pid", "pid_started", "log_path", "message", "finished_at", "run_dir", "config"}
        unknown = set(values) - allowed
        if unknown:
            raise ValueError(f"cannot update run columns {sorted(unknown)}")
        if "status" in values and values["status"] not in RUN_STATUSES:
            raise ValueError(f"unknown run status {values['status']!r}; expected one of {RUN_STATUSES}")
        if "summary" in values and not isinstance(values["summary"], str):
            values["summary"] = json.dumps(values["summary"], default=str)
        values["updated_at"] = time.time()
        assignments = ", ".join(f"{key} = ?" for key in values)
        condition, extra = "", ()
        if where_status is not None:
            condition, extra = f" AND status IN ({', '.join('?' * len(where_status))})", tuple(where_status)
        with self.transaction() as conn:
            sql = f"UPDATE runs SET {assignments} WHERE id = ?{condition}"
            cursor = conn.execute(sql, (*values.values(), run_id, *extra))
            return cursor.rowcount > 0

    def list_runs(self) -> pd.DataFrame:
        """All runs, newest first, with their summary numbers as columns."""
        rows = self._conn.execute(
            "SELECT id, name, kind, status, created_at, updated_at, seed, summary FROM runs ORDER BY id DESC"
        ).fetchall()
        records = []
        for row in rows:
            record = {k: row[k] for k in ("id", "name", "kind", "status", "seed")}
            record["created"] = pd.Timestamp(row["created_at"], unit="s").strftime("%Y-%m-%d %H:%M")
            summary = json.loads(row["summary"]) if row["summary"] else {}
            for key in ("steps", "oracle_calls", "hits", "unique_hit_scaffolds"):
                record[key] = summary.get(key)
            records.append(record)
        columns = ["id", "name", "kind", "status", "seed", "created", "steps", "oracle_calls", "hits"]
        return pd.DataFrame.from_records(records, columns=[*columns, "unique_hit_scaffolds"])

    def delete_run(self, run: int | str) -> dict:
        """Remove a run with its steps and molecules; returns the deleted run's row."""
        info = self.get_run(run)
        with self.transaction() as conn:
            conn.execute("DELETE FROM molecules WHERE run_id = ?", (info["id"],))
            conn.execute("DELETE FROM steps WHERE run_id = ?", (info["id"],))
            conn.execute("DELETE FROM runs WHERE id = ?", (info["id"],))
        return info

    # ------------------------------------------------------------------ steps and molecules
    def write_step(self, run_id: int, record: dict, molecules: Iterable[dict]) -> None:
        """One step's record and its molecules, committed together."""
        rows = [_molecule_row(run_id, m) for m in molecules]
        payload = json.dumps({k: _nan_to_none(v) for k, v in record.items()}, default=str)
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO steps (run_id, step, oracle_calls, elapsed_s, record) VALUES (?, ?, ?, ?, ?)",
                (run_id, record["step"], record.get("oracle_calls"), record.get("elapsed_s"), payload),
            )
            conn.executemany(
                "INSERT INTO molecules (run_id, step, smiles, canonical_smiles, valid, score, components, raw,"
                " agent_nll, prior_nll, target, reward, murcko_scaffold, generic_scaffold, hit, over_budget)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            conn.execute("UPDATE runs SET updated_at = ? WHERE id = ?", (time.time(), run_id))

    def truncate_after(self, run_id: int, step: int) -> None:
        """Drop the steps and molecules after `step` (a resumed run continues from its checkpoint)."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM steps WHERE run_id = ? AND step > ?", (run_id, step))
            conn.execute("DELETE FROM molecules WHERE run_id = ? AND step > ?", (run_id, step))

    def steps(self, run: int | str) -> pd.DataFrame:
        """The per-step records of a run, one row per step."""
        run_id = self.get_run(run)["id"]
        rows = self._conn.execute("SELECT record FROM steps WHERE run_id = ? ORDER BY step", (run_id,)).fetchall()
        if not rows:  # a run that has not finished a step yet: still a table with a step column
            return pd.DataFrame({"step": pd.Series(dtype="int64")})
        return pd.DataFrame.from_records([json.loads(r[0]) for r in rows])

    def molecules(self, run: int | str, hits_only: bool = False, since_step: int | None = None) -> pd.DataFrame:
        """A run's molecules in generation order; component values are expanded into columns."""
        run_id = self.get_run(run)["id"]
        query = "SELECT * FROM molecules WHERE run_id = ?"
        params: list = [run_id]
        if hits_only:
            query += " AND hit = 1"
        if since_step is not None:
            query += " AND step > ?"
            params.append(since_step)
        table = pd.read_sql_query(query + " ORDER BY id", self._conn, params=params)
        return _expand_components(table)

    def last_step(self, run: int | str) -> int:
        run_id = self.get_run(run)["id"]
        value = self._conn.execute("SELECT MAX(step) FROM steps WHERE run_id = ?", (run_id,)).fetchone()[0]
        return int(value or 0)


def _molecule_row(run_id: int, m: dict) -> tuple:
    def number(key):
        value = m.get(key)
        return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)

    components = {k: _nan_to_none(float(v)) for k, v in m.get("components", {}).items()}
    raw = {k: _nan_to_none(float(v)) for k, v in m.get("raw", {}).items()}
    return (
        run_id,
        int(m["step"]),
        m["SMILES"],
        m.get("canonical_smiles") or None,
        int(bool(m.get("valid"))),
        number("Score"),
        json.dumps(components),
        json.dumps(raw),
        number("Agent"),
        number("Prior"),
        number("Target"),
        number("reward"),
        m.get("Scaffold") or None,
        m.get("generic_scaffold") or None,
        int(bool(m.get("hit"))),
        int(bool(m.get("over_budget"))),
    )


def _expand_components(table: pd.DataFrame) -> pd.DataFrame:
    if table.empty:
        return table.drop(columns=["components", "raw"], errors="ignore")
    components = pd.DataFrame.from_records([json.loads(c or "{}") for c in table["components"]], index=table.index)
    raw = pd.DataFrame.from_records([json.loads(c or "{}") for c in table["raw"]], index=table.index)
    raw.columns = [f"{c} (raw)" for c in raw.columns]
    table = table.drop(columns=["components", "raw"])
    for column in ("valid", "hit", "over_budget"):
        table[column] = table[column].astype(bool)
    return pd.concat([table, components, raw], axis=1)
