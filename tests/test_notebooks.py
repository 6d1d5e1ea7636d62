"""The teaching notebooks run top to bottom in a fresh kernel, within their time budget, and
reproduce their committed outputs (`notebooks/run.py` defines what "match" means).

The kernel is the interpreter running pytest (`sys.executable`). Budget per notebook:
`KERASDL_NOTEBOOK_BUDGET_S` seconds (default 180, the issue's limit on 2 CPU cores; the
notebooks take well under a minute on an idle machine). Regenerate the committed outputs
with `python notebooks/run.py`.
"""

import importlib.util
import os
import pathlib

import pytest

pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

import nbformat  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
BUDGET_S = float(os.environ.get("KERASDL_NOTEBOOK_BUDGET_S", "180"))


def _runner():
    spec = importlib.util.spec_from_file_location("notebook_runner", ROOT / "notebooks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RUNNER = _runner()
NOTEBOOKS = RUNNER.notebook_paths()


def test_every_notebook_is_committed_with_outputs():
    names = [path.stem for path in NOTEBOOKS]
    assert [name[:2] for name in names] == [f"{i:02d}" for i in range(1, 8)], names
    readme = (ROOT / "notebooks" / "README.md").read_text()
    for path in NOTEBOOKS:
        assert path.name in readme, f"{path.name} is not in notebooks/README.md"
        notebook = nbformat.read(path, as_version=4)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert code and all(cell.execution_count for cell in code), f"{path.name} not executed"
        assert any(
            "image/png" in output.get("data", {}) for cell in code for output in cell.outputs
        ), f"{path.name} has no plot"
        errors = [o for cell in code for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{path.name} was saved with an error"


def test_compare_tolerates_rounding_but_not_changes():
    def notebook(text):
        cell = nbformat.v4.new_code_cell("print(x)")
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
        return nbformat.v4.new_notebook(cells=[cell])

    assert not RUNNER.compare(notebook("accuracy 0.953\n"), notebook("accuracy 0.955\n"))
    assert RUNNER.compare(notebook("accuracy 0.953\n"), notebook("accuracy 0.853\n"))
    assert RUNNER.compare(notebook("accuracy 0.953\n"), notebook("loss 0.953\n"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_runs_and_matches_committed_outputs(path, monkeypatch):
    # The committed outputs come from `notebooks/run.py` with TensorFlow's own thread pools;
    # the kernel inherits this process's environment, where conftest may have set one
    # thread per xdist worker, which sums floats in another order (notebook 06's digits
    # accuracy moved from 0.928 to 0.931).
    for name in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        monkeypatch.delenv(name, raising=False)
    fresh, seconds = RUNNER.execute(path, timeout=int(BUDGET_S))
    problems = RUNNER.compare(nbformat.read(path, as_version=4), fresh)
    assert not problems, f"{path.name} differs from a fresh run:\n" + "\n".join(problems)
    assert seconds <= BUDGET_S, f"{path.name} took {seconds:.0f} s (budget {BUDGET_S:.0f} s)"
