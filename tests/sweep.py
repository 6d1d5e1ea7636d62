"""Runs many trainer invocations of one application in one Python process.

A sweep of cases (bad input, odd input) launched one process each spends most of its time
importing TensorFlow. Here the cases of one trainer run one after another in a single
child process (this file run as a script): each case is a whole `trainer.run(main)` as
`python -m applications.<app>` runs it, with its own argv (absl's flags are reset in
between) and model_dir; the Keras session is cleared between cases. A case with a
`serve` list also loads its export and calls `serving_default` on those inputs.

    results = run_sweep("text_classification", specs, folder)   # {name: result}

A spec is `{"name", "argv", "model_dir", "serve"?}`; a result is `{"exit", "stderr",
"metrics", "served", "export_dir"?, "seconds"}` (stderr is what Python wrote; the
TensorFlow runtime's own lines go to the child's real stderr).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pathlib
import subprocess
import sys
import time
import traceback

REPO = pathlib.Path(__file__).resolve().parents[1]


def run_sweep(app: str, specs: list[dict], folder, timeout_per_case: float = 120) -> dict:
    """Runs `specs` of `applications.<app>` in one child process; `{name: result}`."""
    folder = pathlib.Path(folder)
    spec_path, results_path = folder / f"{app}-spec.json", folder / f"{app}-results.json"
    spec_path.write_text(json.dumps({"app": app, "cases": specs}))
    process = subprocess.run(
        [sys.executable, __file__, str(spec_path), str(results_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300 + timeout_per_case * len(specs),
    )
    assert process.returncode == 0, process.stderr[-3000:]
    return json.loads(results_path.read_text())


def serve(export_dir: str, app: str, inputs) -> dict:
    """`serving_default` of the export on raw `inputs` (texts, or token rows), as lists."""
    import tensorflow as tf

    signature = tf.saved_model.load(export_dir).signatures["serving_default"]
    key = "texts" if app == "text_classification" else "tokens"
    outputs = signature(**{key: tf.constant(inputs, tf.string)})
    served = {}
    for name, value in outputs.items():
        value = value.numpy()
        if value.dtype == object:  # strings come back as UTF-8 bytes
            rows = [[t.decode() for t in row] for row in value.reshape(len(value), -1)]
            served[name] = rows if value.ndim == 2 else [row[0] for row in rows]
        else:
            served[name] = value.tolist()
    return served


def run_one(module, app: str, spec: dict) -> dict:
    """`trainer.run(main)` with the case's argv, as `python -m` would run it; then serving."""
    import keras
    from absl import flags

    from kerasdl import trainer

    flags.FLAGS.unparse_flags()
    sys.argv = [app, *spec["argv"]]
    stderr, code = io.StringIO(), 0
    start = time.perf_counter()
    with contextlib.redirect_stderr(stderr):
        try:
            trainer.run(module.main)
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        except Exception:  # a crash is a result to report, not the end of the sweep
            code = 1
            traceback.print_exc()
    result = {"exit": code, "stderr": stderr.getvalue(), "metrics": None, "served": None}
    metrics_path = os.path.join(spec["model_dir"], "metrics.json")
    if code == 0 and os.path.exists(metrics_path):
        with open(metrics_path, encoding="utf-8") as handle:
            result["metrics"] = json.load(handle)
        result["export_dir"] = result["metrics"]["export_dir"]
        if spec.get("serve") is not None:
            try:
                result["served"] = serve(result["export_dir"], app, spec["serve"])
            except Exception:
                result["exit"] = 1
                result["stderr"] += traceback.format_exc()
    result["seconds"] = time.perf_counter() - start
    keras.backend.clear_session(free_memory=True)
    return result


def main(spec_path: str, results_path: str) -> None:
    import importlib

    with open(spec_path, encoding="utf-8") as handle:
        spec = json.load(handle)
    module = importlib.import_module(f"applications.{spec['app']}.__main__")
    results = {}
    for case in spec["cases"]:
        results[case["name"]] = result = run_one(module, spec["app"], case)
        print(
            f"{case['name']}: exit {result['exit']}, {result['seconds']:.1f} s",
            file=sys.__stdout__,
            flush=True,
        )
    with open(results_path, "w", encoding="utf-8") as handle:
        json.dump(results, handle)


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main(*sys.argv[1:])
