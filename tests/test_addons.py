"""kerasdl.addons against tfa 0.23: its own tests' cases and goldens written by tfa 0.23.

Goldens: tests/data/addons_goldens.npz (tests/data/make_addons_goldens.py, run with
tensorflow-addons 0.23 on TensorFlow 2.15). Cases named `test_tfa_*` take their inputs and
expected values from tensorflow/addons' test files.
"""

import pathlib

import keras
import numpy as np
import pytest

import kerasdl.addons as tfa

GOLDENS = np.load(pathlib.Path(__file__).parent / "data" / "addons_goldens.npz")


def golden(key):
    return GOLDENS[key]


def _np_sparsemax(z):
    """tfa's sparsemax_test reference: Martins & Astudillo's algorithm in NumPy."""
    z = z - np.mean(z, axis=1)[:, np.newaxis]
    z_sorted = np.sort(z, axis=1)[:, ::-1]
    z_cumsum = np.cumsum(z_sorted, axis=1)
    k = np.arange(1, z.shape[1] + 1)
    z_check = 1 + k * z_sorted > z_cumsum
    k_z = z.shape[1] - np.argmax(z_check[:, ::-1], axis=1)
    tau_sum = z_cumsum[np.arange(0, z.shape[0]), k_z - 1]
    tau_z = ((tau_sum - 1) / k_z).reshape(-1, 1)
    return np.maximum(0, z - tau_z)


# --- activations --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["gelu", "hardshrink", "lisht", "mish", "softshrink", "tanhshrink", "snake"]
)
def test_activation_defaults_match_tfa(name):
    x = golden(f"activations.{name}/default/x")
    y = getattr(tfa.activations, name)(x)
    np.testing.assert_allclose(y, golden(f"activations.{name}/default/y"), rtol=1e-5, atol=1e-6)


def test_gelu_is_approximate_by_default_and_exact_on_request():
    x = golden("activations.gelu/exact/x")
    np.testing.assert_allclose(
        tfa.activations.gelu(x, approximate=False), golden("activations.gelu/exact/y"), atol=1e-6
    )
    assert not np.allclose(tfa.activations.gelu(x), keras.activations.gelu(x))


@pytest.mark.parametrize("name", ["hardshrink", "softshrink"])
def test_shrink_bounds_match_tfa(name):
    x = golden(f"activations.{name}/bounds/x")
    y = getattr(tfa.activations, name)(x, lower=-1.0, upper=2.0)
    np.testing.assert_allclose(y, golden(f"activations.{name}/bounds/y"), atol=1e-6)
    with pytest.raises(ValueError):
        getattr(tfa.activations, name)(x, lower=1.0, upper=-1.0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_tfa_hardshrink(dtype):
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0], dtype)
    expected = np.array([-2.0, 0.0, 0.0, 0.0, 2.0], dtype)
    np.testing.assert_allclose(tfa.activations.hardshrink(x), expected)
    np.testing.assert_allclose(tfa.activations.hardshrink(x, lower=-1.0, upper=1.0), expected)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_tfa_softshrink(dtype):
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0], dtype)
    expected = np.array([-1.5, 0.0, 0.0, 0.0, 1.5], dtype)
    np.testing.assert_allclose(tfa.activations.softshrink(x), expected)
    expected = np.array([-1.0, 0.0, 0.0, 0.0, 1.0], dtype)
    np.testing.assert_allclose(tfa.activations.softshrink(x, lower=-1.0, upper=1.0), expected)


def test_snake_frequency_and_rrelu_inference_match_tfa():
    x = golden("activations.snake/frequency/x")
    y = tfa.activations.snake(x, frequency=2.5)
    np.testing.assert_allclose(y, golden("activations.snake/frequency/y"), rtol=1e-5, atol=1e-6)
    y = tfa.activations.rrelu(x, training=False)
    np.testing.assert_allclose(y, golden("activations.rrelu/inference/y"), atol=1e-6)
    np.testing.assert_allclose(tfa.activations.rrelu(x), y)  # training=None is inference


def test_rrelu_training_slopes_within_bounds():
    x = -np.ones((200,), "float32")
    y = np.asarray(tfa.activations.rrelu(x, lower=0.1, upper=0.3, training=True, seed=3))
    assert np.all((y <= -0.1) & (y >= -0.3)) and y.std() > 0
    import tensorflow as tf

    y = np.asarray(tfa.activations.rrelu(x, training=True, rng=tf.random.Generator.from_seed(1)))
    assert np.all((y <= -0.125) & (y >= -1 / 3))
    with pytest.raises(ValueError):
        tfa.activations.rrelu(x, training=True, seed=1, rng=tf.random.Generator.from_seed(1))


def test_sparsemax_ties_are_right_where_keras_is_wrong():
    np.testing.assert_allclose(tfa.activations.sparsemax([[1.0, 1.0]]), [[0.5, 0.5]])
    x = golden("activations.sparsemax/ties/x")
    np.testing.assert_allclose(
        tfa.activations.sparsemax(x), golden("activations.sparsemax/ties/y"), atol=1e-6
    )
    for key in ("random", "axis1"):
        x = golden(f"activations.sparsemax/{key}/x")
        y = tfa.activations.sparsemax(x, axis=1 if key == "axis1" else -1)
        np.testing.assert_allclose(y, golden(f"activations.sparsemax/{key}/y"), atol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_tfa_sparsemax_against_numpy(dtype):
    z = np.random.RandomState(1).uniform(low=-3, high=3, size=(17, 10))
    np.testing.assert_allclose(
        tfa.activations.sparsemax(z.astype(dtype)), _np_sparsemax(z), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        tfa.activations.sparsemax(z.astype(dtype), axis=0),
        _np_sparsemax(z.T).T,
        rtol=1e-5,
        atol=1e-6,
    )
    low_rank = tfa.activations.sparsemax(z[0].astype(dtype))
    np.testing.assert_allclose(low_rank, _np_sparsemax(z[:1])[0], rtol=1e-5, atol=1e-6)
    high = np.random.RandomState(1).uniform(low=-3, high=3, size=(17, 17, 10))
    np.testing.assert_allclose(
        tfa.activations.sparsemax(high.astype(dtype)),
        _np_sparsemax(high.reshape(-1, 10)).reshape(high.shape),
        rtol=1e-5,
        atol=1e-6,
    )


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_tfa_sparsemax_of_nan_and_inf(dtype):
    nan = np.nan
    z_nan = np.asarray([[0, nan, 0], [0, nan, nan], [nan, nan, nan]], dtype)
    np.testing.assert_equal(np.asarray(tfa.activations.sparsemax(z_nan)), np.full((3, 3), nan))
    inf = np.inf
    z_neg = np.asarray([[0, -inf, 0], [0, -inf, -inf], [-inf, -inf, -inf]], dtype)
    np.testing.assert_equal(
        np.asarray(tfa.activations.sparsemax(z_neg)),
        np.array([[0.5, 0, 0.5], [1, 0, 0], [nan, nan, nan]]),
    )
    z_pos = np.asarray([[0, inf, 0], [0, inf, inf], [inf, inf, inf]], dtype)
    np.testing.assert_equal(np.asarray(tfa.activations.sparsemax(z_pos)), np.full((3, 3), nan))
    z_mix = np.asarray([[0, inf, 0], [0, inf, -inf], [-inf, inf, -inf]], dtype)
    np.testing.assert_equal(np.asarray(tfa.activations.sparsemax(z_mix)), np.full((3, 3), nan))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_tfa_sparsemax_propositions(dtype):
    zero = tfa.activations.sparsemax(np.zeros((1, 10), dtype))
    np.testing.assert_allclose(zero, np.full((1, 10), 0.1), rtol=1e-6)
    random = np.random.RandomState(4)
    z = random.uniform(low=-3, high=3, size=(17, 10))
    z_sort = np.sort(z, axis=-1)[:, ::-1]
    epsilon = (0.99 * (z_sort[:, 0] - z_sort[:, 1])).reshape(-1, 1)
    expected = np.zeros((17, 10), dtype)
    expected[np.arange(17), np.argmax(z, axis=1)] = 1
    np.testing.assert_allclose(tfa.activations.sparsemax((z / epsilon).astype(dtype)), expected)
    random = np.random.RandomState(5)
    z = random.uniform(low=-3, high=3, size=(17, 10)).astype(dtype)
    c = random.uniform(low=-3, high=3, size=(17, 1)).astype(dtype)
    np.testing.assert_allclose(
        tfa.activations.sparsemax(z + c), tfa.activations.sparsemax(z), atol=1e-5
    )
    t = np.linspace(-2, 2, 17, dtype=dtype)
    two = np.asarray(tfa.activations.sparsemax(np.stack([t, np.zeros_like(t)], axis=1)))
    p0 = np.select([t < -1, t <= 1, t > 1], [0, (t + 1) / 2, 1])
    np.testing.assert_allclose(two[:, 0], p0, atol=1e-6)
    np.testing.assert_allclose(two[:, 1], 1 - p0, atol=1e-6)


# --- image --------------------------------------------------------------------------------


def _images():
    return golden("image.inputs/images/x")


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_rotate_matches_tfa(interpolation):
    angles = golden(f"image.rotate/{interpolation}/angles")
    y = tfa.image.rotate(_images(), angles, interpolation=interpolation.upper())
    np.testing.assert_array_equal(y, golden(f"image.rotate/{interpolation}/y"))


def test_translate_matches_tfa():
    key = "image.translate/bilinear_reflect"
    y = tfa.image.translate(
        _images(), golden(f"{key}/translations"), interpolation="BILINEAR", fill_mode="reflect"
    )
    np.testing.assert_allclose(np.asarray(y, "int32"), golden(f"{key}/y"), atol=1)


@pytest.mark.parametrize("fill_mode", ["constant", "wrap", "nearest"])
def test_transform_matches_tfa(fill_mode):
    key = f"image.transform/{fill_mode}"
    y = tfa.image.transform(
        _images(), golden(f"{key}/transforms"), "BILINEAR", fill_mode=fill_mode, fill_value=7.0
    )
    np.testing.assert_allclose(np.asarray(y, "int32"), golden(f"{key}/y"), atol=1)


def test_transform_helpers_match_tfa():
    one = tfa.image.angles_to_projective_transforms(0.4, 7, 9)
    np.testing.assert_allclose(
        one, golden("image.angles_to_projective_transforms/one/y"), atol=1e-6
    )
    angles = golden("image.rotate/nearest/angles")
    np.testing.assert_allclose(
        tfa.image.angles_to_projective_transforms(angles, 7, 9),
        golden("image.angles_to_projective_transforms/batch/y"),
        atol=1e-6,
    )
    key = "image.translations_to_projective_transforms/batch"
    np.testing.assert_allclose(
        tfa.image.translations_to_projective_transforms(golden(f"{key}/x")), golden(f"{key}/y")
    )
    shift = tfa.image.translations_to_projective_transforms([2.0, -1.0])
    composed = tfa.image.compose_transforms([one, shift])
    np.testing.assert_allclose(composed, golden("image.compose_transforms/two/y"), atol=1e-6)
    flat = tfa.image.compose_transforms([np.asarray(one)[0], np.asarray(shift)[0]])
    np.testing.assert_allclose(flat, composed, atol=1e-6)


@pytest.mark.parametrize("case", ["0.3", "m0.6"])
@pytest.mark.parametrize("name", ["shear_x", "shear_y"])
def test_shear_matches_tfa(name, case):
    key = f"image.{name}/{case}"
    image = _images()[0]
    y = getattr(tfa.image, name)(image, float(golden(f"{key}/level")), golden(f"{key}/replace"))
    np.testing.assert_array_equal(y, golden(f"{key}/y"))


def test_translate_xy_and_cutout_match_tfa():
    key = "image.translate_xy/one"
    y = tfa.image.translate_xy(_images()[0], golden(f"{key}/to"), golden(f"{key}/replace"))
    np.testing.assert_array_equal(y, golden(f"{key}/y"))
    y = tfa.image.cutout(_images(), [2, 4], [[3, 3], [0, 8]], constant_values=9)
    np.testing.assert_array_equal(y, golden("image.cutout/batch/y"))


def test_random_cutout_fills_one_patch_per_image():
    images = np.ones((3, 10, 10, 1), "float32")
    y = np.asarray(tfa.image.random_cutout(images, (4, 6), constant_values=0, seed=2))
    assert (y == 0).reshape(3, -1).sum(1).tolist() == [24, 24, 24]


# --- text ---------------------------------------------------------------------------------


def _crf_inputs():
    names = ("potentials", "transitions", "lengths", "bitmap", "tags")
    return [golden(f"text.inputs/{name}") for name in names]


def test_crf_functions_match_tfa():
    potentials, transitions, lengths, bitmap, tags = _crf_inputs()
    y = tfa.text.crf_filtered_inputs(potentials, bitmap)
    np.testing.assert_array_equal(y, golden("text.crf_filtered_inputs/y/y"))
    y = tfa.text.crf_multitag_sequence_score(potentials, bitmap, lengths, transitions)
    np.testing.assert_allclose(y, golden("text.crf_multitag_sequence_score/y/y"), rtol=1e-5)
    decoded, score = tfa.text.crf_constrained_decode(potentials, bitmap, transitions, lengths)
    expected = golden("text.crf_constrained_decode/y/tags")
    mask = np.arange(expected.shape[1])[None] < lengths[:, None]
    np.testing.assert_array_equal(np.where(mask, decoded, 0), np.where(mask, expected, 0))
    np.testing.assert_allclose(score, golden("text.crf_constrained_decode/y/score"), rtol=1e-5)
    log_likelihood, _ = tfa.text.crf_log_likelihood(potentials, tags, lengths, transitions)
    np.testing.assert_allclose(log_likelihood, golden("text.crf_log_likelihood/y/y"), rtol=1e-5)
    y = tfa.text.crf_sequence_score(potentials, tags, lengths, transitions)
    np.testing.assert_allclose(y, golden("text.crf_sequence_score/y/y"), rtol=1e-5)
    y = tfa.text.crf_log_norm(potentials, lengths, transitions)
    np.testing.assert_allclose(y, golden("text.crf_log_norm/y/y"), rtol=1e-5)


def test_crf_step_functions_match_tfa():
    potentials, transitions, lengths, _, _ = _crf_inputs()
    state = potentials[:, 0]
    y = tfa.text.crf_forward(potentials[:, 1:], state, transitions, lengths - 1)
    np.testing.assert_allclose(y, golden("text.crf_forward/y/y"), rtol=1e-5)
    pointers, last = tfa.text.crf_decode_forward(potentials[:, 1:], state, transitions, lengths - 1)
    np.testing.assert_array_equal(pointers, golden("text.crf_decode_forward/y/pointers"))
    np.testing.assert_allclose(last, golden("text.crf_decode_forward/y/last"), rtol=1e-5)
    start = golden("text.crf_decode_backward/y/start")
    y = tfa.text.crf_decode_backward(pointers, start)
    np.testing.assert_array_equal(y, golden("text.crf_decode_backward/y/y"))


# --- layers -------------------------------------------------------------------------------


def _addons_crf():
    layer = tfa.layers.CRF(4)
    features = golden("layers.CRF/masked/features")
    layer(features)
    weights = {
        "chain_kernel": layer.chain_kernel,
        "left_boundary": layer.left_boundary,
        "right_boundary": layer.right_boundary,
        "kernel": layer._dense_layer.kernel,
        "bias": layer._dense_layer.bias,
    }
    for name, variable in weights.items():
        variable.assign(golden(f"layers.CRF/weights/{name}"))
    return layer, features


def test_crf_layer_returns_tfa_four_tuple():
    layer, features = _addons_crf()
    mask = golden("layers.CRF/masked/mask")
    decoded, potentials, lengths, kernel = layer(features, mask=mask)
    np.testing.assert_allclose(potentials, golden("layers.CRF/masked/potentials"), rtol=1e-5)
    np.testing.assert_array_equal(lengths, golden("layers.CRF/masked/lengths"))
    np.testing.assert_array_equal(
        np.where(mask, decoded, 0), np.where(mask, golden("layers.CRF/masked/decoded"), 0)
    )
    np.testing.assert_allclose(kernel, golden("layers.CRF/weights/chain_kernel"))
    decoded, potentials, _, _ = layer(features)
    np.testing.assert_allclose(potentials, golden("layers.CRF/unmasked/potentials"), rtol=1e-5)
    np.testing.assert_array_equal(decoded, golden("layers.CRF/unmasked/decoded"))


def test_crf_layer_config_round_trip():
    layer = tfa.layers.CRF(3, chain_initializer="zeros", use_boundary=False)
    restored = tfa.layers.CRF.from_config(layer.get_config())
    assert restored.get_config() == layer.get_config()
    assert keras.saving.get_registered_name(tfa.layers.CRF) == "Addons>CRF"


def test_small_layers_match_tfa():
    x = golden("layers.GELU/default/x")
    np.testing.assert_allclose(tfa.layers.GELU()(x), golden("layers.GELU/default/y"), atol=1e-6)
    snake = tfa.layers.Snake(frequency_initializer=keras.initializers.Constant(0.7))
    np.testing.assert_allclose(snake(x), golden("layers.Snake/constant/y"), rtol=1e-5, atol=1e-6)
    assert [w.shape for w in snake.trainable_weights] == [()]
    x = golden("layers.InstanceNormalization/default/x")
    y = tfa.layers.InstanceNormalization()(x)
    np.testing.assert_allclose(y, golden("layers.InstanceNormalization/default/y"), atol=1e-4)
    x = golden("layers.Sparsemax/default/x")
    np.testing.assert_allclose(
        tfa.layers.Sparsemax()(x), golden("layers.Sparsemax/default/y"), atol=1e-6
    )


# --- losses and metrics -------------------------------------------------------------------


def test_sigmoid_focal_crossentropy_matches_tfa():
    y_true, y_prob, y_logit = (
        golden(f"losses.inputs/{k}") for k in ("y_true", "y_prob", "y_logit")
    )
    y = tfa.losses.sigmoid_focal_crossentropy(y_true, y_prob)
    np.testing.assert_allclose(y, golden("losses.sigmoid_focal_crossentropy/prob/y"), rtol=1e-5)
    y = tfa.losses.sigmoid_focal_crossentropy(
        y_true, y_logit, alpha=0.4, gamma=1.5, from_logits=True
    )
    np.testing.assert_allclose(y, golden("losses.sigmoid_focal_crossentropy/logits/y"), rtol=1e-5)
    y = tfa.losses.SigmoidFocalCrossEntropy()(y_true, y_prob)
    np.testing.assert_allclose(y, golden("losses.SigmoidFocalCrossEntropy/default/y"), rtol=1e-5)
    keras_focal = keras.losses.binary_focal_crossentropy(y_true, y_prob, apply_class_balancing=True)
    np.testing.assert_allclose(np.asarray(keras_focal) * y_true.shape[-1], y, rtol=1e-5)


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
def test_f1_score_matches_tfa(average):
    labels, scores = golden("metrics.inputs/labels"), golden("metrics.inputs/scores")
    metric = tfa.metrics.F1Score(3, average=average, threshold=0.5)
    metric.update_state(labels, scores)
    np.testing.assert_allclose(metric.result(), golden(f"metrics.F1Score/{average}/y"), rtol=1e-5)
    assert tfa.metrics.F1Score.from_config(metric.get_config()).num_classes == 3


def test_fbeta_and_r_square_match_tfa():
    labels, scores = golden("metrics.inputs/labels"), golden("metrics.inputs/scores")
    metric = tfa.metrics.FBetaScore(3, average="macro", beta=2.0)
    metric.update_state(labels, scores)
    np.testing.assert_allclose(
        metric.result(), golden("metrics.FBetaScore/macro_beta2/y"), rtol=1e-5
    )
    for multioutput in ("uniform_average", "raw_values", "variance_weighted"):
        key = f"metrics.RSquare/{multioutput}"
        metric = tfa.metrics.RSquare(multioutput=multioutput)
        metric.update_state(golden(f"{key}/targets"), golden(f"{key}/predictions"))
        np.testing.assert_allclose(metric.result(), golden(f"{key}/y"), rtol=1e-5)


# --- optimizers ---------------------------------------------------------------------------


def _trajectory(optimizer, decay_var_list=False):
    kernel = keras.Variable([[1.0, -2.0], [0.5, 3.0]], name="kernel")
    bias = keras.Variable([0.3, -0.7], name="bias")
    for step in range(3):
        grads = [np.array([[0.1, -0.2], [0.3, 0.05]], "float32") * (step + 1)]
        grads.append(np.array([0.5, -0.1], "float32"))
        kwargs = {"decay_var_list": [kernel]} if decay_var_list else {}
        optimizer.apply_gradients(zip(grads, [kernel, bias], strict=True), **kwargs)
    return np.asarray(kernel), np.asarray(bias)


@pytest.mark.parametrize(
    "key, make",
    [
        (
            "AdamW/exclude",
            lambda: tfa.optimizers.AdamW(
                0.1, learning_rate=0.01, exclude_from_weight_decay=["bias"]
            ),
        ),
        ("AdamW/all", lambda: tfa.optimizers.AdamW(0.1, learning_rate=0.01)),
        (
            "SGDW/exclude",
            lambda: tfa.optimizers.SGDW(
                0.1, learning_rate=0.05, momentum=0.9, exclude_from_weight_decay=["bias"]
            ),
        ),
        (
            "extend_with_decoupled_weight_decay/adam",
            lambda: tfa.optimizers.extend_with_decoupled_weight_decay(keras.optimizers.Adam)(
                weight_decay=0.05, learning_rate=0.02
            ),
        ),
    ],
)
def test_decoupled_weight_decay_matches_tfa(key, make):
    kernel, bias = _trajectory(make())
    np.testing.assert_allclose(kernel, golden(f"optimizers.{key}/kernel"), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bias, golden(f"optimizers.{key}/bias"), rtol=1e-5, atol=1e-6)


def test_adamw_decay_var_list_matches_tfa_and_round_trips():
    optimizer = tfa.optimizers.AdamW(0.1, learning_rate=0.01)
    kernel, bias = _trajectory(optimizer, decay_var_list=True)
    np.testing.assert_allclose(kernel, golden("optimizers.AdamW/decay_var_list/kernel"), rtol=1e-5)
    np.testing.assert_allclose(bias, golden("optimizers.AdamW/decay_var_list/bias"), rtol=1e-5)
    optimizer = tfa.optimizers.AdamW(1e-4, exclude_from_weight_decay=["bias"])
    config = keras.optimizers.serialize(optimizer)
    restored = keras.optimizers.deserialize(config)
    assert type(restored) is tfa.optimizers.AdamW
    assert restored.get_config()["exclude_from_weight_decay"] == ["bias"]


# --- register (tfa's tests/register_test.py) -----------------------------------------------


def test_tfa_multiple_register():
    tfa.register_all()
    tfa.register_all()
    for name in ("CRF", "CRFModelWrapper", "SWA", "WeightNormalization", "hardshrink"):
        assert keras.saving.get_registered_object(f"Addons>{name}") is not None
