"""The mode-collapse notebook runs end to end on small settings (short tabular training, a tiny real run)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_mode_collapse_notebook_runs(monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("MOLMARA_NOTEBOOK_SMALL", "1")  # the kernel inherits it: 300 tabular steps, 64 oracle calls
    notebook = nbformat.read(ROOT / "notebooks" / "mode_collapse.ipynb", as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "share of the good mass on A, B, C, D" in text and "batches with a sample >= τ" in text
