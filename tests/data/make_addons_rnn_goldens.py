"""Writes tests/data/addons_rnn_goldens.npz: tfa 0.23's RNN cells (LayerNormLSTMCell,
LayerNormSimpleRNNCell, PeepholeLSTMCell, NASCell, ESNCell) in `tf.keras.layers.RNN`, and
the ESN layer, run over a padded batch with a mask: the sequence outputs, the final
states and the gradients that kerasdl.addons must match.

Run in the tfa reference environment (tensorflow-addons 0.23 on TensorFlow 2.15):
    /work/tfa-venv/bin/python tests/data/make_addons_rnn_goldens.py
Keys are `<symbol>/<case>/<array>`: `x` the inputs [B, T, F], `lengths` the valid steps of
each row (the mask is `t < length`), `weight<i>` the cell's weights in tfa's order (set
before the run, ESN's random reservoir included), `outputs` [B, T, units], `state<i>` the
final states, and `grad_x`, `grad_weight<i>` the gradients of
`sum(outputs * upstream) + sum_i sum(state<i> * upstream_state<i>)`.
"""

import pathlib

import numpy as np
import tensorflow as tf
import tensorflow_addons as tfa

rng = np.random.RandomState(1907)
out = {}


def put(key, **arrays):
    for name, value in arrays.items():
        out[f"{key}/{name}"] = np.asarray(value)


def run_case(key, make_layer, x, lengths, dtype="float32", gamma_like=()):
    """Builds the layer, sets random weights (those named in `gamma_like` around 1, as a
    normalisation gain), runs it under a mask and stores outputs, states and gradients."""
    x = x.astype(dtype)
    layer = make_layer()
    mask = np.arange(x.shape[1])[None, :] < lengths[:, None]
    layer(x, mask=mask)  # builds
    weights = []
    for w in layer.weights:
        value = rng.normal(scale=0.5, size=w.shape)
        if any(name in w.name for name in gamma_like):
            value = 1.0 + 0.3 * value
        weights.append(value.astype(dtype))
    layer.set_weights(weights)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        tape.watch(layer.weights)
        outputs, *states = layer(xt, mask=mask)
        upstream = rng.normal(size=outputs.shape).astype(dtype)
        upstream_states = [rng.normal(size=s.shape).astype(dtype) for s in states]
        loss = tf.reduce_sum(outputs * upstream)
        for s, u in zip(states, upstream_states, strict=True):
            loss += tf.reduce_sum(s * u)
    grads = tape.gradient(loss, [xt] + list(layer.weights))
    put(key, x=x, lengths=lengths, outputs=outputs, upstream=upstream, grad_x=grads[0])
    put(key, **{f"weight{i}": w for i, w in enumerate(weights)})
    put(key, **{f"state{i}": s for i, s in enumerate(states)})
    put(key, **{f"upstream_state{i}": u for i, u in enumerate(upstream_states)})
    put(key, **{f"grad_weight{i}": g for i, g in enumerate(grads[1:])})


def rnn(cell, **kwargs):
    return lambda: tf.keras.layers.RNN(cell(), return_sequences=True, return_state=True, **kwargs)


# A padded batch: full length, shorter, and a single step.
x = rng.normal(size=(3, 5, 4))
lengths = np.array([5, 3, 1])
cells = {
    "rnn.LayerNormLSTMCell/default": (lambda: tfa.rnn.LayerNormLSTMCell(3), ("gamma",)),
    "rnn.LayerNormLSTMCell/no_bias_eps": (
        lambda: tfa.rnn.LayerNormLSTMCell(3, use_bias=False, norm_epsilon=1e-5, activation="relu"),
        ("gamma",),
    ),
    "rnn.LayerNormSimpleRNNCell/default": (
        lambda: tfa.rnn.LayerNormSimpleRNNCell(4),
        ("gamma",),
    ),
    "rnn.LayerNormSimpleRNNCell/no_bias_eps": (
        lambda: tfa.rnn.LayerNormSimpleRNNCell(
            4, use_bias=False, layernorm_epsilon=1e-3, activation="sigmoid"
        ),
        ("gamma",),
    ),
    "rnn.PeepholeLSTMCell/default": (lambda: tfa.rnn.PeepholeLSTMCell(3), ()),
    "rnn.PeepholeLSTMCell/no_bias": (
        lambda: tfa.rnn.PeepholeLSTMCell(3, use_bias=False, recurrent_activation="softsign"),
        (),
    ),
    "rnn.NASCell/default": (lambda: tfa.rnn.NASCell(4), ()),
    "rnn.NASCell/projection_bias": (lambda: tfa.rnn.NASCell(4, projection=3, use_bias=True), ()),
    "rnn.ESNCell/default": (lambda: tfa.rnn.ESNCell(4), ()),
    "rnn.ESNCell/leaky_no_bias": (
        lambda: tfa.rnn.ESNCell(4, leaky=0.6, use_bias=False, activation="sigmoid"),
        (),
    ),
}
for key, (make_cell, gamma_like) in cells.items():
    run_case(key, rnn(make_cell), x, lengths, gamma_like=gamma_like)

# float64 through the same RNN (tfa's LayerNormLSTMCell fails in float64: its
# normalisation sublayers stay float32).
run_case(
    "rnn.PeepholeLSTMCell/float64",
    rnn(lambda: tfa.rnn.PeepholeLSTMCell(3, dtype="float64"), dtype="float64"),
    x,
    lengths,
    dtype="float64",
)
run_case(
    "rnn.NASCell/float64",
    rnn(lambda: tfa.rnn.NASCell(4, projection=2, dtype="float64"), dtype="float64"),
    x,
    lengths,
    dtype="float64",
)

# The ESN layer: sequences and the final state, and backwards.
for case, kwargs in (
    ("sequences", {"return_sequences": True, "leaky": 0.8}),
    ("backwards", {"return_sequences": True, "go_backwards": True, "use_norm2": True}),
):
    run_case(
        f"layers.ESN/{case}",
        lambda kwargs=kwargs: tfa.layers.ESN(5, return_state=True, **kwargs),
        x,
        lengths,
    )

path = pathlib.Path(__file__).with_name("addons_rnn_goldens.npz")
np.savez_compressed(path, **out)
print(f"{len(out)} arrays -> {path}")
