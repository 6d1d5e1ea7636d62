"""Writes tests/data/addons_layer_goldens.npz: tfa 0.23's MaxUnpooling2D(V2),
SpatialPyramidPooling2D, Maxout, NoisyDense, CorrelationCost, PoincareNormalize, TLU,
FilterResponseNormalization, EmbeddingBag and PolynomialCrossing values and gradients, and
the weights AverageModelCheckpoint saves around MovingAverage and SWA.

Run in the tfa reference environment (tensorflow-addons 0.23 on TensorFlow 2.15):
    LD_PRELOAD=/usr/local/cuda-13.0/lib/libcudart.so.13 \
        /work/tfa-venv/bin/python tests/data/make_addons_layer_goldens.py
tfa's custom-op libraries (CorrelationCost, EmbeddingBag) are linked against the CUDA
runtime; with its symbols preloaded their CPU kernels load and run without a GPU.
Keys are `<symbol>/<case>/<array>`; inputs and weights are stored beside the outputs, and
`grad_*` are gradients of `sum(output * upstream)`.
"""

import pathlib
import tempfile

import numpy as np
import tensorflow as tf
import tensorflow_addons as tfa

rng = np.random.RandomState(2023)
out = {}


def put(key, **arrays):
    for name, value in arrays.items():
        out[f"{key}/{name}"] = np.asarray(value)


def normal(*shape, scale=1.0, dtype="float32"):
    return (rng.normal(size=shape) * scale).astype(dtype)


def layer_case(key, layer, inputs, weights=None, call=None, **extra):
    """Sets `weights` (tfa's order), calls the layer, stores output and gradients with
    respect to the float inputs and the trainable weights."""
    call = call or (lambda layer, tensors: layer(tensors[0] if len(tensors) == 1 else tensors))
    tensors = [tf.convert_to_tensor(x) for x in inputs]
    call(layer, tensors)  # builds
    if weights is not None:
        layer.set_weights(weights)
    watched = [t for t in tensors if t.dtype.is_floating]
    with tf.GradientTape() as tape:
        tape.watch(watched)
        y = call(layer, tensors)
        upstream = normal(*y.shape, dtype=y.dtype.name)
        loss = tf.reduce_sum(y * upstream)
    grads = tape.gradient(loss, watched + list(layer.trainable_weights))
    grads = [tf.convert_to_tensor(g) if g is not None else np.zeros(0) for g in grads]
    put(key, y=y, upstream=upstream, **extra)
    put(key, **{f"x{i}": x for i, x in enumerate(inputs)})
    put(key, **{f"weight{i}": w for i, w in enumerate(layer.get_weights())})
    put(key, **{f"grad_x{i}": g for i, g in enumerate(grads[: len(watched)])})
    put(key, **{f"grad_weight{i}": g for i, g in enumerate(grads[len(watched) :])})


# MaxUnpooling2D / MaxUnpooling2DV2: the argmax of tf.nn.max_pool_with_argmax unpooled.
# The last case pools overlapping windows, where one input can be the max of two windows
# (the scatter then adds both).
unpool_cases = {
    "same_2x2": ((2, 4, 6, 3), (2, 2), (2, 2), "SAME"),
    "same_strides_2x1": ((2, 4, 6, 3), (2, 2), (2, 1), "SAME"),
    "valid_2x3": ((2, 4, 6, 3), (2, 3), (2, 3), "VALID"),
    "valid_overlapping": ((2, 5, 7, 3), (3, 3), (2, 2), "VALID"),
}
for case, (shape, pool, strides, padding) in unpool_cases.items():
    x = normal(*shape)
    updates, mask = tf.nn.max_pool_with_argmax(x, pool, strides, padding)
    layer = tfa.layers.MaxUnpooling2D(pool, strides, padding)
    call = lambda layer, t: layer(t[0], t[1])  # noqa: E731
    layer_case(f"layers.MaxUnpooling2D/{case}", layer, [updates.numpy(), mask.numpy()], call=call)
    layer = tfa.layers.MaxUnpooling2DV2(shape)
    layer_case(f"layers.MaxUnpooling2DV2/{case}", layer, [updates.numpy(), mask.numpy()], call=call)
# V2 inverts a SAME pooling of an odd-sized input, which V1's strides cannot.
x = normal(2, 5, 7, 3)
updates, mask = tf.nn.max_pool_with_argmax(x, 2, 2, "SAME")
layer = tfa.layers.MaxUnpooling2DV2(x.shape)
layer_case("layers.MaxUnpooling2DV2/same_odd", layer, [updates.numpy(), mask.numpy()], call=call)

# SpatialPyramidPooling2D: sizes not divisible by the bins (tfa crops the remainder).
for case, bins, data_format, shape in (
    ("bins_1_2_3", [1, 2, 3], "channels_last", (2, 7, 9, 3)),
    ("bins_rect", [[1, 2], [3, 1]], "channels_last", (2, 7, 9, 3)),
    ("channels_first", [1, 2, 3], "channels_first", (2, 3, 7, 9)),
):
    layer = tfa.layers.SpatialPyramidPooling2D(bins, data_format=data_format)
    layer_case(f"layers.SpatialPyramidPooling2D/{case}", layer, [normal(*shape)])

# Maxout
for case, num_units, axis, shape in (
    ("last", 4, -1, (2, 3, 12)),
    ("axis1", 3, 1, (2, 6, 3, 4)),
):
    layer_case(f"layers.Maxout/{case}", tfa.layers.Maxout(num_units, axis), [normal(*shape)])

# NoisyDense: tfa's weight order (sigma_kernel, mu_kernel, sigma_bias, mu_bias, eps_kernel,
# eps_bias) with stored values, the output with noise and after remove_noise(), and the
# deterministic part of the initialisation (sigma's constant).
for factorised in (True, False):
    case = "factorised" if factorised else "independent"
    layer = tfa.layers.NoisyDense(4, sigma=0.3, use_factorised=factorised, activation="tanh")
    layer.build((None, 5))
    put(
        f"layers.NoisyDense/{case}",
        init_sigma_kernel=layer.sigma_kernel,
        init_sigma_bias=layer.sigma_bias,
    )
    weights = [normal(*w.shape, scale=0.5) for w in layer.get_weights()]
    x = normal(3, 5)
    layer_case(f"layers.NoisyDense/{case}", layer, [x], weights)
    layer.remove_noise()
    put(f"layers.NoisyDense/{case}", y_without_noise=layer(x))

# CorrelationCost: (kernel_size, max_displacement, stride_1, stride_2, pad), NHWC input.
correlation_cases = {
    "k1_d2_s1_s2_p4": (1, 2, 1, 2, 4),  # tfa's test configuration
    "k3_d2_s2_s1_p2": (3, 2, 2, 1, 2),
    "k3_d3_s1_s3_p3": (3, 3, 1, 3, 3),
    "k1_d1_s3_s1_p0": (1, 1, 3, 1, 0),
    "k5_d2_s2_s2_p3": (5, 2, 2, 2, 3),
}
a, b = normal(2, 5, 6, 3), normal(2, 5, 6, 3)
for case, (kernel_size, max_displacement, stride_1, stride_2, pad) in correlation_cases.items():
    for data_format in ("channels_last", "channels_first"):
        inputs = (
            [a, b]
            if data_format == "channels_last"
            else [a.transpose(0, 3, 1, 2), b.transpose(0, 3, 1, 2)]
        )
        layer = tfa.layers.CorrelationCost(
            kernel_size, max_displacement, stride_1, stride_2, pad, data_format
        )
        layer_case(f"layers.CorrelationCost/{case}_{data_format}", layer, inputs)

# PoincareNormalize: rows on both sides of the unit ball.
x = normal(4, 3, 5, scale=0.4)
for case, axis in (("axis1", 1), ("axis2", 2), ("axes12", [1, 2])):
    layer_case(f"layers.PoincareNormalize/{case}", tfa.layers.PoincareNormalize(axis, 1e-3), [x])
layer_case(
    "layers.PoincareNormalize/float64",
    tfa.layers.PoincareNormalize(dtype="float64"),
    [x.astype("float64")],
)

# TLU
x = normal(3, 4, 5)
for affine in (False, True):
    layer = tfa.layers.TLU(affine=affine)
    layer.build(x.shape)
    weights = [normal(*w.shape, scale=0.5) for w in layer.get_weights()]
    layer_case(f"layers.TLU/{'affine' if affine else 'plain'}", layer, [x], weights)

# FilterResponseNormalization: weights in tfa's order (learned_epsilon, gamma, beta).
x = normal(2, 4, 5, 3)
for learned in (False, True):
    layer = tfa.layers.FilterResponseNormalization(epsilon=1e-3, learned_epsilon=learned)
    layer.build(x.shape)
    weights = [normal(*w.shape, scale=0.5) + 1.0 for w in layer.get_weights()]
    if learned:
        weights[0] = np.array([-0.05], "float32")  # its absolute value is added
    layer_case(
        f"layers.FilterResponseNormalization/{'learned' if learned else 'fixed'}",
        layer,
        [x],
        weights,
    )

# EmbeddingBag: the fused op's sum and mean, with and without per-index weights.
table = normal(7, 3)
for index_dtype in ("int32", "int64"):
    indices = rng.randint(0, 7, (4, 5)).astype(index_dtype)
    bag_weights = normal(4, 5)
    for case, combiner, with_weights in (
        ("sum", "sum", False),
        ("mean", "mean", False),
        ("weighted_sum", "sum", True),
    ):
        layer = tfa.layers.EmbeddingBag(7, 3, combiner=combiner)
        inputs = [indices, bag_weights] if with_weights else [indices]
        call = lambda layer, t: layer(*t)  # noqa: E731
        layer_case(f"layers.EmbeddingBag/{case}_{index_dtype}", layer, inputs, [table], call=call)

# PolynomialCrossing
x0, x = normal(4, 6), normal(4, 6)
for case, kwargs in (
    ("full", {}),
    ("low_rank_diag", {"projection_dim": 2, "diag_scale": 0.5}),
    ("full_no_bias_diag", {"use_bias": False, "diag_scale": 1.5}),
):
    layer = tfa.layers.PolynomialCrossing(**kwargs)
    layer.build([x0.shape, x.shape])
    weights = [normal(*w.shape, scale=0.5) for w in layer.get_weights()]
    layer_case(f"layers.PolynomialCrossing/{case}", layer, [x0, x], weights)

# AverageModelCheckpoint: a small model trained 3 epochs (batches of 4, not shuffled) with
# MovingAverage or SWA around SGD; the weights saved after each epoch and the model's at the
# end, for update_weights True and False.
x, y = normal(12, 3), normal(12, 2)
model = tf.keras.Sequential(
    [tf.keras.Input((3,)), tf.keras.layers.Dense(4, activation="tanh"), tf.keras.layers.Dense(2)]
)
initial = [normal(*w.shape, scale=0.7) for w in model.get_weights()]
put("callbacks.AverageModelCheckpoint/data", x=x, y=y)
put("callbacks.AverageModelCheckpoint/data", **{f"initial{i}": w for i, w in enumerate(initial)})
optimizers = {
    "moving_average": lambda: tfa.optimizers.MovingAverage(
        tf.keras.optimizers.legacy.SGD(0.1), average_decay=0.5
    ),
    "swa": lambda: tfa.optimizers.SWA(
        tf.keras.optimizers.legacy.SGD(0.1), start_averaging=2, average_period=2
    ),
}
for name, make in optimizers.items():
    for update_weights in (True, False):
        case = f"callbacks.AverageModelCheckpoint/{name}_{'update' if update_weights else 'keep'}"
        model.set_weights(initial)
        model.compile(optimizer=make(), loss="mse")
        with tempfile.TemporaryDirectory() as folder:
            path = f"{folder}/ckpt{{epoch}}.h5"
            callback = tfa.callbacks.AverageModelCheckpoint(
                update_weights, path, save_weights_only=True
            )
            model.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0, callbacks=[callback])
            final = model.get_weights()
            for epoch in (1, 2, 3):
                model.load_weights(path.format(epoch=epoch))
                put(
                    case,
                    **{f"epoch{epoch}_weight{i}": w for i, w in enumerate(model.get_weights())},
                )
        put(case, **{f"final_weight{i}": w for i, w in enumerate(final)})

path = pathlib.Path(__file__).with_name("addons_layer_goldens.npz")
np.savez_compressed(path, **out)
print(f"{len(out)} arrays -> {path}")
