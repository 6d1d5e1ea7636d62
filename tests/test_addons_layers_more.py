"""kerasdl.addons.layers' MaxUnpooling2D, MaxUnpooling2DV2, SpatialPyramidPooling2D, Maxout,
NoisyDense, CorrelationCost, PoincareNormalize, TLU, FilterResponseNormalization,
EmbeddingBag and PolynomialCrossing: values and gradients against tfa 0.23
(`tests/data/addons_layer_goldens.npz`, written by `tests/data/make_addons_layer_goldens.py`;
CorrelationCost and EmbeddingBag by tfa's custom kernels), the cases of tfa's
max_unpooling_2d_test, max_unpooling_2d_v2_test, spatial_pyramid_pooling_test,
maxout_test, noisy_dense_test, optical_flow_test, poincare_test, tlu_test,
normalizations_test (FilterResponseNormalization), embedding_bag_test and
polynomial_test, config round trips and a `.keras` round trip."""

import json
import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasdl.addons as tfa

GOLDENS = np.load(pathlib.Path(__file__).parent / "data" / "addons_layer_goldens.npz")


def golden(prefix):
    return {k[len(prefix) + 1 :]: GOLDENS[k] for k in GOLDENS.files if k.startswith(prefix + "/")}


def layer_test(cls, kwargs, input_data=None, input_shape=None, expected_output=None, tol=1e-6):
    """tfa's `layer_test`: the layer on data (random for `input_shape`, whose None
    dimensions stay unknown in the functional model), its output shape, and the same from
    a layer rebuilt from its config in a functional model."""
    if input_data is None:
        shape = [2 if d is None else d for d in input_shape]
        input_data = np.random.RandomState(0).random_sample(shape).astype("float32")
    input_shape = input_shape or input_data.shape
    layer = cls(**kwargs)
    output = np.asarray(layer(input_data))
    if expected_output is not None:
        np.testing.assert_allclose(output, expected_output, rtol=tol, atol=tol)
    restored = cls.from_config(layer.get_config())
    inputs = keras.Input(batch_shape=input_shape, dtype=str(input_data.dtype))
    symbolic = restored(inputs)
    for expected, actual in zip(
        layer.compute_output_shape(input_data.shape), output.shape, strict=True
    ):
        assert expected == actual
    assert len(symbolic.shape) == output.ndim
    model = keras.Model(inputs, symbolic)
    restored.set_weights(layer.get_weights())
    np.testing.assert_allclose(model(input_data), output, rtol=tol, atol=tol)
    return output


# --- tfa 0.23 goldens: values and gradients -----------------------------------------------


def _unpooling(case, golden_y):
    pool, strides, padding = {
        "same_2x2": ((2, 2), (2, 2), "SAME"),
        "same_strides_2x1": ((2, 2), (2, 1), "SAME"),
        "valid_2x3": ((2, 3), (2, 3), "VALID"),
        "valid_overlapping": ((3, 3), (2, 2), "VALID"),
    }[case]
    return tfa.layers.MaxUnpooling2D(pool, strides, padding)


MAKERS = {
    "MaxUnpooling2D": _unpooling,
    "MaxUnpooling2DV2": lambda case, y: tfa.layers.MaxUnpooling2DV2(y.shape),
    "SpatialPyramidPooling2D": lambda case, y: tfa.layers.SpatialPyramidPooling2D(
        *{
            "bins_1_2_3": ([1, 2, 3], "channels_last"),
            "bins_rect": ([[1, 2], [3, 1]], "channels_last"),
            "channels_first": ([1, 2, 3], "channels_first"),
        }[case]
    ),
    "Maxout": lambda case, y: tfa.layers.Maxout(*{"last": (4, -1), "axis1": (3, 1)}[case]),
    "NoisyDense": lambda case, y: tfa.layers.NoisyDense(
        4, sigma=0.3, use_factorised=case == "factorised", activation="tanh"
    ),
    "CorrelationCost": lambda case, y: tfa.layers.CorrelationCost(
        *(int(part[1:]) for part in case.split("_")[:5]), case.split("_", 5)[5]
    ),
    "PoincareNormalize": lambda case, y: {
        "axis1": lambda: tfa.layers.PoincareNormalize(1, 1e-3),
        "axis2": lambda: tfa.layers.PoincareNormalize(2, 1e-3),
        "axes12": lambda: tfa.layers.PoincareNormalize([1, 2], 1e-3),
        "float64": lambda: tfa.layers.PoincareNormalize(dtype="float64"),
    }[case](),
    "TLU": lambda case, y: tfa.layers.TLU(affine=case == "affine"),
    "FilterResponseNormalization": lambda case, y: tfa.layers.FilterResponseNormalization(
        epsilon=1e-3, learned_epsilon=case == "learned"
    ),
    "EmbeddingBag": lambda case, y: tfa.layers.EmbeddingBag(
        7, 3, combiner="mean" if case.startswith("mean") else "sum"
    ),
    "PolynomialCrossing": lambda case, y: tfa.layers.PolynomialCrossing(
        **{
            "full": {},
            "low_rank_diag": {"projection_dim": 2, "diag_scale": 0.5},
            "full_no_bias_diag": {"use_bias": False, "diag_scale": 1.5},
        }[case]
    ),
}
SEPARATE_ARGUMENTS = ("MaxUnpooling2D", "MaxUnpooling2DV2", "EmbeddingBag")
GOLDEN_CASES = sorted({k.rsplit("/", 1)[0] for k in GOLDENS.files if k.startswith("layers.")})


def indexed(g, prefix):
    return [g[f"{prefix}{i}"] for i in range(len(g)) if f"{prefix}{i}" in g]


@pytest.mark.parametrize("key", GOLDEN_CASES)
def test_values_and_gradients_match_tfa(key):
    g = golden(key)
    name, case = key.split(".", 1)[1].split("/")
    layer = MAKERS[name](case, g["y"])
    tensors = [tf.convert_to_tensor(x) for x in indexed(g, "x")]

    def call():
        if name in SEPARATE_ARGUMENTS:
            return layer(*tensors)
        return layer(tensors[0] if len(tensors) == 1 else tensors)

    call()
    layer.set_weights(indexed(g, "weight"))
    watched = [t for t in tensors if t.dtype.is_floating]
    with tf.GradientTape() as tape:
        tape.watch(watched)
        y = call()
        loss = tf.reduce_sum(y * g["upstream"])
    grads = tape.gradient(loss, watched + [w.value for w in layer.trainable_weights])
    expected = indexed(g, "grad_x") + indexed(g, "grad_weight")
    np.testing.assert_allclose(y, g["y"], rtol=1e-6, atol=1e-6)
    assert len(grads) == len(expected)
    for grad, want in zip(grads, expected, strict=True):
        np.testing.assert_allclose(tf.convert_to_tensor(grad), want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("case", ["factorised", "independent"])
def test_noisy_dense_initial_sigma_and_remove_noise_match_tfa(case):
    g = golden(f"layers.NoisyDense/{case}")
    layer = tfa.layers.NoisyDense(4, sigma=0.3, use_factorised=case == "factorised")
    layer.build((None, 5))
    np.testing.assert_allclose(layer.sigma_kernel, g["init_sigma_kernel"], rtol=1e-7)
    np.testing.assert_allclose(layer.sigma_bias, g["init_sigma_bias"], rtol=1e-7)
    layer = MAKERS["NoisyDense"](case, None)
    layer.build((None, 5))
    layer.set_weights(indexed(g, "weight"))
    layer.remove_noise()
    np.testing.assert_allclose(layer(g["x0"]), g["y_without_noise"], rtol=1e-6, atol=1e-6)


# --- max_unpooling_2d_test, max_unpooling_2d_v2_test ----------------------------------------

BATCH_UPDATES = np.arange(1, 33, dtype="float32").reshape(2, 2, 4, 2)
# fmt: off
BATCH_INDICES = np.array([
    2, 23, 8, 9, 12, 15, 40, 43, 44, 47, 72, 75, 80, 79, 62, 65, 0, 1, 30, 7, 14, 35, 42, 21,
    68, 69, 50, 51, 56, 5, 86, 63,
], "float32").reshape(2, 2, 4, 2)
# fmt: on
# fmt: off
BATCH_SAME = np.array([
    0, 0, 1, 0, 0, 0, 0, 0, 3, 4, 0, 0, 5, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 2,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 8, 9, 0, 0, 10,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 15, 0, 0, 16, 0, 0, 0, 0, 0, 0,
    11, 0, 0, 12, 0, 0, 0, 14, 13, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    17, 18, 0, 0, 0, 30, 0, 20, 0, 0, 0, 0, 0, 0, 21, 0, 0, 0, 0, 0, 0, 24, 0, 0,
    0, 0, 0, 0, 0, 0, 19, 0, 0, 0, 0, 22, 0, 0, 0, 0, 0, 0, 23, 0, 0, 0, 0, 0,
    0, 0, 27, 28, 0, 0, 0, 0, 29, 0, 0, 0, 0, 0, 0, 32, 0, 0, 0, 0, 25, 26, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 31, 0, 0, 0, 0, 0, 0, 0, 0, 0,
], "float32").reshape(2, 4, 12, 2)
# fmt: on
# fmt: off
BATCH_VALID = np.array([
    0, 0, 1, 0, 0, 0, 0, 0, 3, 4, 0, 0, 5, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 2,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 8, 9, 0, 0, 10,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 15, 0, 0, 16, 0, 0, 0, 0, 0, 0,
    11, 0, 0, 12, 0, 0, 0, 14, 13, 0, 0, 0, 0, 0, 0, 0, 17, 18, 0, 0, 0, 30, 0, 20,
    0, 0, 0, 0, 0, 0, 21, 0, 0, 0, 0, 0, 0, 24, 0, 0, 0, 0, 0, 0, 0, 0, 19, 0,
    0, 0, 0, 22, 0, 0, 0, 0, 0, 0, 23, 0, 0, 0, 0, 0, 0, 0, 27, 28, 0, 0, 0, 0,
    29, 0, 0, 0, 0, 0, 0, 32, 0, 0, 0, 0, 25, 26, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 31, 0,
], "float32").reshape(2, 4, 11, 2)
# fmt: on
POOL_INPUT = np.array([1, 2, 4, 3, 8, 6, 7, 5, 9, 10, 12, 11, 13, 16, 15, 14], "float32")
POOL_INPUT = POOL_INPUT.reshape(1, 4, 4, 1)
POOLED_2x2 = np.array([0, 0, 0, 0, 8, 0, 7, 0, 0, 0, 0, 0, 0, 16, 15, 0], "float32")


def unpool(kwargs, updates, indices, v2_size=None):
    """MaxUnpooling2D(**kwargs), and MaxUnpooling2DV2 where `v2_size` is given."""
    output = np.asarray(tfa.layers.MaxUnpooling2D(**kwargs)(updates, indices))
    if v2_size is not None:
        np.testing.assert_array_equal(
            tfa.layers.MaxUnpooling2DV2(v2_size)(updates, indices), output
        )
    return output


def test_tfa_max_unpooling_simple_and_strides():
    updates = np.array([13, 4], "float32").reshape(1, 1, 2, 1)
    indices = np.array([1, 6], "float32").reshape(1, 1, 2, 1)
    expected = np.array([0, 13, 0, 0, 0, 0, 4, 0], "float32").reshape(1, 2, 4, 1)
    np.testing.assert_array_equal(unpool({}, updates, indices, (1, 2, 4, 1)), expected)
    updates = np.arange(1, 9, dtype="float32").reshape(1, 2, 2, 2)
    indices = np.array([0, 3, 4, 7, 8, 11, 12, 15], "float32").reshape(1, 2, 2, 2)
    expected = np.array([1, 0, 0, 2, 3, 0, 0, 4, 5, 0, 0, 6, 7, 0, 0, 8], "float32")
    output = unpool({"strides": (2, 1)}, updates, indices, (1, 4, 2, 2))
    np.testing.assert_array_equal(output, expected.reshape(1, 4, 2, 2))
    updates = np.arange(1, 9, dtype="float32").reshape(1, 2, 4, 1)
    indices = np.array([0, 5, 10, 13, 19, 20, 27, 31], "float32").reshape(1, 2, 4, 1)
    expected = np.zeros(32, "float32")
    expected[[0, 5, 10, 13, 19, 20, 27, 31]] = np.arange(1, 9)
    output = unpool({}, updates, indices)
    np.testing.assert_array_equal(output, expected.reshape(1, 4, 8, 1))


def test_tfa_max_unpooling_batch_and_padding_valid():
    output = unpool({"strides": (2, 3)}, BATCH_UPDATES, BATCH_INDICES, (2, 4, 12, 2))
    np.testing.assert_array_equal(output, BATCH_SAME)
    output = unpool({"strides": (2, 3), "padding": "VALID"}, BATCH_UPDATES, BATCH_INDICES)
    np.testing.assert_array_equal(output, BATCH_VALID)


@pytest.mark.parametrize(
    "x, ksize, strides, padding, kwargs, expected",
    [
        (
            np.arange(1, 9, dtype="float32").reshape(1, 2, 4, 1),
            [2, 2],
            [2, 2],
            "SAME",
            {},
            np.array([0, 0, 0, 0, 0, 6, 0, 8], "float32"),
        ),
        (POOL_INPUT, [2, 2], [2, 2], "SAME", {}, POOLED_2x2),
        (
            POOL_INPUT,
            [1, 2, 2, 1],
            [1, 4, 4, 1],
            "SAME",
            {"strides": (4, 4)},
            np.eye(1, 16, 4, dtype="float32")[0] * 8,
        ),
        (POOL_INPUT, [2, 2], [2, 2], "VALID", {"padding": "VALID"}, POOLED_2x2),
        (
            np.array(
                [1, 2, 4, 3, 8, 6, 7, 5, 9, 10, 12, 11, 13, 16, 15, 14, 20, 18, 17, 19],
                "float32",
            ).reshape(1, 4, 5, 1),
            [2, 3],
            [2, 2],
            "VALID",
            {"pool_size": (2, 3), "padding": "VALID"},
            np.array([0, 0, 0, 0, 0, 0, 7, 0, 0, 10, 0, 0, 0, 0, 0, 0, 20, 0, 0, 19], "float32"),
        ),
    ],
    ids=["pooling_simple", "pooling", "strides_different_from_filter", "valid", "valid_complex"],
)
def test_tfa_max_unpooling_with_pooling(x, ksize, strides, padding, kwargs, expected):
    updates, indices = tf.nn.max_pool_with_argmax(x, ksize, strides, padding)
    v2_size = x.shape if padding == "SAME" and strides == [2, 2] else None
    output = unpool(kwargs, updates, indices, v2_size)
    np.testing.assert_array_equal(output, expected.reshape(x.shape))


def test_tfa_max_unpooling_v2_needs_a_known_output_size():
    with pytest.raises(ValueError):
        tfa.layers.MaxUnpooling2DV2((None, None, None, 1))


def test_max_unpooling_functional_model_config_and_output_shape():
    updates = keras.Input((3, 4, 2))
    indices = keras.Input((3, 4, 2), dtype="int64")
    layer = tfa.layers.MaxUnpooling2D(strides=(2, 3), padding="VALID")
    assert layer(updates, indices).shape == (None, 6, 11, 2)
    assert layer.compute_output_shape([(None, 3, 4, 2), (None, 3, 4, 2)]) == (None, 6, 11, 2)
    config = layer.get_config()
    assert (config["pool_size"], config["strides"], config["padding"]) == ((2, 2), (2, 3), "VALID")
    assert tfa.layers.MaxUnpooling2D.from_config(config).get_config() == config
    with pytest.raises(ValueError, match="Padding"):
        tfa.layers.MaxUnpooling2D(padding="same")


# --- spatial_pyramid_pooling_test ---------------------------------------------------------


def test_tfa_spp_shape_2d():
    spp = tfa.layers.SpatialPyramidPooling2D([1, 3, 5])
    assert spp.compute_output_shape([256, None, None, 64]) == (256, 35, 64)
    spp = tfa.layers.SpatialPyramidPooling2D([1, 3, 5], data_format="channels_first")
    assert spp.compute_output_shape([256, 64, None, None]) == (256, 64, 35)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_tfa_spp_output_2d(data_format):
    shape = (1, 4, 4, 1) if data_format == "channels_last" else (1, 1, 4, 4)
    x = np.arange(16, dtype="float32").reshape(shape)
    expected = np.array([7.5, 2.5, 4.5, 10.5, 12.5], "float32")
    expected = expected.reshape((1, 5, 1) if data_format == "channels_last" else (1, 1, 5))
    kwargs = {"bins": [[1, 1], [2, 2]], "data_format": data_format}
    layer_test(tfa.layers.SpatialPyramidPooling2D, kwargs, x, expected_output=expected)


def test_tfa_spp_serialization():
    layer = tfa.layers.SpatialPyramidPooling2D([[1, 1], [3, 3]])
    restored = keras.layers.deserialize(keras.layers.serialize(layer))
    assert restored.get_config() == layer.get_config()


def test_spp_unknown_spatial_size():
    model = keras.Sequential(
        [keras.Input((None, None, 2)), tfa.layers.SpatialPyramidPooling2D([1, 2])]
    )
    for size in (4, 7):
        x = np.random.RandomState(size).random_sample((3, size, size + 1, 2)).astype("float32")
        assert model.predict(x, verbose=0).shape == (3, 5, 2)


# --- maxout_test --------------------------------------------------------------------------


def test_tfa_maxout():
    layer_test(tfa.layers.Maxout, {"num_units": 3}, input_shape=(5, 4, 2, 18))
    layer_test(tfa.layers.Maxout, {"num_units": 4, "axis": 1}, input_shape=(2, 20, 3, 6))
    layer_test(tfa.layers.Maxout, {"num_units": 4, "axis": -3}, input_shape=(2, 20, 3, 6))
    x = np.random.RandomState(1).random_sample((5, 4, 2, 18)).astype("float32")
    layer_test(tfa.layers.Maxout, {"num_units": 3}, x, input_shape=(5, 4, 2, None))
    layer_test(tfa.layers.Maxout, {"num_units": 3}, x, input_shape=(None, None, None, None))
    with pytest.raises(ValueError, match="number of features"):
        layer_test(tfa.layers.Maxout, {"num_units": 3}, input_shape=(5, 4, 2, 7))


# --- noisy_dense_test ---------------------------------------------------------------------


@pytest.mark.parametrize("input_shape", [(3, 2), (3, 4, 2), (None, None, 2), (3, 4, 5, 2)])
def test_tfa_noisy_dense(input_shape):
    layer_test(tfa.layers.NoisyDense, {"units": 3}, input_shape=input_shape)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_tfa_noisy_dense_dtype(dtype):
    inputs = np.random.RandomState(2).randint(0, 7, (2, 2)).astype(dtype)
    layer = tfa.layers.NoisyDense(5, dtype=dtype, name="noisy_dense_" + dtype)
    assert layer(inputs).dtype == dtype


def test_tfa_noisy_dense_with_policy():
    inputs = np.random.RandomState(3).randint(0, 7, (2, 2))
    layer = tfa.layers.NoisyDense(5, dtype="mixed_float16", name="noisy_dense_policy")
    outputs = layer(inputs)
    spec = layer.compute_output_spec(keras.KerasTensor((2, 2), dtype="float16"))
    assert spec.dtype == "float16" and spec.shape == (2, 5)
    assert outputs.dtype == "float16"
    assert layer.mu_kernel.dtype == layer.sigma_kernel.dtype == "float32"


def test_tfa_noisy_dense_regularization_and_constraints():
    layer = tfa.layers.NoisyDense(
        3,
        kernel_regularizer=keras.regularizers.L1(0.01),
        bias_regularizer="l1",
        activity_regularizer="l2",
        name="noisy_dense_reg",
    )
    layer(np.ones((2, 4), "float32"))
    assert len(layer.losses) == 5
    k_constraint = keras.constraints.MaxNorm(0.01)
    b_constraint = keras.constraints.MaxNorm(0.01)
    layer = tfa.layers.NoisyDense(3, kernel_constraint=k_constraint, bias_constraint=b_constraint)
    layer(np.ones((2, 4), "float32"))
    assert layer.mu_kernel.constraint is k_constraint
    assert layer.sigma_kernel.constraint is k_constraint
    assert layer.mu_bias.constraint is b_constraint
    assert layer.sigma_bias.constraint is b_constraint


@pytest.mark.parametrize("use_factorised", [True, False])
def test_tfa_noisy_dense_reset_and_remove_noise(use_factorised):
    inputs = np.random.RandomState(4).randint(0, 7, (2, 2)).astype("float32")
    layer = tfa.layers.NoisyDense(5, use_factorised=use_factorised)
    first = layer(inputs)
    eps_kernel, eps_bias = np.array(layer.eps_kernel), np.array(layer.eps_bias)
    assert np.all(eps_kernel != 0) and np.all(eps_bias != 0)
    np.testing.assert_array_equal(layer(inputs), first)  # noise changes only on request
    layer.reset_noise()
    assert np.all(np.array(layer.eps_kernel) != eps_kernel)
    assert np.all(np.array(layer.eps_bias) != eps_bias)
    if use_factorised:  # f(p) f(q)^T: rank one
        assert np.linalg.matrix_rank(np.array(layer.eps_kernel)) == 1
    layer.remove_noise()
    np.testing.assert_array_equal(layer.eps_kernel, np.zeros((2, 5)))
    np.testing.assert_array_equal(layer.eps_bias, np.zeros(5))
    np.testing.assert_allclose(layer(inputs), inputs @ layer.mu_kernel + layer.mu_bias, rtol=1e-6)


def test_noisy_dense_without_bias_builds():
    # tfa 0.23 failed here (reset_noise assigned to the missing bias noise).
    layer = tfa.layers.NoisyDense(3, use_bias=False)
    assert layer(np.ones((2, 4), "float32")).shape == (2, 3)
    assert len(layer.trainable_weights) == 2 and layer.bias is None


# --- optical_flow_test --------------------------------------------------------------------


def correlation_data(data_format):
    a = np.array(
        [
            [
                [[0, -6, 9, 5], [1, -5, 10, 3], [2, -4, 11, 1]],
                [[3, -3, 12, -1], [4, -2, 13, -3], [5, -1, 14, -5]],
            ],
            [
                [[6, 0, 15, -7], [7, 1, 16, -9], [8, 2, 17, -11]],
                [[9, 3, 18, -13], [10, 4, 19, -15], [11, 5, 20, -17]],
            ],
        ],
        "float32",
    )
    b = a.transpose(2, 3, 0, 1).reshape(2, 2, 3, 4)
    if data_format == "channels_last":
        a, b = np.moveaxis(a, 1, -1), np.moveaxis(b, 1, -1)
    return a, b


TFA_CORRELATION = {"kernel_size": 1, "max_displacement": 2, "stride_1": 1, "stride_2": 2, "pad": 4}


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_tfa_correlation_forward_simple(data_format):
    a, b = correlation_data(data_format)
    layer = tfa.layers.CorrelationCost(**TFA_CORRELATION, data_format=data_format)
    actual = np.asarray(layer([a, b]))
    if data_format == "channels_last":
        actual = actual.transpose(0, 3, 1, 2)
    zeros = np.argwhere(actual == 0)
    np.testing.assert_array_equal(zeros[:, 0], np.repeat([0, 1], 464))
    counts = [54, 52, 54, 50, 44, 50, 54, 52, 54]
    ids = np.concatenate([np.full(count, k) for k, count in enumerate(counts)])
    np.testing.assert_array_equal(zeros[:, 1], np.concatenate([ids, ids]))
    assert actual.shape == (2, 9, 7, 8)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_tfa_correlation_gradients(data_format):
    # tfa compared the whole Jacobian with finite differences; here directional
    # derivatives along random directions, in float64 (the goldens compare the gradients
    # with tfa's kernel's).
    random = np.random.RandomState(5)
    shape = (2, 3, 5, 6) if data_format == "channels_first" else (2, 5, 6, 3)
    a, b = (tf.constant(random.randn(*shape)) for _ in range(2))
    layer = tfa.layers.CorrelationCost(**TFA_CORRELATION, data_format=data_format, dtype="float64")
    upstream = random.randn(*layer.compute_output_shape([shape, shape]))

    def loss(a, b):
        return tf.reduce_sum(layer([a, b]) * upstream)

    with tf.GradientTape() as tape:
        tape.watch([a, b])
        value = loss(a, b)
    grad_a, grad_b = tape.gradient(value, [a, b])
    for _ in range(3):
        va, vb = random.randn(*shape), random.randn(*shape)
        h = 1e-4
        numerical = (loss(a + h * va, b + h * vb) - loss(a - h * va, b - h * vb)) / (2 * h)
        analytic = np.sum(grad_a * va) + np.sum(grad_b * vb)
        np.testing.assert_allclose(analytic, numerical, rtol=1e-6)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_tfa_correlation_keras(data_format):
    a, b = correlation_data(data_format)
    inputs = [keras.Input(a.shape[1:]), keras.Input(b.shape[1:])]
    layer = tfa.layers.CorrelationCost(**TFA_CORRELATION, data_format=data_format)
    expected_shape = layer.compute_output_shape([inputs[0].shape, inputs[1].shape])
    y = layer(inputs)
    assert y.dtype == "float32" and y.shape == expected_shape
    assert keras.Model(inputs, y)([a, b]).shape[1:] == expected_shape[1:]


def test_correlation_arguments():
    with pytest.raises(ValueError, match="odd"):
        tfa.layers.CorrelationCost(2, 1, 1, 1, 1, "channels_last")
    with pytest.raises(ValueError, match="data_format"):
        tfa.layers.CorrelationCost(1, 1, 1, 1, 1, "NHWC")
    layer = tfa.layers.CorrelationCost(1, 1, 1, 1, 1, "channels_last")
    with pytest.raises(ValueError, match="list of two"):
        layer(np.ones((1, 3, 3, 1), "float32"))
    with pytest.raises(ValueError, match="must match"):
        layer.compute_output_shape([(1, 3, 3, 1), (1, 3, 4, 1)])


# --- poincare_test, tlu_test --------------------------------------------------------------


def poincare_reference(x, axis, epsilon=1e-5):
    norm = np.linalg.norm(x, axis=tuple(np.atleast_1d(axis)), keepdims=True)
    return np.where(norm > 1.0 - epsilon, (1.0 - epsilon) * x / norm, x)


@pytest.mark.parametrize("axis", [0, 1, 2, [1, 2]])
def test_tfa_poincare_normalize(axis):
    x = np.random.RandomState(1).random_sample((20, 7, 3)).astype("float32")
    kwargs = {"axis": axis, "epsilon": 1e-5}
    expected = poincare_reference(x, axis)
    outputs = layer_test(tfa.layers.PoincareNormalize, kwargs, x, expected_output=expected)
    for y in expected, outputs:
        norm = np.linalg.norm(y, axis=tuple(np.atleast_1d(axis)))
        assert norm.max() <= 1.0 - 1e-5 + 1e-6


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_tfa_tlu(dtype):
    x = np.array([[-2.5, 0.0, 0.3]], dtype)
    tol = 1e-3 if dtype == "float16" else 1e-6
    layer_test(tfa.layers.TLU, {"dtype": dtype}, x, expected_output=[[0.0, 0.0, 0.3]], tol=tol)
    kwargs = {
        "affine": True,
        "dtype": dtype,
        "alpha_initializer": "ones",
        "tau_initializer": "ones",
    }
    layer_test(tfa.layers.TLU, kwargs, x, expected_output=[[-1.5, 1.0, 1.3]], tol=tol)
    layer = tfa.layers.TLU(**kwargs)
    restored = keras.layers.deserialize(keras.layers.serialize(layer))
    assert restored.get_config() == layer.get_config()


# --- normalizations_test: FilterResponseNormalization -------------------------------------


def frn_reference(x, beta, gamma, eps=1e-6, learned_epsilon=False):
    eps = eps + 1e-4 if learned_epsilon else eps
    nu2 = np.mean(np.square(x), axis=(1, 2), keepdims=True)
    return gamma * x / np.sqrt(nu2 + abs(eps)) + beta


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize(
    "beta, learned_epsilon", [(1.0, False), (0.0, False), (0.5, True)], ids=["beta", "gamma", "eps"]
)
def test_tfa_frn_values(dtype, beta, learned_epsilon):
    x = np.random.RandomState(0x2020).rand(1, 28, 28, 1).astype(dtype)
    frn = tfa.layers.FilterResponseNormalization(
        beta_initializer=keras.initializers.Constant(beta),
        gamma_initializer="ones",
        learned_epsilon=learned_epsilon,
        dtype=dtype,
    )
    frn.build((None, 28, 28, 1))
    expected = frn_reference(x.astype("float64"), beta, 1.0, learned_epsilon=learned_epsilon)
    tol = 2e-3 if dtype == "float16" else 1e-6
    np.testing.assert_allclose(frn(x), expected, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_tfa_frn_serialization(dtype):
    frn = tfa.layers.FilterResponseNormalization(
        beta_initializer="ones", gamma_initializer="ones", dtype=dtype
    )
    restored = keras.layers.deserialize(keras.layers.serialize(frn))
    assert restored.get_config() == frn.get_config()


def test_tfa_frn_keras_model_learns_epsilon():
    random = np.random.RandomState(0x2020)
    x = random.rand(10, 8, 8, 3).astype("float32")
    y = random.randint(2, size=(10,)).astype("float32")
    frn = tfa.layers.FilterResponseNormalization(
        beta_initializer="ones", gamma_initializer="ones", learned_epsilon=True
    )
    initial = float(frn.eps_learned[0])
    inputs = keras.Input((8, 8, 3))
    outputs = keras.layers.Dense(1, activation="sigmoid")(keras.layers.Flatten()(frn(inputs)))
    model = keras.Model(inputs, outputs)
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    model.fit(x, y, epochs=1, verbose=0)
    assert float(frn.eps_learned[0]) != initial


def test_tfa_frn_variables_and_arguments():
    # tfa's compute_output_shape built the layer; Keras 3's creates no weights.
    layer = tfa.layers.FilterResponseNormalization()
    layer.build([8, 28, 28, 16])
    assert len(layer.variables) == len(layer.trainable_variables) == 2
    layer = tfa.layers.FilterResponseNormalization()
    layer(np.random.RandomState(0).normal(size=(8, 28, 28, 16)).astype("float32"))
    assert len(layer.variables) == len(layer.trainable_variables) == 2
    assert len(tfa.layers.FilterResponseNormalization(learned_epsilon=True).weights) == 1
    with pytest.raises(TypeError):
        tfa.layers.FilterResponseNormalization(axis=(1, 2))
    with pytest.raises(ValueError):
        tfa.layers.FilterResponseNormalization(axis=[1, 3])
    with pytest.raises(ValueError):
        tfa.layers.FilterResponseNormalization().build((None, 4, 4))
    with pytest.raises(ValueError):
        tfa.layers.FilterResponseNormalization().build((None, None, 4, 4))


# --- embedding_bag_test -------------------------------------------------------------------


def manual_embedding_bag(indices, values, weights):
    return np.sum(values[indices] * weights[..., None], axis=-2)


@pytest.mark.parametrize("input_dim", [3, 512])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("indices_dtype", ["int32", "int64"])
def test_tfa_embedding_bag_forward_and_backward(input_dim, dtype, indices_dtype):
    random = np.random.RandomState(input_dim)
    indices = random.randint(0, input_dim, (16, 32)).astype(indices_dtype)
    values = random.random_sample((input_dim, 16)).astype(dtype)
    weights = random.random_sample(indices.shape).astype(dtype)
    layer = tfa.layers.EmbeddingBag(input_dim, 16, dtype=dtype)
    layer.build(indices.shape)
    layer.set_weights([values])
    weights_tensor = tf.constant(weights)
    with tf.GradientTape() as tape:
        tape.watch(weights_tensor)
        output = layer(indices, weights_tensor)
    grads = tape.gradient(output, [layer.embeddings.value, weights_tensor])
    tol = {"float16": 1e-2, "float32": 1e-5, "float64": 1e-12}[dtype]
    expected = manual_embedding_bag(indices, values.astype("float64"), weights)
    np.testing.assert_allclose(output, expected, rtol=tol, atol=tol)
    counts = np.bincount(indices.ravel(), weights.ravel().astype("float64"), input_dim)
    expected_values_grad = np.repeat(counts[:, None], 16, axis=1)
    np.testing.assert_allclose(tf.convert_to_tensor(grads[0]), expected_values_grad, rtol=tol)
    expected_weights_grad = values.astype("float64")[indices].sum(-1)
    np.testing.assert_allclose(grads[1], expected_weights_grad, rtol=tol, atol=tol)


def test_embedding_bag_mean_higher_rank_and_errors():
    layer = tfa.layers.EmbeddingBag(5, 2, combiner="mean")
    indices = np.array([[[0, 1, 4], [2, 2, 3]]])
    table = np.arange(10, dtype="float32").reshape(5, 2)
    layer.build(indices.shape)
    layer.set_weights([table])
    np.testing.assert_allclose(layer(indices), table[indices].mean(-2))
    assert layer.compute_output_shape((None, 2, 3)) == (None, 2, 2)
    with pytest.raises(RuntimeError, match="must be 'sum'"):
        layer(indices, np.ones(indices.shape, "float32"))
    with pytest.raises(ValueError, match="positive"):
        tfa.layers.EmbeddingBag(0, 2)


# --- polynomial_test ----------------------------------------------------------------------

X0 = np.asarray([[0.1, 0.2, 0.3]], "float32")
X = np.asarray([[0.4, 0.5, 0.6]], "float32")


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({"projection_dim": None}, [[0.55, 0.8, 1.05]]),
        ({"projection_dim": 1}, [[0.55, 0.8, 1.05]]),
        ({"projection_dim": None, "diag_scale": 1.0}, [[0.59, 0.9, 1.23]]),
    ],
    ids=["full_matrix", "low_rank_matrix", "diag_scale"],
)
def test_tfa_polynomial_crossing(kwargs, expected):
    layer = tfa.layers.PolynomialCrossing(kernel_initializer="ones", **kwargs)
    np.testing.assert_allclose(layer([X0, X]), expected, rtol=1e-6)


def test_tfa_polynomial_crossing_errors_and_serialization():
    x0, x = np.random.RandomState(6).random_sample((2, 12, 5)).astype("float32")
    with pytest.raises(ValueError, match="should be smaller than last_dim / 2"):
        tfa.layers.PolynomialCrossing(projection_dim=6)([x0, x])
    with pytest.raises(ValueError, match="must be a tuple or list of size 2"):
        tfa.layers.PolynomialCrossing(projection_dim=6)([x0, x, x])
    layer = tfa.layers.PolynomialCrossing(projection_dim=None)
    restored = keras.layers.deserialize(keras.layers.serialize(layer))
    assert restored.get_config() == layer.get_config()


# --- configs and a .keras round trip of all eleven ------------------------------------------

CONFIGS = {
    "MaxUnpooling2D": {"pool_size": (3, 3), "strides": (2, 1), "padding": "VALID"},
    "MaxUnpooling2DV2": {"output_size": (2, 6, 8, 2)},
    "SpatialPyramidPooling2D": {"bins": [[1, 1], [2, 3]], "data_format": "channels_first"},
    "Maxout": {"num_units": 3, "axis": 1},
    "NoisyDense": {
        "units": 3,
        "sigma": 0.2,
        "use_factorised": False,
        "activation": "relu",
        "use_bias": False,
        "kernel_regularizer": "l2",
        "bias_constraint": "non_neg",
    },
    "CorrelationCost": {
        "kernel_size": 3,
        "max_displacement": 2,
        "stride_1": 2,
        "stride_2": 1,
        "pad": 2,
        "data_format": "channels_first",
    },
    "PoincareNormalize": {"axis": [1, 2], "epsilon": 1e-3},
    "TLU": {"affine": True, "tau_regularizer": "l1", "alpha_initializer": "ones"},
    "FilterResponseNormalization": {
        "epsilon": 1e-4,
        "learned_epsilon": True,
        "gamma_constraint": "non_neg",
    },
    "EmbeddingBag": {"input_dim": 4, "output_dim": 2, "combiner": "mean", "mask_zero": True},
    "PolynomialCrossing": {"projection_dim": 2, "diag_scale": 0.5, "use_bias": False},
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_config_round_trip(name):
    layer = getattr(tfa.layers, name)(**CONFIGS[name])
    config = json.loads(json.dumps(keras.layers.serialize(layer)))
    assert config["registered_name"] == f"Addons>{name}"
    restored = keras.layers.deserialize(config)
    assert type(restored) is type(layer)
    assert json.dumps(restored.get_config()) == json.dumps(layer.get_config())
    for key, value in CONFIGS[name].items():
        if not key.endswith(("regularizer", "constraint", "initializer", "activation")):
            assert json.dumps(restored.get_config()[key]) == json.dumps(value), key


def test_keras_file_round_trip(tmp_path):
    images = keras.Input((6, 8, 4), batch_size=2)
    x = tfa.layers.FilterResponseNormalization(learned_epsilon=True)(images)
    x = tfa.layers.TLU(affine=True)(x)
    x = tfa.layers.Maxout(2)(x)
    x = tfa.layers.CorrelationCost(1, 1, 1, 1, 1, "channels_last")([x, x])
    x = tfa.layers.SpatialPyramidPooling2D([1, 2])(x)
    x = tfa.layers.PoincareNormalize(axis=2)(x)
    x = tfa.layers.NoisyDense(6)(keras.layers.Flatten()(x))
    x = tfa.layers.PolynomialCrossing(projection_dim=2)([x, x])
    bags = keras.Input((4,), batch_size=2, dtype="int32")
    x = keras.layers.Add()([x, tfa.layers.EmbeddingBag(10, 6, combiner="mean")(bags)])
    updates = keras.Input((3, 4, 2), batch_size=2)
    indices = keras.Input((3, 4, 2), batch_size=2, dtype="int32")
    unpooled = tfa.layers.MaxUnpooling2D()(updates, indices)
    unpooled_v2 = tfa.layers.MaxUnpooling2DV2((2, 6, 8, 2))(updates, indices)
    model = keras.Model([images, bags, updates, indices], [x, unpooled, unpooled_v2])
    random = np.random.RandomState(7)
    images_x = random.normal(size=(2, 6, 8, 4)).astype("float32")
    updates_x = random.normal(size=(2, 6, 8, 2)).astype("float32")
    pooled, argmax = tf.nn.max_pool_with_argmax(updates_x, 2, 2, "SAME")
    bags_x = random.randint(0, 10, (2, 4)).astype("int32")
    data = [images_x, bags_x, np.asarray(pooled), np.asarray(argmax, "int32")]
    expected = model(data)
    model.save(tmp_path / "model.keras")
    restored = keras.saving.load_model(tmp_path / "model.keras")
    for want, got in zip(expected, restored(data), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    # The unpooled maxima are where they were pooled from.
    np.testing.assert_array_equal(
        np.asarray(expected[1]) != 0,
        updates_x == np.repeat(np.repeat(np.asarray(pooled), 2, 1), 2, 2),
    )
