"""kerasdl.addons.losses and .metrics against the cases of tfa 0.23's losses/tests/
focal_loss_test.py and metrics/tests/f_scores_test.py, r_square_test.py and
metrics_test.py (expected values are tfa's; tfa compared R^2 with scikit-learn, which
these tests use too)."""

import inspect

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasdl.addons as tfa

# --- focal_loss_test ----------------------------------------------------------------------


def test_tfa_focal_loss_config():
    loss = tfa.losses.SigmoidFocalCrossEntropy(reduction=None, name="sigmoid_focal_crossentropy")
    assert loss.name == "sigmoid_focal_crossentropy"
    assert loss.reduction is None


def test_tfa_focal_loss_by_registered_name():
    model = keras.Sequential([keras.Input((100,)), keras.layers.Dense(5, activation="softmax")])
    # tfa compiled with the name; Keras 3's `compile` looks strings up among its own losses
    # only, so the registered name goes through `deserialize`.
    model.compile(loss=keras.losses.deserialize("Addons>sigmoid_focal_crossentropy"))
    x, y = np.ones((4, 100), "float32"), np.eye(5, dtype="float32")[:4]
    assert np.isfinite(model.evaluate(x, y, verbose=0))


@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize("y_true_dtype", ["float32", "uint8"])
@pytest.mark.parametrize("y_pred_dtype", ["float16", "float32", "float64"])
def test_tfa_focal_loss_against_binary_crossentropy(y_pred_dtype, y_true_dtype, from_logits):
    y_pred = np.array([[0.97], [0.91], [0.73], [0.27], [0.09], [0.03]]).astype(y_pred_dtype)
    y_true = np.array([[1], [1], [1], [0], [0], [0]]).astype(y_true_dtype)
    if from_logits:
        y_pred = np.log(y_pred / (1.0 - y_pred))
    # alpha and gamma None: binary cross-entropy.
    focal = tfa.losses.sigmoid_focal_crossentropy(
        y_true, y_pred, alpha=None, gamma=None, from_logits=from_logits
    )
    bce = keras.losses.binary_crossentropy(y_true, y_pred, from_logits=from_logits)
    tolerance = 1e-3 if y_pred_dtype == "float16" else 1e-6
    np.testing.assert_allclose(np.asarray(focal, "float64"), bce, rtol=tolerance)
    # gamma 2 scales the confident examples down by orders of magnitude.
    focal = tfa.losses.sigmoid_focal_crossentropy(
        y_true, y_pred, alpha=None, gamma=2.0, from_logits=from_logits
    )
    ratio = np.asarray(bce, "float64") / np.asarray(focal, "float64")
    np.testing.assert_allclose(
        np.power(10.0, np.floor(np.log10(ratio))), [1000, 100, 10, 10, 100, 1000]
    )


# --- f_scores_test ------------------------------------------------------------------------

PREDS = [[0.7, 0.7, 0.7], [1, 0, 0], [0.9, 0.8, 0]]
PREDS_6 = [[0.9, 0.1, 0], [0.2, 0.6, 0.2], [0, 0, 1], [0.4, 0.3, 0.3], [0, 0.9, 0.1], [0, 0, 1]]
ACTUALS_6 = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [1, 0, 0], [0, 0, 1]]


def fbeta(average, beta, actuals, preds, threshold):
    metric = tfa.metrics.FBetaScore(3, average, beta, threshold)
    metric.update_state(np.array(actuals, "float32"), np.array(preds, "float32"))
    return np.asarray(metric.result())


def test_tfa_config_fbeta():
    metric = tfa.metrics.FBetaScore(num_classes=3, beta=0.5, threshold=0.3, average=None)
    for restored in (metric, tfa.metrics.FBetaScore.from_config(metric.get_config())):
        assert restored.beta == 0.5 and restored.average is None
        assert restored.threshold == 0.3 and restored.num_classes == 3
        assert restored.dtype == "float32"


@pytest.mark.parametrize("average", ["micro", "macro", "weighted"])
@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0])
def test_tfa_fbeta_perfect_and_worst_score(average, beta):
    perfect = fbeta(average, beta, [[1, 1, 1], [1, 0, 0], [1, 1, 0]], PREDS, 0.66)
    np.testing.assert_allclose(perfect, 1.0, atol=1e-7, rtol=1e-6)
    worst = fbeta(average, beta, [[0, 0, 0], [0, 1, 0], [0, 0, 1]], PREDS, 0.66)
    np.testing.assert_allclose(worst, 0.0, atol=1e-7, rtol=1e-6)


@pytest.mark.parametrize(
    "average, beta, expected",
    [
        (None, 0.5, [0.71428573, 0.5, 0.833334]),
        (None, 1.0, [0.8, 0.5, 0.6666667]),
        (None, 2.0, [0.9090904, 0.5, 0.555556]),
        ("micro", 0.5, 0.6666667),
        ("micro", 1.0, 0.6666667),
        ("micro", 2.0, 0.6666667),
        ("macro", 0.5, 0.6825397),
        ("macro", 1.0, 0.6555555),
        ("macro", 2.0, 0.6548822),
        ("weighted", 0.5, 0.6825397),
        ("weighted", 1.0, 0.6555555),
        ("weighted", 2.0, 0.6548822),
    ],
)
def test_tfa_fbeta_random_score(average, beta, expected):
    result = fbeta(average, beta, [[0, 0, 1], [1, 1, 0], [1, 1, 1]], PREDS, 0.66)
    np.testing.assert_allclose(result, expected, atol=1e-7, rtol=1e-6)


@pytest.mark.parametrize(
    "average, beta, expected",
    [
        (None, 0.5, [0.9090904, 0.555556, 1.0]),
        (None, 1.0, [0.8, 0.6666667, 1.0]),
        (None, 2.0, [0.71428573, 0.833334, 1.0]),
        ("micro", 0.5, 0.833334),
        ("micro", 1.0, 0.833334),
        ("micro", 2.0, 0.833334),
        ("macro", 0.5, 0.821549),
        ("macro", 1.0, 0.822222),
        ("macro", 2.0, 0.849206),
        ("weighted", 0.5, 0.880471),
        ("weighted", 1.0, 0.844445),
        ("weighted", 2.0, 0.829365),
    ],
)
def test_tfa_fbeta_random_score_threshold_none(average, beta, expected):
    result = fbeta(average, beta, ACTUALS_6, PREDS_6, None)
    np.testing.assert_allclose(result, expected, atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize(
    "metric", [tfa.metrics.FBetaScore(5, "micro", 1.0), tfa.metrics.F1Score(5)], ids=["FBeta", "F1"]
)
def test_tfa_f_score_in_keras_model(metric):
    # tfa's `utils._get_model`: a softmax classifier compiled with the metric and fitted.
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(5, activation="softmax")])
    model.compile("adam", "categorical_crossentropy", metrics=[metric])
    x = np.random.RandomState(0).uniform(size=(16, 5)).astype("float32")
    y = np.eye(5, dtype="float32")[np.arange(16) % 5]
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert np.all(np.isfinite(history.history[metric.name][-1]))


def test_tfa_f1_equals_fbeta_1_and_config():
    f1, fbeta1 = tfa.metrics.F1Score(3), tfa.metrics.FBetaScore(3, beta=1.0)
    for metric in (f1, fbeta1):
        metric.update_state(np.array(ACTUALS_6, "float32"), np.array(PREDS_6, "float32"))
    np.testing.assert_allclose(f1.result(), fbeta1.result())
    assert "beta" not in f1.get_config()


@pytest.mark.parametrize("threshold", [None, 0.2])
@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
def test_tfa_f1_serialization(average, threshold):
    # tfa's check_metric_serialization: a restored metric gives the same result.
    metric = tfa.metrics.F1Score(3, average, threshold)
    restored = keras.metrics.deserialize(keras.metrics.serialize(metric))
    assert type(restored) is tfa.metrics.F1Score
    for m in (metric, restored):
        m.update_state(np.array(ACTUALS_6, "float32"), np.array(PREDS_6, "float32"))
    np.testing.assert_allclose(restored.result(), metric.result())


# --- r_square_test ------------------------------------------------------------------------

ACTUALS_R2 = np.array([10, 600, 3, 9.77], "float32")
PREDS_R2 = np.array([1, 340, 40, 5.7], "float32")


def r_square(actuals, preds, sample_weight=None, **kwargs):
    metric = tfa.metrics.RSquare(**kwargs)
    metric.update_state(actuals, preds, sample_weight=sample_weight)
    return np.asarray(metric.result())


@pytest.mark.parametrize("multioutput", ["raw_values", "uniform_average", "variance_weighted"])
def test_tfa_r_square_config(multioutput):
    metric = tfa.metrics.RSquare(multioutput=multioutput, name="r_square")
    for restored in (metric, tfa.metrics.RSquare.from_config(metric.get_config())):
        assert restored.name == "r_square" and restored.dtype == "float32"
        assert restored.multioutput == multioutput


@pytest.mark.parametrize(
    "actuals, preds, expected",
    [
        ([100, 700, 40, 5.7], [100, 700, 40, 5.7], 1.0),
        ([10, 600, 4, 9.77], [1, 70, 40, 5.7], -0.073607),
        ([0, 0], [1e-3, 1e-3], 0.0),  # 0 / 0 read as 0, as tfa
        (ACTUALS_R2, PREDS_R2, 0.7376327),
    ],
    ids=["perfect", "worst", "inf_to_zero", "random"],
)
def test_tfa_r_square_scores(actuals, preds, expected):
    result = r_square(np.array(actuals, "float32")[:, None], np.array(preds, "float32")[:, None])
    np.testing.assert_allclose(result, expected, atol=1e-5)


@pytest.mark.parametrize("multioutput", ["raw_values", "uniform_average", "variance_weighted"])
def test_tfa_r_square_against_sklearn(multioutput):
    from sklearn.metrics import r2_score

    random = np.random.RandomState(3)
    for _ in range(10):
        actuals, preds = random.rand(64, 3), random.rand(64, 3)
        sample_weight = random.rand(64, 1)
        result = r_square(
            actuals.astype("float32"),
            preds.astype("float32"),
            sample_weight.astype("float32"),
            multioutput=multioutput,
        )
        expected = r2_score(
            actuals, preds, sample_weight=sample_weight.ravel(), multioutput=multioutput
        )
        np.testing.assert_allclose(result, expected, atol=1e-5)


def test_tfa_r_square_unrecognized_multioutput():
    with pytest.raises(ValueError):
        tfa.metrics.RSquare(multioutput="meadian")


def test_tfa_r_square_keras_fit():
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(loss="mse", metrics=[tfa.metrics.RSquare()])
    random = np.random.RandomState(4)
    data = tf.data.Dataset.from_tensor_slices(
        (
            random.normal(size=(100, 1)).astype("float32"),
            random.normal(size=(100, 1)).astype("float32"),
        )
    ).batch(10)
    history = model.fit(data, validation_data=data, verbose=0)
    assert np.isfinite(history.history["val_r_square"][-1])


@pytest.mark.parametrize(
    "num_regressors, expected",
    [(2, 0.2128982), (3, 0.7376327), (5, 0.7376327)],
    ids=["adjusted", "zero_division_falls_back", "excess_falls_back"],
)
def test_tfa_adjusted_r_square(num_regressors, expected):
    result = r_square(ACTUALS_R2[:, None], PREDS_R2[:, None], num_regressors=num_regressors)
    np.testing.assert_allclose(result, expected, atol=1e-5)


def test_tfa_adjusted_r_square_negative_num_regressors():
    with pytest.raises(ValueError):
        r_square(ACTUALS_R2[:, None], PREDS_R2[:, None], num_regressors=-3)


# --- metrics_test -------------------------------------------------------------------------


def test_tfa_update_state_signature():
    # `sample_weight`, and `y_true, y_pred` or (the means) `values`.
    for name, obj in inspect.getmembers(tfa.metrics):
        if inspect.isclass(obj) and issubclass(obj, keras.metrics.Metric):
            parameters = inspect.signature(obj.update_state).parameters
            assert "sample_weight" in parameters, f"{name}.update_state lacks sample_weight"
            pairs = {"y_true", "y_pred"} <= set(parameters)
            assert pairs or "values" in parameters, f"{name}.update_state lacks y_true, y_pred"
