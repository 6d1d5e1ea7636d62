"""kerasdl.losses: values against Keras and the papers, sample weights, masks,
ignore_class, serialization and training."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasdl import losses as kdl

RNG = np.random.default_rng(0)
LOGITS = RNG.normal(size=(6, 5)).astype("float32") * 2
PROBS = tf.nn.softmax(LOGITS).numpy()
LABELS = np.array([0, 4, 2, 1, 3, 2])
ONE_HOT = np.eye(5, dtype="float32")[LABELS]


def _none(loss_cls, **kwargs):
    return loss_cls(reduction=None, **kwargs)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1, 0.3])
def test_sparse_ce_matches_keras_categorical_with_smoothing(from_logits, label_smoothing):
    y_pred = LOGITS if from_logits else PROBS
    got = _none(
        kdl.SparseCategoricalCrossentropy,
        from_logits=from_logits,
        label_smoothing=label_smoothing,
    )(LABELS, y_pred)
    expected = keras.losses.CategoricalCrossentropy(
        from_logits=from_logits, label_smoothing=label_smoothing, reduction=None
    )(ONE_HOT, y_pred)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_sparse_ce_without_smoothing_matches_keras_sparse_and_accepts_column_labels():
    got = kdl.SparseCategoricalCrossentropy(from_logits=True)(LABELS[:, None], LOGITS)
    expected = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(LABELS, LOGITS)
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_sparse_ce_smoothing_formula():
    s, k = 0.2, 5
    log_p = np.log(PROBS.astype("float64"))
    target = (1 - s) * ONE_HOT + s / k
    expected = -(target * log_p).sum(-1)
    got = kdl.sparse_categorical_crossentropy(LABELS, PROBS, label_smoothing=s)
    np.testing.assert_allclose(got, expected, rtol=1e-5)


@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_focal_matches_keras_categorical_focal(from_logits):
    y_pred = LOGITS if from_logits else PROBS
    got = _none(kdl.SparseCategoricalFocalCrossentropy, from_logits=from_logits)(LABELS, y_pred)
    expected = keras.losses.CategoricalFocalCrossentropy(from_logits=from_logits, reduction=None)(
        ONE_HOT, y_pred
    )
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)


def test_sparse_focal_formula_per_class_alpha_and_gamma_zero():
    alpha = [0.1, 0.2, 0.3, 0.4, 0.5]
    p_t = PROBS[np.arange(6), LABELS].astype("float64")
    expected = -np.take(alpha, LABELS) * (1 - p_t) ** 3.0 * np.log(p_t)
    got = kdl.sparse_categorical_focal_crossentropy(LABELS, PROBS, alpha=alpha, gamma=3.0)
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    # gamma = 0, alpha = None: plain cross-entropy.
    plain = kdl.sparse_categorical_focal_crossentropy(
        LABELS, LOGITS, alpha=None, gamma=0.0, from_logits=True
    )
    np.testing.assert_allclose(plain, -np.log(p_t), rtol=1e-5)


@pytest.mark.parametrize("from_logits", [False, True])
def test_poly1_formula(from_logits):
    y_pred = LOGITS if from_logits else PROBS
    p_t = PROBS[np.arange(6), LABELS].astype("float64")
    got = _none(kdl.PolyLoss, epsilon=2.0, from_logits=from_logits)(LABELS, y_pred)
    np.testing.assert_allclose(got, -np.log(p_t) + 2.0 * (1 - p_t), rtol=1e-5)
    ce = _none(kdl.PolyLoss, epsilon=0.0, from_logits=from_logits)(LABELS, y_pred)
    np.testing.assert_allclose(ce, -np.log(p_t), rtol=1e-5)


def test_poly1_with_label_smoothing_follows_paper_reference_code():
    # Leng et al. 2022, appendix: one_minus_pt = sum(smooth_labels * (1 - softmax(logits))).
    s, eps = 0.1, 1.0
    smooth = ONE_HOT * (1 - s) + s / 5
    one_minus_pt = (smooth * (1 - PROBS)).sum(-1)
    ce = keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=s, reduction=None)(
        ONE_HOT, LOGITS
    )
    got = kdl.poly1_cross_entropy(LABELS, LOGITS, eps, from_logits=True, label_smoothing=s)
    np.testing.assert_allclose(got, np.asarray(ce) + eps * one_minus_pt, rtol=1e-5)


LOSSES = {
    "sparse_ce": lambda **kw: kdl.SparseCategoricalCrossentropy(
        from_logits=True, label_smoothing=0.1, **kw
    ),
    "focal": lambda **kw: kdl.SparseCategoricalFocalCrossentropy(
        alpha=[1.0, 2, 1, 1, 3], from_logits=True, **kw
    ),
    "poly": lambda **kw: kdl.PolyLoss(epsilon=1.0, from_logits=True, label_smoothing=0.1, **kw),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_sample_weights(name):
    per_example = np.asarray(LOSSES[name](reduction=None)(LABELS, LOGITS))
    weights = np.array([1.0, 0.0, 2.0, 0.5, 1.0, 0.0], "float32")
    got = LOSSES[name]()(LABELS, LOGITS, sample_weight=weights)
    np.testing.assert_allclose(got, (per_example * weights).sum() / len(weights), rtol=1e-5)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_keras_mask_and_ignore_class_average_over_valid_positions(name):
    # [batch 2, time 3, classes 5]; the last step of each row is padding.
    logits = tf.constant(LOGITS.reshape(2, 3, 5))
    labels = LABELS.reshape(2, 3).copy()
    valid = np.array([[True, True, False], [True, True, False]])
    per_position = np.asarray(LOSSES[name](reduction=None)(labels, logits))
    expected = per_position[valid].mean()

    masked = tf.identity(logits)
    masked._keras_mask = tf.constant(valid)
    np.testing.assert_allclose(LOSSES[name]()(labels, masked), expected, rtol=1e-5)

    padded = np.where(valid, labels, -1)
    ignoring = LOSSES[name](ignore_class=-1)
    np.testing.assert_allclose(ignoring(padded, logits), expected, rtol=1e-5)
    assert np.all(
        np.asarray(LOSSES[name](ignore_class=-1, reduction=None)(padded, logits))[~valid] == 0
    )


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_config_round_trip(name):
    loss = LOSSES[name](ignore_class=-1)
    config = loss.get_config()
    assert type(loss).from_config(config).get_config() == config
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert type(restored) is type(loss) and restored.get_config() == config
    np.testing.assert_allclose(restored(LABELS, LOGITS), loss(LABELS, LOGITS))


def test_masked_sequence_model_fits_and_reloads(tmp_path):
    rng = np.random.default_rng(1)
    tokens = rng.integers(1, 20, size=(32, 7))
    tokens[:, 5:] = 0  # padding, masked by Embedding(mask_zero=True)
    tags = rng.integers(0, 4, size=(32, 7))
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((7,), dtype="int32"),
            keras.layers.Embedding(20, 8, mask_zero=True),
            keras.layers.Dense(4),
        ]
    )
    model.compile(optimizer="adam", loss=kdl.PolyLoss(from_logits=True, label_smoothing=0.1))
    history = model.fit(tokens, tags, batch_size=8, epochs=3, verbose=0).history["loss"]
    assert history[-1] < history[0]
    # The reported loss ignores padded steps: it equals the loss on the valid ones.
    logits = model.predict(tokens, verbose=0)
    per_position = np.asarray(kdl.poly1_cross_entropy(tags, logits, 1.0, True, 0.1))
    expected = per_position[:, :5].mean()
    np.testing.assert_allclose(
        model.evaluate(tokens, tags, batch_size=32, verbose=0), expected, rtol=1e-4
    )
    path = tmp_path / "tagger.keras"
    model.save(path)
    assert isinstance(keras.models.load_model(path).loss, kdl.PolyLoss)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_classifier_fits(name):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(64, 6)).astype("float32")
    y = np.argmax(x[:, :5], axis=1)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(5)])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=LOSSES[name](), metrics=["accuracy"])
    history = model.fit(x, y, batch_size=16, epochs=5, verbose=0).history
    assert history["loss"][-1] < history["loss"][0]
    assert history["accuracy"][-1] > 0.5


def test_invalid_arguments():
    with pytest.raises(ValueError):
        kdl.SparseCategoricalCrossentropy(label_smoothing=1.0)
    with pytest.raises(ValueError):
        kdl.SparseCategoricalFocalCrossentropy(gamma=-1.0)
    with pytest.raises(ValueError):
        kdl.PolyLoss(epsilon=-2.0)
