"""tfa.layers.CRF and tfa.text.CRFModelWrapper against the cases of tfa 0.23's
layers/tests/crf_test.py and text/tests/crf_wrapper_test.py.

tfa's layer test trained through a hand-written model subclass (`ModelWithCRFLoss`), the
same train step as `CRFModelWrapper`; here both files' cases go through the wrapper.
"""

import itertools
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasdl.addons as tfa

# One-hot "potentials" of tags O B-X I-X B-Y I-Y, and their tags.
X = np.array(
    [
        [[0.0, 1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0, 0.0]],
        [[0.0, 1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0, 0.0]],
    ],
    "float32",
)
Y = np.array([[1, 2, 2], [1, 1, 1]])
LOGITS = np.array(
    [
        [[0, 0, 0.5, 0.5, 0.2], [0, 0, 0.3, 0.3, 0.1], [0, 0, 0.9, 10, 1]],
        [[0, 0, 0.2, 0.5, 0.2], [0, 0, 3, 0.3, 0.1], [0, 0, 0.9, 1, 1]],
    ],
    "float32",
)
TAGS = np.array([[2, 3, 4], [3, 2, 2]])
TRANSITIONS = np.array(
    [
        [0.1, 0.2, 0.3, 0.4, 0.5],
        [0.8, 0.3, 0.1, 0.7, 0.9],
        [-0.3, 2.1, -5.6, 3.4, 4.0],
        [0.2, 0.4, 0.6, -0.3, -0.4],
        [1.0, 1.0, 1.0, 1.0, 1.0],
    ]
)


def fixed_crf_arguments(transitions, boundary):
    return dict(
        use_kernel=False,
        chain_initializer=keras.initializers.Constant(transitions),
        use_boundary=True,
        boundary_initializer=keras.initializers.Constant(boundary),
    )


def identity_model(shape):
    inputs = keras.Input(shape)
    return keras.Model(inputs, keras.layers.Identity()(inputs))


def path_score(logits, tags, transitions, boundary):
    """Boundary scores of the first and last tag, transitions and unary potentials."""
    total = boundary[tags[0]] + boundary[tags[-1]]
    total += sum(transitions[a, b] for a, b in itertools.pairwise(tags))
    return total + sum(logit[tag] for logit, tag in zip(logits, tags, strict=True))


def brute_force_log_likelihood(logits, tags, transitions, boundary):
    total = 0.0
    for logits_i, tags_i in zip(logits, tags, strict=True):
        scores = [
            path_score(logits_i, path, transitions, boundary)
            for path in itertools.product(range(5), repeat=3)
        ]
        log_norm = math.log(sum(math.exp(score) for score in scores))
        total += path_score(logits_i, tags_i, transitions, boundary) - log_norm
    return total


@pytest.fixture(params=["float32", "mixed_float16"])
def dtype_policy(request):
    # tfa ran these under mixed_float16 on GPUs only; Keras 3 runs it on the CPU too.
    keras.mixed_precision.set_dtype_policy(request.param)
    yield request.param
    keras.mixed_precision.set_dtype_policy("float32")


def test_tfa_keras_model_inference(dtype_policy):
    layer = tfa.layers.CRF(5, name="crf_layer", **fixed_crf_arguments(TRANSITIONS, np.ones(5)))
    inputs = keras.Input((3, 5))
    decoded, _, _, _ = layer(inputs)
    model = keras.Model(inputs, decoded)
    np.testing.assert_array_equal(model.predict(LOGITS, verbose=0), model(LOGITS))


def test_tfa_unmasked_viterbi_decode(dtype_policy):
    layer = tfa.layers.CRF(5, **fixed_crf_arguments(np.ones([5, 5]), np.ones(5)))
    decoded, _, _, _ = layer(X)
    decoded = np.asarray(decoded)
    np.testing.assert_array_equal(decoded, Y)
    assert decoded.dtype == np.int32


def test_tfa_numerical_accuracy():
    model = tfa.text.CRFModelWrapper(
        identity_model((3, 5)), 5, **fixed_crf_arguments(TRANSITIONS, np.ones(5))
    )
    model.compile("sgd")
    crf_loss = model.train_on_batch(LOGITS, TAGS, return_dict=True)["crf_loss"]
    expected = brute_force_log_likelihood(LOGITS, TAGS, TRANSITIONS, np.ones(5))
    np.testing.assert_allclose(-2 * crf_loss, expected, rtol=5e-5)


def test_tfa_training_and_wrapper_training():
    model = tfa.text.CRFModelWrapper(identity_model(X.shape[1:]), Y.shape[-1])
    model.compile("adam")
    history = model.fit(X, Y, verbose=0)
    assert set(history.history) >= {"loss", "crf_loss"}
    assert np.isfinite(model.evaluate(X, Y, verbose=0, return_dict=True)["crf_loss"])
    assert model.predict(X, verbose=0).shape == Y.shape


def test_tfa_mask_right_padding():
    layer = tfa.layers.CRF(5)
    mask = np.array([[1, 1, 1], [1, 1, 0]], bool)
    layer(X, mask=mask)
    with tf.GradientTape() as tape:
        _, potentials, lengths, kernel = layer(X, mask=mask)
        loss = -tf.reduce_mean(tfa.text.crf_log_likelihood(potentials, Y, lengths, kernel)[0])
    np.testing.assert_array_equal(lengths, [3, 2])
    gradients = tape.gradient(loss, layer.trainable_variables)
    # Every weight would move on a training step.
    assert all(np.abs(np.asarray(g)).sum() > 0 for g in gradients)


def test_tfa_mask_left_padding():
    with pytest.raises(NotImplementedError, match="CRF layer do not support left padding"):
        tfa.layers.CRF(5)(X, mask=np.array([[0, 1, 1], [1, 1, 1]], bool))


@pytest.mark.parametrize("inference_only", [True, False])
def test_tfa_serialization(tmp_path, inference_only):
    inputs = keras.Input(X.shape[1:])
    base_model = keras.Model(inputs, tfa.layers.CRF(5, name="L")(inputs))
    base_model.predict(X, verbose=0)
    path = tmp_path / "model.keras"
    base_model.save(path)
    restored = keras.saving.load_model(path)
    for before, after in zip(
        base_model.predict(X, verbose=0), restored.predict(X, verbose=0), strict=True
    ):
        np.testing.assert_array_equal(before, after)
    for before, after in zip(base_model.get_weights(), restored.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)
    if not inference_only:
        # The restored layer trains to the same weights under a fresh wrapper.
        losses, weights = [], []
        for model in (base_model, restored):
            trained = LayerTrainer(model)
            trained.compile("adam")
            losses.append(trained.train_on_batch(X, Y, return_dict=True)["crf_loss"])
            weights.append(model.get_weights())
        assert losses[0] == losses[1]
        for before, after in zip(*weights, strict=True):
            np.testing.assert_array_equal(before, after)


class LayerTrainer(tfa.text.CRFModelWrapper):
    """tfa's `ModelWithCRFLoss`: trains a base model whose last layer is the CRF."""

    def __init__(self, base_model):
        super().__init__(base_model, 5)
        self.crf_layer = None

    def call(self, inputs, training=None, mask=None, return_crf_internal=False):
        decoded, potentials, lengths, kernel = self.base_model(inputs, training=training)
        if return_crf_internal:
            return (potentials, lengths, kernel), decoded
        return decoded


def test_tfa_wrapper_serialization(tmp_path):
    model = tfa.text.CRFModelWrapper(identity_model(X.shape[1:]), Y.shape[-1])
    model.compile("adam")
    model.predict(X, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    assert type(restored) is tfa.text.CRFModelWrapper
    np.testing.assert_array_equal(model.predict(X, verbose=0), restored.predict(X, verbose=0))
    for before, after in zip(model.get_weights(), restored.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)
    original = model.train_on_batch(X, Y, return_dict=True)["crf_loss"]
    cloned = restored.train_on_batch(X, Y, return_dict=True)["crf_loss"]
    for before, after in zip(model.get_weights(), restored.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)
    assert original == cloned


def test_wrapper_reads_the_base_model_mask():
    inputs = keras.Input((None,), dtype="int32")
    features = keras.layers.Embedding(10, 8, mask_zero=True)(inputs)
    base_model = keras.Model(inputs, keras.layers.LSTM(8, return_sequences=True)(features))
    model = tfa.text.CRFModelWrapper(base_model, 4)
    model.compile("sgd")
    x = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]])
    y = np.array([[1, 2, 3, 0, 0], [1, 1, 0, 0, 0]])
    (potentials, lengths, kernel), decoded = model(x, return_crf_internal=True)
    np.testing.assert_array_equal(lengths, [3, 2])
    np.testing.assert_array_equal(np.asarray(decoded)[x == 0], 0)
    expected = -np.mean(tfa.text.crf_log_likelihood(potentials, y, lengths, kernel)[0])
    crf_loss = model.test_on_batch(x, y, return_dict=True)["crf_loss"]
    np.testing.assert_allclose(crf_loss, expected, rtol=1e-5)
