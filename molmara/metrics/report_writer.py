"""The run report as a file: the metrics table, its definitions, three plots and the top hit scaffolds.

Markdown (`.md`) references PNG files written next to it (`<stem>_scores.png`, …); HTML is one
self-contained file with the plots inline as base64 PNG, nothing loaded from the internet.
Plots use matplotlib's Agg backend, so no display is needed.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from molmara.metrics.report import METRIC_DESCRIPTIONS, RunData, format_table, metrics_table, run_curves, step_curve

PLOTS = {
    "scores": "Best score, top-10 average and per-step mean score against oracle calls",
    "yield": "Cumulative yield (hits) against oracle calls",
    "scaffolds": "Unique Murcko scaffolds among the hits against oracle calls",
}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def report_figures(runs: Sequence[RunData], names: Sequence[str], thresholds: Sequence[float]) -> dict:
    """The three figures (matplotlib `Figure`s keyed as in `PLOTS`), one colour per run."""
    plt = _pyplot()
    figures = {key: plt.subplots(figsize=(7, 4), dpi=100) for key in PLOTS}
    for i, (run, name, threshold) in enumerate(zip(runs, names, thresholds, strict=True)):
        colour = f"C{i % 10}"
        curves, steps = run_curves(run, threshold), step_curve(run)
        ax = figures["scores"][1]
        ax.plot(curves["call"], curves["best"], color=colour, label=f"{name}: best")
        ax.plot(curves["call"], curves["top10"], color=colour, linestyle="--", label=f"{name}: top-10 average")
        ax.plot(steps["oracle_calls"], steps["score_mean"], color=colour, ls=":", marker=".", label=f"{name}: mean")
        hits_label = f"{name} (score >= {threshold:g})"
        figures["yield"][1].plot(curves["call"], curves["yield"], color=colour, label=hits_label)
        figures["scaffolds"][1].plot(curves["call"], curves["hit_scaffolds"], color=colour, label=name)
    labels = {"scores": "score", "yield": "hits", "scaffolds": "unique hit scaffolds"}
    for key, (fig, ax) in figures.items():
        ax.set_xlabel("oracle calls")
        ax.set_ylabel(labels[key])
        ax.set_title(PLOTS[key], fontsize=10)
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
        fig.tight_layout()
    return {key: fig for key, (fig, _) in figures.items()}


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    _pyplot().close(fig)
    return buffer.getvalue()


def _markdown_table(table: pd.DataFrame) -> str:
    header = [table.index.name or ""] + [str(c) for c in table.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for index, row in table.iterrows():
        cells = [str(index)] + [str(v).replace("|", "\\|") for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _scaffold_tables(runs: Sequence[RunData], names: Sequence[str], thresholds: Sequence[float], top: int) -> list:
    from molmara.metrics.run_metrics import hit_mask, oracle_calls
    from molmara.metrics.scaffold_stats import hit_scaffold_table

    out = []
    for run, name, threshold in zip(runs, names, thresholds, strict=True):
        calls = oracle_calls(run.molecules)
        hits = hit_mask(calls["score"].to_numpy(dtype=float), threshold)
        table = hit_scaffold_table(calls["smiles"][hits].tolist(), calls["step"][hits].tolist(), calls["call"][hits])
        table = table.head(top).drop(columns=["generic_scaffold"]).set_index("scaffold")
        table.index = [s if s else "(acyclic)" for s in table.index]
        table.index.name = "scaffold"
        out.append((name, table))
    return out


def write_report(
    runs: Sequence[RunData],
    path: str | Path,
    format: str | None = None,
    table: pd.DataFrame | None = None,
    top_scaffolds: int = 10,
    **options,
) -> Path:
    """Write the report of `runs` to `path` as Markdown (`md`) or HTML (`html`); returns the path.

    `format` defaults to the path's suffix (md when it is neither). `table` is `metrics_table(runs,
    **options)` when not given; `options` (e.g. hit_threshold) also set the threshold of the plots.
    """
    path = Path(path)
    format = (format or path.suffix.lstrip(".") or "md").lower()
    if format not in ("md", "html"):
        raise ValueError(f"report format must be md or html, got {format!r}")
    if not runs:
        raise ValueError("no runs to report")
    table = metrics_table(runs, **options) if table is None else table
    names = list(table.index)
    thresholds = [float(t) for t in table["hit_threshold"]]
    figures = report_figures(runs, names, thresholds)
    shown = format_table(table)
    definitions = {k: v for k, v in METRIC_DESCRIPTIONS.items() if k in table.columns}
    scaffolds = _scaffold_tables(runs, names, thresholds, top_scaffolds)
    path.parent.mkdir(parents=True, exist_ok=True)
    title = "molmara report: " + ", ".join(names)
    if format == "md":
        parts = [f"# {title}", "", _markdown_table(shown), "", "## Plots", ""]
        for key, fig in figures.items():
            image = path.with_name(f"{path.stem}_{key}.png")
            image.write_bytes(_png(fig))
            parts += [f"![{PLOTS[key]}]({image.name})", ""]
        parts += ["## Most populated hit scaffolds", ""]
        for name, frame in scaffolds:
            parts += [f"### {name}", "", _markdown_table(frame) if len(frame) else "No hits.", ""]
        parts += ["## Definitions", ""] + [f"- **{k}**: {v}" for k, v in definitions.items()]
        path.write_text("\n".join(parts) + "\n")
        return path
    body = [f"<h1>{html.escape(title)}</h1>", shown.to_html(), "<h2>Plots</h2>"]
    for key, fig in figures.items():
        data = base64.b64encode(_png(fig)).decode("ascii")
        body.append(f'<figure><img alt="{html.escape(PLOTS[key])}" src="data:image/png;base64,{data}"></figure>')
    body.append("<h2>Most populated hit scaffolds</h2>")
    for name, frame in scaffolds:
        body += [f"<h3>{html.escape(name)}</h3>", frame.to_html() if len(frame) else "<p>No hits.</p>"]
    body.append("<h2>Definitions</h2><ul>")
    body += [f"<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>" for k, v in definitions.items()]
    body.append("</ul>")
    style = "body{font-family:sans-serif;max-width:60em;margin:auto}table{border-collapse:collapse}td,th{padding:2px}"
    page = (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{style}</style></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
    path.write_text(page)
    return path
