"""Every analysis notebook executes under papermill; committed notebooks carry no outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
ALL = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


@pytest.mark.parametrize("name", ALL)
def test_committed_notebook_is_clean_and_paired(name):
    nb = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert (NOTEBOOKS / name).with_suffix(".py").exists(), "paired py:percent file missing"
    assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"), "outputs committed"
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"


@pytest.mark.slow
@pytest.mark.parametrize("name,params", [
    ("01_scp_model.ipynb", {"region": "Haaglanden", "folds": 3}),
    ("02_multilevel_extensions.ipynb", {}),
    ("03_did_wijkteams_poh.ipynb", {}),
    ("04_trajecten_en_kosten.ipynb", {}),
])
def test_notebook_executes(tmp_path, name, params):
    import papermill as pm

    pm.execute_notebook(str(NOTEBOOKS / name), str(tmp_path / name), parameters=params, kernel_name="python3",
                        cwd=str(tmp_path), progress_bar=False, execution_timeout=300)
