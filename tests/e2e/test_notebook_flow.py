"""The quickstart notebook runs top to bottom without an error."""

from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]


def test_quickstart_notebook__executes(tmp_path, monkeypatch):
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    nb = nbformat.read(ROOT / "notebooks" / "quickstart.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    # the leaderboard and the verification table were rendered
    html = "".join(str(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert "score_bps" in html and "recomputed_bps" in html
    # result.plot() shows an image when executed (it showed nothing: the Figure was only assigned)
    assert any("image/png" in o.get("data", {}) for o in outputs)
    # no library warnings (pydantic's serializer, tqdm's IProgress) in what the reader sees
    stderr = "".join(o.get("text", "") for o in outputs if o.output_type == "stream" and o.get("name") == "stderr")
    assert "Warning" not in stderr and "warn" not in stderr.lower(), stderr[-2000:]
