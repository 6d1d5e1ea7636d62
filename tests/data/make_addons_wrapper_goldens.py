"""Writes tests/data/addons_wrapper_goldens.npz: tfa 0.23's WeightNormalization (dense,
convolutional and recurrent layers) and SWA values that kerasdl.addons must match.

Run in the tfa reference environment (tensorflow-addons 0.23 on TensorFlow 2.15):
    /work/tfa-venv/bin/python tests/data/make_addons_wrapper_goldens.py
Keys are `<symbol>/<case>/<array>`; inputs and initial weights are stored beside the outputs.
"""

import pathlib

import numpy as np
import tensorflow as tf
import tensorflow_addons as tfa

rng = np.random.RandomState(1818)
out = {}


def put(key, **arrays):
    for name, value in arrays.items():
        out[f"{key}/{name}"] = np.asarray(value)


# WeightNormalization: the wrapped layer's weights are set from the stored ones (kernel
# norms away from 1, so tfa's data-dependent init is told apart from the paper's), then
# the first call (which initialises g, and the bias with data_init), a second call, and
# the gradients of a loss with respect to g and the kernel.
layers = {
    "Dense": (lambda: tf.keras.layers.Dense(3, activation="tanh"), (6, 4)),
    "Conv2D": (lambda: tf.keras.layers.Conv2D(2, 2), (3, 5, 5, 2)),
    "SimpleRNN": (lambda: tf.keras.layers.SimpleRNN(3), (4, 5, 2)),
    "LSTM": (lambda: tf.keras.layers.LSTM(2), (4, 5, 3)),
    "GRU": (lambda: tf.keras.layers.GRU(2, return_sequences=True), (4, 5, 3)),
}
for name, (make, shape) in layers.items():
    x = rng.normal(size=shape).astype("float32")
    base = make()
    base.build(shape)
    weights = [rng.normal(scale=1.5, size=w.shape).astype("float32") for w in base.weights]
    for data_init in (False, True):
        layer = make()
        layer.build(shape)
        layer.set_weights(weights)
        wrapper = tfa.layers.WeightNormalization(layer, data_init=data_init)
        first = wrapper(x).numpy()
        second = wrapper(x).numpy()
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.square(wrapper(x)))
        g_grad, v_grad = tape.gradient(loss, [wrapper.g, wrapper.v])
        key = f"layers.WeightNormalization/{name}_{'data_init' if data_init else 'norm'}"
        put(key, x=x, first=first, second=second, g=wrapper.g.numpy(), g_grad=g_grad, v_grad=v_grad)
        put(key, **{f"weight{i}": w for i, w in enumerate(weights)})
        # tfa swaps the normalised tensor in for the variable, so the bias is read by name.
        cell = getattr(layer, "cell", layer)
        put(key, bias=cell.bias.numpy(), v=wrapper.v.numpy())

# SWA around SGD: weights after each step and the averages assign_average_vars copies in.
for start, period in ((0, 1), (1, 2), (2, 3), (5, 1)):
    optimizer = tfa.optimizers.SWA(
        tf.keras.optimizers.legacy.SGD(learning_rate=0.1, momentum=0.5), start, period
    )
    kernel = tf.Variable([[1.0, -2.0], [0.5, 3.0]])
    bias = tf.Variable([0.3, -0.7])
    steps = []
    for step in range(7):
        grads = [np.array([[0.1, -0.2], [0.3, 0.05]], "float32") * (step + 1)]
        grads.append(np.array([0.5, -0.1 * step], "float32"))
        optimizer.apply_gradients(zip(grads, [kernel, bias], strict=True))
        steps.append(kernel.numpy())
    optimizer.assign_average_vars([kernel, bias])
    put(
        f"optimizers.SWA/start{start}_period{period}",
        steps=np.stack(steps),
        kernel=kernel.numpy(),
        bias=bias.numpy(),
    )

path = pathlib.Path(__file__).with_name("addons_wrapper_goldens.npz")
np.savez_compressed(path, **out)
print(f"{len(out)} arrays -> {path}")
