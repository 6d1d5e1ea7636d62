"""Writes `tests/data/optimizer_goldens.npz`: tensorflow-addons 0.23 reference trajectories for
sparse gradients and scheduled weight decay (issue 18), read by `tests/test_optimizers_sparse.py`.

Run it with a TensorFlow 2.15 + tensorflow-addons 0.23 interpreter (tfa cannot be imported
under Keras 3), from the repository root:

    /work/tfa-venv/bin/python tests/data/make_optimizer_goldens.py

It imports neither kerasdl nor Keras 3. The problems are seeded NumPy arrays saved beside
the trajectories, so the tests rebuild the same gradients:

- `sparse_<case>` [T, 6, 3]: the embedding table after steps 1..T of minimising
  `mean((sum(table[indices[t]] * x[t], -1) - y[t])^2)`. The gradient of the lookup is a
  `tf.IndexedSlices` with the batch's indices as they come, repeats included (rows 0-3 are
  drawn with replacement), row 4 is looked up in the first 5 steps only and row 5 never.
- `schedule_<case>` [T, 5, 3]: `w` after steps 1..T of full-batch steps on
  `mean((X @ w - Y)^2)` from `w0`, with a scheduled or callable weight decay.

Tolerance used by the tests: rtol 1e-4, atol 1e-5.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_addons as tfa  # noqa: E402

OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optimizer_goldens.npz")
STEPS = 20
schedules = tf.keras.optimizers.schedules
legacy = tf.keras.optimizers.legacy


def exponential(initial):
    return schedules.ExponentialDecay(initial, decay_steps=5, decay_rate=0.5)


def piecewise(values):
    return schedules.PiecewiseConstantDecay([6, 12], values)


# Mirrored, with kerasdl's classes, in tests/test_optimizers_sparse.py.
SPARSE_CASES = {
    "radam": lambda: tfa.optimizers.RectifiedAdam(learning_rate=0.05),
    "radam_wd_warmup_amsgrad": lambda: tfa.optimizers.RectifiedAdam(
        learning_rate=0.05,
        weight_decay=0.01,
        total_steps=STEPS,
        warmup_proportion=0.2,
        amsgrad=True,
    ),
    "yogi": lambda: tfa.optimizers.Yogi(learning_rate=0.05),
    "yogi_no_momentum_l1_l2": lambda: tfa.optimizers.Yogi(
        learning_rate=0.05,
        beta1=0.0,
        l1_regularization_strength=0.01,
        l2_regularization_strength=0.01,
    ),
    "yogi_l2": lambda: tfa.optimizers.Yogi(learning_rate=0.05, l2_regularization_strength=0.05),
    "novograd": lambda: tfa.optimizers.NovoGrad(learning_rate=0.05),
    # (tfa's sparse NovoGrad fails with amsgrad=True: its vhat slot has the variable's shape.)
    "novograd_wd_averaging": lambda: tfa.optimizers.NovoGrad(
        learning_rate=0.05, weight_decay=0.01, grad_averaging=True
    ),
    "adamw": lambda: tfa.optimizers.AdamW(weight_decay=0.01, learning_rate=0.05),
    "adamw_schedule": lambda: tfa.optimizers.AdamW(
        weight_decay=exponential(0.02), learning_rate=exponential(0.05)
    ),
    # tfa's SGDW without momentum does not decay on sparse gradients: legacy SGD's
    # `_resource_apply_sparse_duplicate_indices` bypasses the decay extension. Kept to show it.
    "sgdw": lambda: tfa.optimizers.SGDW(weight_decay=0.01, learning_rate=0.1),
    "sgdw_momentum": lambda: tfa.optimizers.SGDW(
        weight_decay=0.01, learning_rate=0.1, momentum=0.9
    ),
    "sgdw_nesterov": lambda: tfa.optimizers.SGDW(
        weight_decay=0.01, learning_rate=0.1, momentum=0.9, nesterov=True
    ),
    "lookahead_adam": lambda: tfa.optimizers.Lookahead(
        legacy.Adam(learning_rate=0.05), sync_period=3, slow_step_size=0.5
    ),
    "lookahead_radam": lambda: tfa.optimizers.Lookahead(
        tfa.optimizers.RectifiedAdam(learning_rate=0.05), sync_period=3
    ),
}

SCHEDULE_CASES = {
    "adamw_exponential": lambda: tfa.optimizers.AdamW(
        weight_decay=exponential(0.02), learning_rate=exponential(0.05)
    ),
    "adamw_callable": lambda: tfa.optimizers.AdamW(weight_decay=lambda: 1e-2, learning_rate=0.05),
    "sgdw_piecewise": lambda: tfa.optimizers.SGDW(
        weight_decay=piecewise([0.02, 0.01, 0.005]),
        learning_rate=piecewise([0.05, 0.02, 0.01]),
        momentum=0.9,
    ),
    "radam_exponential": lambda: tfa.optimizers.RectifiedAdam(
        learning_rate=0.05, weight_decay=exponential(0.05)
    ),
}


def sparse_problem(seed=0):
    rng = np.random.default_rng(seed)
    table0 = rng.normal(size=(6, 3)).astype(np.float32)
    indices = rng.integers(0, 4, size=(STEPS, 5)).astype(np.int32)
    indices[:5, 0] = 4
    x = rng.normal(size=(STEPS, 5, 3)).astype(np.float32)
    y = rng.normal(size=(STEPS, 5)).astype(np.float32)
    return table0, indices, x, y


def dense_problem(seed=1):
    rng = np.random.default_rng(seed)
    inputs = rng.normal(size=(16, 5)).astype(np.float32)
    targets = (inputs @ rng.normal(size=(5, 3)) + 0.1).astype(np.float32)
    w0 = rng.normal(size=(5, 3)).astype(np.float32)
    return inputs, targets, w0


def sparse_trajectory(optimizer, table0, indices, x, y):
    table = tf.Variable(table0)
    out = []
    for t in range(len(indices)):
        with tf.GradientTape() as tape:
            rows = tf.gather(table, indices[t])
            loss = tf.reduce_mean(tf.square(tf.reduce_sum(rows * x[t], -1) - y[t]))
        gradient = tape.gradient(loss, table)
        assert isinstance(gradient, tf.IndexedSlices)
        optimizer.apply_gradients([(gradient, table)])
        out.append(table.numpy())
    return np.stack(out)


def dense_trajectory(optimizer, inputs, targets, w0):
    w = tf.Variable(w0)
    out = []
    for _ in range(STEPS):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.matmul(inputs, w) - targets))
        optimizer.apply_gradients([(tape.gradient(loss, w), w)])
        out.append(w.numpy())
    return np.stack(out)


def main():
    table0, indices, x, y = sparse_problem()
    inputs, targets, w0 = dense_problem()
    arrays = {
        "sparse_table0": table0,
        "sparse_indices": indices,
        "sparse_x": x,
        "sparse_y": y,
        "dense_inputs": inputs,
        "dense_targets": targets,
        "dense_w0": w0,
        "versions": np.array(f"tensorflow {tf.__version__}, tensorflow-addons {tfa.__version__}"),
    }
    for name, make in SPARSE_CASES.items():
        arrays[f"sparse_{name}"] = sparse_trajectory(make(), table0, indices, x, y)
    for name, make in SCHEDULE_CASES.items():
        arrays[f"schedule_{name}"] = dense_trajectory(make(), inputs, targets, w0)
    np.savez_compressed(OUTPUT, **arrays)
    print(f"wrote {OUTPUT}: {sorted(arrays)}", file=sys.stderr)


if __name__ == "__main__":
    main()
