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


def fit_embedding(optimizer, data, jit_compile: bool = False) -> np.ndarray:
    """The table after one epoch of `model.fit` on the lookup problem in `data`, as a Keras
    model (`sum(table[index] * x)`, one step per row of `sparse_indices`): `fit` hands the
    Embedding's gradient over as `tf.IndexedSlices`, repeated indices included."""
    index, x_input = keras.Input((1,), dtype="int32"), keras.Input((3,))
    embedding = keras.layers.Embedding(
        6, 3, embeddings_initializer=keras.initializers.Constant(data["sparse_table0"])
    )
    rows = keras.layers.Reshape((3,))(embedding(index))
    model = keras.Model([index, x_input], keras.layers.Dot(axes=1)([rows, x_input]))
    model.compile(optimizer=optimizer, loss="mse", jit_compile=jit_compile)
    indices, x, y = (data[k] for k in ("sparse_indices", "sparse_x", "sparse_y"))
    model.fit(
        [indices.reshape(-1, 1), x.reshape(-1, 3)],
        y.reshape(-1, 1),
        batch_size=indices.shape[1],
        shuffle=False,
        epochs=1,
        verbose=0,
    )
    return model.get_weights()[0]
