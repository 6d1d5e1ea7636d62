"""kerasdl.layers.regularization (StochasticDepth, WeightNormalization, DropBlock2D)
and kerasdl.regularizers (L2-SP)."""

import keras
import numpy as np
import pytest

from kerasdl import layers as kdl_layers
from kerasdl import regularizers as kdr

RNG = np.random.default_rng(0)


# --- StochasticDepth -------------------------------------------------------------------


def test_stochastic_depth_inference_is_expectation():
    shortcut, residual = np.ones((2, 3), "float32"), np.full((2, 3), 4.0, "float32")
    out = kdl_layers.StochasticDepth(0.75)([shortcut, residual])
    np.testing.assert_allclose(out, 1.0 + 0.75 * 4.0)


def test_stochastic_depth_training_drops_whole_branch_with_probability():
    layer = kdl_layers.StochasticDepth(0.3, seed=1)
    shortcut, residual = np.ones((4, 2), "float32"), np.full((4, 2), 2.0, "float32")
    kept = []
    for _ in range(300):
        out = np.asarray(layer([shortcut, residual], training=True))
        assert np.all(out == out.flat[0])  # one draw for the whole batch, no rescaling
        assert out.flat[0] in (1.0, 3.0)
        kept.append(out.flat[0] == 3.0)
    assert abs(np.mean(kept) - 0.3) < 0.1


def test_stochastic_depth_in_residual_model_fits_and_reloads(tmp_path):
    inp = keras.Input((4,))
    branch = keras.layers.Dense(4)(inp)
    out = kdl_layers.StochasticDepth(0.8, seed=0)([inp, branch])
    model = keras.Model(inp, keras.layers.Dense(1)(out))
    model.compile("adam", "mse")
    model.fit(RNG.normal(size=(16, 4)), RNG.normal(size=(16, 1)), verbose=0, epochs=1)
    path = tmp_path / "sd.keras"
    model.save(path)
    layer = keras.models.load_model(path).layers[2]
    assert isinstance(layer, kdl_layers.StochasticDepth)
    assert layer.survival_probability == 0.8


def test_stochastic_depth_rejects_bad_input():
    with pytest.raises(ValueError):
        kdl_layers.StochasticDepth(1.5)
    with pytest.raises(ValueError):
        kdl_layers.StochasticDepth()(np.ones((1, 2)))


# --- WeightNormalization ---------------------------------------------------------------


def _wn_dense(data_init, activation=None):
    keras.utils.set_random_seed(0)
    layer = kdl_layers.WeightNormalization(
        keras.layers.Dense(4, activation=activation), data_init=data_init
    )
    inp = keras.Input((5,))
    return keras.Model(inp, layer(inp)), layer


X = (RNG.normal(size=(64, 5)) * 3 + 1).astype("float32")


def test_weight_norm_data_init_standardises_first_batch():
    model, layer = _wn_dense(data_init=True, activation="relu")
    assert not bool(np.asarray(layer.initialized))
    model(X)
    assert bool(np.asarray(layer.initialized))
    v = np.asarray(layer.layer.kernel)
    pre_activation = X @ (v / np.linalg.norm(v, axis=0)) * np.asarray(layer.g) + np.asarray(
        layer.layer.bias
    )
    np.testing.assert_allclose(pre_activation.mean(0), 0.0, atol=1e-5)
    np.testing.assert_allclose(pre_activation.std(0), 1.0, rtol=1e-4)
    # Relu is applied on top: the output is the standardised pre-activation, rectified.
    np.testing.assert_allclose(model(X), np.maximum(pre_activation, 0), rtol=1e-4, atol=1e-5)
    # Initialised once: a second batch does not move g.
    g = np.asarray(layer.g).copy()
    model(X[:8] * 10)
    np.testing.assert_array_equal(np.asarray(layer.g), g)


def test_weight_norm_without_data_init_starts_as_wrapped_layer():
    model, layer = _wn_dense(data_init=False)
    plain = X @ np.asarray(layer.layer.kernel) + np.asarray(layer.layer.bias)
    np.testing.assert_allclose(model(X), plain, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(
        np.asarray(layer.g), np.linalg.norm(np.asarray(layer.layer.kernel), axis=0), rtol=1e-6
    )


def test_weight_norm_trains_g_and_v_in_fit_and_reloads(tmp_path):
    model, layer = _wn_dense(data_init=True)
    model.compile(keras.optimizers.SGD(0.05), "mse")
    y = RNG.normal(size=(64, 4)).astype("float32")
    model.fit(X, y, batch_size=16, epochs=1, verbose=0)  # initialised inside the traced step
    assert bool(np.asarray(layer.initialized))
    g, v = np.asarray(layer.g).copy(), np.asarray(layer.layer.kernel).copy()
    model.fit(X, y, batch_size=16, epochs=2, verbose=0)
    assert not np.allclose(np.asarray(layer.g), g)
    assert not np.allclose(np.asarray(layer.layer.kernel), v)
    assert {w.name for w in layer.trainable_weights} >= {"g", "kernel", "bias"}
    path = tmp_path / "wn.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-5)


def test_weight_norm_remove_bakes_the_kernel():
    model, layer = _wn_dense(data_init=True, activation="relu")
    expected = np.asarray(model(X))
    plain = layer.remove()
    assert isinstance(plain, keras.layers.Dense)
    np.testing.assert_allclose(plain(X), expected, rtol=1e-4, atol=1e-5)


def test_weight_norm_conv2d_normalises_per_filter():
    keras.utils.set_random_seed(0)
    layer = kdl_layers.WeightNormalization(keras.layers.Conv2D(3, 2), data_init=False)
    images = RNG.normal(size=(2, 6, 6, 1)).astype("float32")
    out = layer(images)
    assert out.shape == (2, 5, 5, 3)
    assert layer.g.shape == (3,)
    np.testing.assert_allclose(
        out, keras.ops.conv(images, layer.layer.kernel) + layer.layer.bias, rtol=1e-4, atol=1e-5
    )


def test_weight_norm_needs_a_kernel():
    with pytest.raises(ValueError, match="kernel"):
        kdl_layers.WeightNormalization(keras.layers.Dropout(0.1))(np.ones((1, 2), "float32"))


# --- DropBlock2D -----------------------------------------------------------------------


def test_dropblock_identity_at_inference():
    x = RNG.normal(size=(2, 8, 8, 3)).astype("float32")
    np.testing.assert_array_equal(kdl_layers.DropBlock2D(0.3, 3)(x), x)


def test_dropblock_drops_square_blocks_shared_across_channels_and_rescales():
    layer = kdl_layers.DropBlock2D(0.1, block_size=5, seed=3)
    x = np.ones((8, 48, 48, 2), "float32")
    out = np.asarray(layer(x, training=True))
    dropped = out == 0
    np.testing.assert_array_equal(dropped[..., 0], dropped[..., 1])
    fraction = dropped.mean()
    assert 0.05 < fraction < 0.13
    kept = out[~dropped]
    np.testing.assert_allclose(kept, kept[0])
    np.testing.assert_allclose(out.mean(), 1.0, rtol=1e-5)
    # Every dropped pixel lies in a fully dropped 5x5 square.
    d = dropped[..., 0]
    for b, i, j in zip(*np.nonzero(d), strict=True):
        assert any(
            d[b, max(r, 0) : r + 5, max(c, 0) : c + 5].all()
            and r >= 0
            and c >= 0
            and r + 5 <= 48
            and c + 5 <= 48
            for r in range(i - 4, i + 1)
            for c in range(j - 4, j + 1)
        )


def test_dropblock_channels_first_and_config():
    layer = kdl_layers.DropBlock2D(0.2, block_size=3, seed=0, data_format="channels_first")
    out = layer(np.ones((2, 3, 10, 10), "float32"), training=True)
    assert out.shape == (2, 3, 10, 10)
    clone = kdl_layers.DropBlock2D.from_config(layer.get_config())
    assert (clone.rate, clone.block_size, clone.data_format) == (0.2, 3, "channels_first")


def test_dropblock_in_cnn_fits():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((12, 12, 1)),
            keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
            kdl_layers.DropBlock2D(0.1, block_size=3),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(2),
        ]
    )
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(
        RNG.normal(size=(16, 12, 12, 1)), RNG.integers(0, 2, 16), verbose=0, epochs=2
    )
    assert np.isfinite(history.history["loss"]).all()


# --- L2-SP -----------------------------------------------------------------------------


def test_l2sp_value_and_config():
    reference = np.array([1.0, -2.0, 0.5], "float32")
    reg = kdr.L2SP(0.1, reference=reference)
    w = np.array([0.0, 0.0, 0.5], "float32")
    np.testing.assert_allclose(reg(w), 0.1 * (1.0 + 4.0 + 0.0), rtol=1e-6)
    assert float(reg(reference)) == 0.0
    clone = kdr.L2SP.from_config(reg.get_config())
    np.testing.assert_allclose(clone(w), reg(w))
    restored = keras.regularizers.deserialize(keras.regularizers.serialize(reg))
    np.testing.assert_allclose(restored(w), reg(w))
    with pytest.raises(ValueError, match="apply_l2sp"):
        kdr.L2SP(0.1)(w)


def _pretrained():
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(8, activation="tanh", name="body"),
            keras.layers.Dense(1, name="head"),
        ]
    )


def test_apply_l2sp_anchors_at_current_weights_and_restrains_fine_tuning():
    x = RNG.normal(size=(64, 4)).astype("float32")
    y = RNG.normal(size=(64, 1)).astype("float32") * 5

    def fine_tune(l2):
        model = _pretrained()
        start = model.get_layer("body").get_weights()
        if l2:
            count = kdr.apply_l2sp(
                model, l2=l2, new_layers=[model.get_layer("head")], new_layers_l2=1e-3
            )
            assert count == 2  # body kernel and bias
            assert float(sum(model.losses)) == pytest.approx(
                1e-3 * float(np.sum(np.square(model.get_layer("head").get_weights()[0]))), rel=1e-5
            )
            assert isinstance(model.get_layer("head").kernel.regularizer, keras.regularizers.L2)
        model.compile(keras.optimizers.SGD(0.1), "mse")
        model.fit(x, y, batch_size=16, epochs=3, verbose=0)
        end = model.get_layer("body").get_weights()
        return sum(float(np.sum((a - b) ** 2)) for a, b in zip(start, end, strict=True))

    assert fine_tune(1.0) < 0.5 * fine_tune(0.0)
