"""Reading and cleaning SMILES corpora for pretraining.

A corpus is a text file (optionally gzipped) with one molecule a line: `.smi` files take the first
whitespace-separated field, `.csv` files the `SMILES` column (or the first column). Junk lines are
skipped and counted, never a crash; an empty result is a clear error.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path

from molmara.chem.smiles import CORPUS_FILTERS, Standardizer, canonical_smiles
from molmara.model.tokenizer import TokenizeError, tokenize


class CorpusError(ValueError):
    """A corpus cannot be used: missing, unreadable, or without a single usable molecule."""


@dataclass
class CorpusStats:
    """What happened to the lines of a corpus."""

    lines: int = 0
    kept: int = 0
    empty: int = 0
    invalid: int = 0
    too_long: int = 0
    untokenizable: int = 0
    duplicates: int = 0
    examples: dict[str, list[str]] = field(default_factory=dict)
    """Up to three skipped lines per reason, to show the user what was wrong."""

    def skip(self, reason: str, line: str) -> None:
        setattr(self, reason, getattr(self, reason) + 1)
        bucket = self.examples.setdefault(reason, [])
        if len(bucket) < 3:
            bucket.append(line[:200])

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        skipped = {k: v for k, v in self.to_dict().items() if k not in ("lines", "kept", "examples") and v}
        text = f"{self.kept:,} of {self.lines:,} lines kept"
        if skipped:
            text += " (skipped: " + ", ".join(f"{k} {v:,}" for k, v in skipped.items()) + ")"
        return text


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


def read_smiles_file(path: str | Path) -> list[str]:
    """Raw SMILES strings of a corpus file (header dropped); no validation yet."""
    path = Path(path)
    if not path.is_file():
        raise CorpusError(f"corpus file not found: {path}")
    suffixes = [s.lower() for s in path.suffixes]
    try:
        with _open_text(path) as handle:
            if ".csv" in suffixes:
                reader = _csv_rows(handle, path)
                header = next(reader, None)
                if header is None:
                    return []
                lowered = [h.strip().lower() for h in header]
                if "smiles" in lowered:
                    column = lowered.index("smiles")
                    rows: Iterable[list[str]] = reader
                else:
                    column = 0
                    rows = [header, *reader]
                return [row[column] if len(row) > column else "" for row in rows]
            out = []
            for i, line in enumerate(handle):
                fields = line.split()
                first = fields[0] if fields else ""
                if i == 0 and first.lower() == "smiles":
                    continue
                out.append(first)
            return out
    except (OSError, EOFError, gzip.BadGzipFile) as err:
        raise CorpusError(f"cannot read corpus {path}: {err}") from err


def _csv_rows(handle, path: Path) -> Iterator[list[str]]:
    """The rows of a CSV file; a row that spans several lines (a stray quote opened a field) is an error naming
    the line, instead of several rows merged into one."""
    reader = csv.reader(handle)
    last = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            raise CorpusError(f"{path}, line {reader.line_num}: not valid CSV ({err})") from None
        if reader.line_num - last > 1 and any("\n" in field or "\r" in field for field in row):
            raise CorpusError(
                f"{path}, line {last + 1}: a quote opens a field that runs to line {reader.line_num} "
                '(a stray " in a SMILES?); fix or remove that line'
            )
        last = reader.line_num
        yield row


def _clean_chunk(args: tuple[Sequence[str], bool, bool, int]) -> tuple[list[str | None], list[str]]:
    """Worker: (cleaned SMILES or None, reason) for each line of a chunk."""
    lines, canonical, standardize, max_tokens = args
    standardizer = Standardizer(CORPUS_FILTERS) if standardize else None
    cleaned: list[str | None] = []
    reasons: list[str] = []
    for line in lines:
        text = line.strip() if isinstance(line, str) else ""
        if not text:
            cleaned.append(None)
            reasons.append("empty")
            continue
        if standardizer is not None:
            smiles = standardizer(text)
        elif canonical:
            smiles = canonical_smiles(text)
        else:
            smiles = text if canonical_smiles(text) is not None else None
        if smiles is None:
            cleaned.append(None)
            reasons.append("invalid")
            continue
        try:
            n_tokens = len(tokenize(smiles))
        except TokenizeError:
            cleaned.append(None)
            reasons.append("untokenizable")
            continue
        if n_tokens > max_tokens:
            cleaned.append(None)
            reasons.append("too_long")
            continue
        cleaned.append(smiles)
        reasons.append("")
    return cleaned, reasons


def clean_corpus(
    lines: Sequence[str],
    canonical: bool = True,
    standardize: bool = False,
    max_tokens: int = 100,
    deduplicate: bool = True,
    n_jobs: int = 1,
    chunk_size: int = 20_000,
) -> tuple[list[str], CorpusStats]:
    """Validate (and canonicalise or standardise) corpus lines; junk is skipped and counted."""
    stats = CorpusStats(lines=len(lines))
    chunks = [(lines[i : i + chunk_size], canonical, standardize, max_tokens) for i in range(0, len(lines), chunk_size)]
    if n_jobs > 1 and len(chunks) > 1:
        with get_context("spawn").Pool(n_jobs) as pool:
            results = pool.map(_clean_chunk, chunks)
    else:
        results = [_clean_chunk(c) for c in chunks]
    kept: list[str] = []
    seen: set[str] = set()
    for (chunk_lines, *_), (cleaned, reasons) in zip(chunks, results, strict=True):
        for line, smiles, reason in zip(chunk_lines, cleaned, reasons, strict=True):
            if smiles is None:
                stats.skip(reason, str(line))
            elif deduplicate and smiles in seen:
                stats.skip("duplicates", smiles)
            else:
                seen.add(smiles)
                kept.append(smiles)
    stats.kept = len(kept)
    return kept, stats


def load_corpus(path: str | Path, **options) -> tuple[list[str], CorpusStats]:
    """Read and clean a corpus file; `CorpusError` if not one usable molecule remains."""
    lines = read_smiles_file(path)
    smiles, stats = clean_corpus(lines, **options)
    if not smiles:
        detail = f" ({stats.summary()})" if stats.lines else ""
        raise CorpusError(f"corpus {path} has no usable SMILES{detail}")
    return smiles, stats
