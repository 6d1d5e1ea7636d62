"""Writes `tests/data/addons_optimizer_goldens.npz`: tensorflow-addons 0.23 reference values
for LazyAdam, AdaBelief, ProximalAdagrad, COCOB, ConditionalGradient and the cyclical
learning-rate schedules (issue 20), read by `tests/test_addons_optimizers_more.py`.

Run it with a TensorFlow 2.15 + tensorflow-addons 0.23 interpreter, from the repository root:

    /work/tfa-venv/bin/python tests/data/make_addons_optimizer_goldens.py

It imports neither kerasdl nor Keras 3. The problems are `make_optimizer_goldens.py`'s
(seeded NumPy arrays, saved there; the tests read them from `optimizer_goldens.npz`):

- `sparse_<case>` [T, 6, 3]: the embedding table after steps 1..T of the lookup problem,
  its gradient a `tf.IndexedSlices` with repeated indices (tfa sums them first), row 4
  looked up in the first 5 steps only and row 5 never.
- `dense_<case>` [T, 5, 3]: `w` after full-batch steps on `mean((X @ w - Y)^2)` from `w0`.
- `vector_<case>` [T, 5]: a rank-1 variable `[4]` and a scalar after steps on
  `sum(c * (v - a)^2) + 3 (s - 1.5)^2` (ConditionalGradient's ranks below 2), concatenated.
- `schedule_<case>` [41]: the schedule at steps 0..40 (float32, as tfa's optimizers pass
  the step), `schedule_int_<case>` the same at Python int steps.
- `signatures`: JSON, each class's constructor arguments `[name, default]` in order
  (`"<required>"` where there is no default), and its `get_config()` keys as tfa made them.

COCOB: tfa raises NotImplementedError on a sparse gradient; `sparse_cocob` is its trajectory
for the same gradient made dense (`tf.convert_to_tensor`), which kerasdl's sparse update
must equal (a zero gradient leaves a COCOB coordinate and its slots unchanged).

Tolerance used by the tests: rtol 1e-4, atol 1e-5.
"""

import inspect
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_addons as tfa  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import addons_optimizer_cases  # noqa: E402
from make_optimizer_goldens import (  # noqa: E402
    STEPS,
    dense_problem,
    dense_trajectory,
    sparse_problem,
)

OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "addons_optimizer_goldens.npz")
opt = tfa.optimizers


def exponential(initial):
    return tf.keras.optimizers.schedules.ExponentialDecay(initial, decay_steps=5, decay_rate=0.5)


SCHEDULES = addons_optimizer_cases.schedules(opt)
OPTIMIZERS = addons_optimizer_cases.optimizers(opt, exponential, STEPS)
VECTOR_CASES = addons_optimizer_cases.VECTOR_CASES


def sparse_trajectory(optimizer, table0, indices, x, y, densify=False):
    table = tf.Variable(table0)
    out = []
    for t in range(len(indices)):
        with tf.GradientTape() as tape:
            rows = tf.gather(table, indices[t])
            loss = tf.reduce_mean(tf.square(tf.reduce_sum(rows * x[t], -1) - y[t]))
        gradient = tape.gradient(loss, table)
        assert isinstance(gradient, tf.IndexedSlices)
        if densify:
            gradient = tf.convert_to_tensor(gradient)
        optimizer.apply_gradients([(gradient, table)])
        out.append(table.numpy())
    return np.stack(out)


def vector_problem():
    v0 = np.array([0.5, -1.0, 2.0, 0.0], np.float32)
    target = np.array([1.0, 1.0, -1.0, 0.5], np.float32)
    weight = np.array([1.0, 2.0, 0.5, 3.0], np.float32)
    return v0, np.float32(-0.5), target, weight


def vector_trajectory(optimizer, v0, s0, target, weight):
    v, s = tf.Variable(v0), tf.Variable(s0)
    out = []
    for _ in range(STEPS):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(weight * tf.square(v - target)) + 3.0 * tf.square(s - 1.5)
        optimizer.apply_gradients(zip(tape.gradient(loss, [v, s]), [v, s], strict=True))
        out.append(np.concatenate([v.numpy(), [s.numpy()]]))
    return np.stack(out)


SIGNATURE_CLASSES = {
    "LazyAdam": lambda: opt.LazyAdam(),
    "AdaBelief": lambda: opt.AdaBelief(),
    "ProximalAdagrad": lambda: opt.ProximalAdagrad(),
    "COCOB": lambda: opt.COCOB(),
    "ConditionalGradient": lambda: opt.ConditionalGradient(0.1),
    "CyclicalLearningRate": lambda: opt.CyclicalLearningRate(
        0.1, 0.5, 3, addons_optimizer_cases.inverse_step
    ),
    "TriangularCyclicalLearningRate": lambda: opt.TriangularCyclicalLearningRate(0.1, 0.5, 3),
    "Triangular2CyclicalLearningRate": lambda: opt.Triangular2CyclicalLearningRate(0.1, 0.5, 3),
    "ExponentialCyclicalLearningRate": lambda: opt.ExponentialCyclicalLearningRate(0.1, 0.5, 3),
}


def signatures():
    out = {}
    for name, make in SIGNATURE_CLASSES.items():
        parameters = inspect.signature(getattr(opt, name).__init__).parameters.values()
        arguments = [
            [p.name, "<required>" if p.default is inspect.Parameter.empty else p.default]
            for p in parameters
            if p.name != "self" and p.kind is not inspect.Parameter.VAR_KEYWORD
        ]
        out[name] = {"arguments": arguments, "config": sorted(make().get_config())}
    return json.dumps(out)


def main():
    table0, indices, x, y = sparse_problem()
    inputs, targets, w0 = dense_problem()
    v0, s0, target, weight = vector_problem()
    arrays = {
        "vector_v0": v0,
        "vector_s0": s0,
        "vector_target": target,
        "vector_weight": weight,
        "signatures": np.array(signatures()),
        "versions": np.array(f"tensorflow {tf.__version__}, tensorflow-addons {tfa.__version__}"),
    }
    for name, make in OPTIMIZERS.items():
        densify = name.startswith("cocob")
        arrays[f"sparse_{name}"] = sparse_trajectory(make(), table0, indices, x, y, densify)
        arrays[f"dense_{name}"] = dense_trajectory(make(), inputs, targets, w0)
    for name in VECTOR_CASES:
        arrays[f"vector_{name}"] = vector_trajectory(OPTIMIZERS[name](), v0, s0, target, weight)
    for name, make in SCHEDULES.items():
        schedule = make()
        arrays[f"schedule_{name}"] = np.array(
            [float(schedule(tf.constant(step, tf.float32))) for step in range(41)], np.float32
        )
        arrays[f"schedule_int_{name}"] = np.array(
            [float(schedule(step)) for step in range(41)], np.float32
        )
    np.savez_compressed(OUTPUT, **arrays)
    print(f"wrote {OUTPUT}: {sorted(arrays)}", file=sys.stderr)


if __name__ == "__main__":
    main()
