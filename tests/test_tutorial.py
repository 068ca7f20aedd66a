"""The tutorial notebook: shipped with its outputs, and run from top to bottom it gives
every result with its interval and takeaways its own numbers bear out."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"
#: "21.0 (3.8 to 38.2)": a mean and its 95 % interval as the tutorial prints them.
WITH_INTERVAL = r"[\d,.]+ \([\d,.]+ to [\d,.]+\)"


def printed(cells: list[dict]) -> str:
    return "".join(
        "".join(output.get("text", ""))
        for cell in cells
        if cell["cell_type"] == "code"
        for output in cell.get("outputs", [])
    )


def check_findings(text: str) -> None:
    """What the takeaways rest on: each opt-in rate with intervals, the trend monotone."""
    rates = re.findall(
        rf"opt-in (\d+)%: stranded per 1,000 impaired crossings ({WITH_INTERVAL}), "
        rf"residents identified ({WITH_INTERVAL})",
        text,
    )
    assert [rate for rate, _, _ in rates] == ["10", "50", "90"], text
    stranded = [float(s.split(" ")[0]) for _, s, _ in rates]
    identified = [float(n.split(" ")[0].replace(",", "")) for _, _, n in rates]
    assert stranded == sorted(stranded, reverse=True) and len(set(stranded)) == 3
    assert identified == sorted(identified) and len(set(identified)) == 3
    assert "monotone: stranded falls" in text
    assert re.search(r"opt-in 10% -> 50%: stranded [-+][\d.]+ per 1,000 \(95 % interval", text)
    assert "The opt-in app strands" in text and "on the Pareto front: " in text


def test_the_tutorial_ships_with_its_outputs() -> None:
    """Opened without running, the notebook shows every cell's output and the plot."""
    notebook = json.loads(NOTEBOOK.read_text())
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert all(cell.get("outputs") for cell in code[:1] + code[2:])  # all but definitions
    check_findings(printed(notebook["cells"]))
    assert any("image/png" in o.get("data", {}) for cell in code for o in cell["outputs"])
    source = "".join("".join(cell["source"]) for cell in code)
    assert "twin.load(" in source and "twin.run(" in source  # the public API only
    assert "plot_tradeoff(" in source and "run_scenario" not in source
    assert "mean_interval" in source and "paired_difference" in source
    # the extra that opens it installs Jupyter
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^tutorial = \[.*"notebook', pyproject, re.M)
    assert 'pip install -e ".[tutorial]" && jupyter notebook docs/tutorial.ipynb' in (
        (ROOT / "README.md").read_text()
    )


@pytest.mark.slow
def test_tutorial_notebook_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")  # no migration warning from jupyter_core
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    )
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=600,  # 40 one-hour runs in its cells: about 20 s idle, a few minutes loaded
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT / "docs")}},
    )
    client.execute()  # raises CellExecutionError on any failing cell (its asserts too)
    check_findings(printed(notebook.cells))
    images = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    ]
    assert images, "the safety-against-privacy trade-off plot is missing"
