"""Execute the teaching notebooks in a fresh kernel and save them with their outputs.

    python notebooks/run.py                    # every notebook, outputs written in place
    python notebooks/run.py 03_optimizers      # some of them (name with or without .ipynb)
    python notebooks/run.py --check            # execute, compare with the committed outputs,
                                               # write nothing

The kernel is this interpreter (`sys.executable`), whatever Jupyter kernels are installed,
so the notebooks run against the kerasdl of the environment that runs this script. Library
logs and warnings (stderr) are not kept in the saved notebooks; errors still stop the run.

"The committed outputs match a fresh run" (`compare`) means: the same cells with the same
sources; per code cell the same sequence of outputs (stdout text, images, rich results);
every printed text equal once numbers are compared with a tolerance (`NUMBER_RTOL`,
`NUMBER_ATOL`) and memory addresses ignored; a PNG wherever the committed cell has one.
Plots themselves are not compared pixel by pixel (anti-aliasing and library versions
change bytes, not content).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import re
import sys
import tempfile
import time

import nbformat

NOTEBOOKS = pathlib.Path(__file__).resolve().parent
KERNEL_NAME = "kerasdl-notebooks"
NUMBER_RTOL = 0.05
NUMBER_ATOL = 0.02
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def notebook_paths(names: list[str] | None = None) -> list[pathlib.Path]:
    """The notebooks `NN_*.ipynb` in order, or those named."""
    if not names:
        return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    return [NOTEBOOKS / (n if n.endswith(".ipynb") else f"{n}.ipynb") for n in names]


def _kernel_manager(kernels_dir: str):
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec_dir = os.path.join(kernels_dir, KERNEL_NAME)
    os.makedirs(spec_dir, exist_ok=True)
    env = {
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONHASHSEED": "0",
        "PYTHONWARNINGS": "ignore",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python ({sys.executable})",
        "language": "python",
        "env": env,
    }
    with open(os.path.join(spec_dir, "kernel.json"), "w") as handle:
        json.dump(spec, handle)
    specs = KernelSpecManager(kernel_dirs=[kernels_dir])
    return KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs)


def execute(path: str | os.PathLike, timeout: int = 600) -> tuple[nbformat.NotebookNode, float]:
    """Runs a notebook top to bottom in a fresh kernel; returns (executed notebook, seconds).

    The notebook runs in its own folder. Outputs on stderr are dropped and the kernel
    metadata is reset to the generic `python3` so the saved file does not depend on the
    machine that ran it.
    """
    from nbclient import NotebookClient

    path = pathlib.Path(path)
    notebook = nbformat.read(path, as_version=4)
    kernelspec = notebook.metadata.get("kernelspec")
    with tempfile.TemporaryDirectory() as kernels_dir:
        manager = _kernel_manager(kernels_dir)
        client = NotebookClient(
            notebook,
            km=manager,
            timeout=timeout,
            record_timing=False,
            coalesce_streams=True,
            resources={"metadata": {"path": str(path.parent)}},
        )
        start = time.perf_counter()
        try:
            client.execute()
        finally:
            # a kernel manager passed in is not shut down by nbclient itself
            if manager.has_kernel:
                manager.shutdown_kernel(now=True)
        seconds = time.perf_counter() - start
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [
                o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")
            ]
    if kernelspec is not None:
        notebook.metadata["kernelspec"] = kernelspec
    return notebook, seconds


def _outputs(cell) -> list[tuple[str, str | None]]:
    """(kind, text) per output: kind 'stdout', 'image' or 'result'; consecutive stdout merged."""
    result = []
    for output in cell.get("outputs", []):
        kind = output.output_type
        if kind == "stream":
            if output.name != "stdout":
                continue
            if result and result[-1][0] == "stdout":
                result[-1] = ("stdout", result[-1][1] + output.text)
            else:
                result.append(("stdout", output.text))
        elif kind in ("display_data", "execute_result"):
            data = output.get("data", {})
            if "image/png" in data:
                result.append(("image", None))
            else:
                result.append(("result", data.get("text/plain", "")))
        elif kind == "error":
            result.append(("error", f"{output.ename}: {output.evalue}"))
    return result


def _same_text(expected: str, actual: str) -> bool:
    expected, actual = _ADDRESS.sub("0x", expected), _ADDRESS.sub("0x", actual)
    if _NUMBER.split(expected) != _NUMBER.split(actual):
        return False
    for a, b in zip(_NUMBER.findall(expected), _NUMBER.findall(actual), strict=True):
        x, y = float(a), float(b)
        if not math.isclose(x, y, rel_tol=NUMBER_RTOL, abs_tol=NUMBER_ATOL):
            return False
    return True


def compare(committed: nbformat.NotebookNode, fresh: nbformat.NotebookNode) -> list[str]:
    """Differences between two runs of a notebook (empty when they match; see the module)."""
    problems = []
    if len(committed.cells) != len(fresh.cells):
        return [f"{len(committed.cells)} cells committed, {len(fresh.cells)} in the fresh run"]
    for index, (old, new) in enumerate(zip(committed.cells, fresh.cells, strict=True)):
        where = f"cell {index}"
        if old.cell_type != new.cell_type or old.source != new.source:
            problems.append(f"{where}: source or type differs")
            continue
        if old.cell_type != "code":
            continue
        before, after = _outputs(old), _outputs(new)
        if [k for k, _ in before] != [k for k, _ in after]:
            problems.append(
                f"{where}: outputs {[k for k, _ in before]} committed, {[k for k, _ in after]} now"
            )
            continue
        for (kind, text), (_, text_now) in zip(before, after, strict=True):
            if kind in ("stdout", "result", "error") and not _same_text(text, text_now):
                problems.append(
                    f"{where}: {kind} differs\n--- committed\n{text}--- now\n{text_now}"
                )
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebooks to run (default: all)")
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args()
    status = 0
    for path in notebook_paths(args.names):
        notebook, seconds = execute(path, args.timeout)
        if args.check:
            problems = compare(nbformat.read(path, as_version=4), notebook)
            status |= bool(problems)
            print(f"{path.name}: {seconds:.1f} s, {'MATCH' if not problems else 'DIFFERS'}")
            for problem in problems:
                print("  " + problem)
        else:
            nbformat.write(notebook, path)
            print(f"{path.name}: {seconds:.1f} s, saved")
    return status


if __name__ == "__main__":
    sys.exit(main())
