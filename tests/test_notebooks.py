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
@pytest.mark.parametrize(
    "name,params",
    [
        ("01_scp_model.ipynb", {"region": "Haaglanden", "folds": 3}),
        ("02_multilevel_extensions.ipynb", {"per_region": False}),
        ("03_did_wijkteams_poh.ipynb", {}),
        ("04_trajecten_en_kosten.ipynb", {}),
    ],
)
def test_notebook_executes(tmp_path, name, params):
    import papermill as pm
    from papermill.translators import PythonTranslator

    nb = pm.execute_notebook(
        str(NOTEBOOKS / name),
        str(tmp_path / name),
        parameters=params,
        kernel_name="python3",
        cwd=str(tmp_path),
        progress_bar=False,
        execution_timeout=300,
    )
    written = json.loads((tmp_path / name).read_text(encoding="utf-8"))
    assert written["metadata"]["papermill"]["exception"] is not True
    assert written["metadata"]["papermill"]["parameters"] == params
    code = [c for c in written["cells"] if c["cell_type"] == "code"]
    assert len(code) == len([c for c in nb.cells if c.cell_type == "code"])
    # papermill injects the parameters in a cell right after the tagged one
    injected = [c for c in code if "injected-parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(injected) == (1 if params else 0)
    for key, value in params.items():
        assert PythonTranslator.assign(key, PythonTranslator.translate(value)) in "".join(injected[0]["source"])
    # every code cell ran, in order, and none raised or wrote a traceback
    counts = [c["execution_count"] for c in code if "".join(c["source"]).strip()]
    assert None not in counts and counts == sorted(counts), counts
    outputs = [o for c in code for o in c.get("outputs", [])]
    assert not [o for o in outputs if o["output_type"] == "error"]
    assert not [o for o in outputs if o.get("name") == "stderr" and "Traceback" in "".join(o.get("text", ""))]
    # the analysis produced results: at least one figure and one table or printed result
    rich = [o for o in outputs if o["output_type"] in ("display_data", "execute_result")]
    assert any("image/png" in o.get("data", {}) for o in rich), "no figure rendered"
    assert any({"text/html", "text/markdown"} & set(o.get("data", {})) for o in rich) or any(
        o["output_type"] == "stream" and o.get("name") == "stdout" for o in outputs
    ), "no table or text output"
