"""The optimizer tests' problems, stepped with Keras 3 optimizers: the trajectories that the
tfa 0.23 goldens (`tests/data/make_*optimizer_goldens.py`) recorded with tfa's."""

import keras
import numpy as np
import tensorflow as tf


def dense_trajectory(optimizer, x, y, w0, steps: int) -> np.ndarray:
    """`w` after each of `steps` full-batch steps on `mean((x @ w - y)^2)` from `w0`."""
    w = keras.Variable(w0)
    out = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.matmul(x, w.value) - y))
        optimizer.apply_gradients([(tape.gradient(loss, w.value), w)])
        out.append(w.numpy())
    return np.stack(out)


def sparse_trajectory(optimizer, data) -> np.ndarray:
    """The embedding table after each step of the lookup problem in `data`
    (`optimizer_goldens.npz`): its gradients are `tf.IndexedSlices` with repeated indices."""
    table = keras.Variable(data["sparse_table0"])
    out = []
    for indices, x, y in zip(
        data["sparse_indices"], data["sparse_x"], data["sparse_y"], strict=True
    ):
        with tf.GradientTape() as tape:
            rows = tf.gather(table.value, indices)
            loss = tf.reduce_mean(tf.square(tf.reduce_sum(rows * x, -1) - y))
        gradient = tape.gradient(loss, table.value)
        assert isinstance(gradient, tf.IndexedSlices)
        optimizer.apply_gradients([(gradient, table)])
        out.append(table.numpy())
    return np.stack(out)
