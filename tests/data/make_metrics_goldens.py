"""Writes tests/data/metrics_goldens.json: tfa 0.23's CohenKappa,
MatthewsCorrelationCoefficient, HammingLoss, hamming_distance, hamming_loss_fn,
MultiLabelConfusionMatrix, GeometricMean, HarmonicMean, KendallsTauB, KendallsTauC,
SpearmansRank and PearsonsCorrelation on random and edge-case batches, which
kerasdl.addons.metrics must match (tests/test_addons_metrics.py).

Run in the tfa reference environment (tensorflow-addons 0.23 on TensorFlow 2.15):
    /work/tfa-venv/bin/python tests/data/make_metrics_goldens.py
`inputs` holds the arrays (`dtype`, `shape`, flat `data`; float32 values written in their
shortest form, so they read back exactly). A metric case `cases["<Metric>/<case>"]` holds
`kwargs` (the constructor's arguments), `args` (each `update_state` argument: an input's
name, or a number), `batches` (the inputs are cut into this many equal `update_state`
calls along the first axis) and `result` after the last call (NaN where tfa gives NaN).
A function case `cases["<function>/<case>"]` holds `args` (input names), `kwargs` and the
`result` of one call.
"""

import json
import pathlib
import warnings

import numpy as np
import tensorflow as tf
import tensorflow_addons as tfa

warnings.simplefilter("ignore")
rng = np.random.RandomState(2020)
inputs, cases = {}, {}


def add(name, array):
    """Stores `array` as input `name` (float32 rounded to 3 decimals); returns it."""
    array = np.asarray(array)
    if array.dtype.kind == "f":
        array = np.round(array, 3).astype("float32")
    inputs[name] = array
    return array


def _value(arg):
    return inputs[arg] if isinstance(arg, str) else arg


def _plain(result):
    return np.asarray(result, "float64").tolist()


def metric_case(name, case, kwargs, batches, **args):
    """Updates tfa's `name(**kwargs)` with `args` (input names) cut into `batches` calls."""
    metric = getattr(tfa.metrics, name)(**kwargs)
    arrays = {k: _value(v) for k, v in args.items()}
    parts = {k: np.split(v, batches) if np.ndim(v) else [v] * batches for k, v in arrays.items()}
    for b in range(batches):
        metric.update_state(**{k: parts[k][b] for k in arrays})
    cases[f"{name}/{case}"] = dict(
        kwargs=kwargs, args=args, batches=batches, result=_plain(metric.result())
    )


def function_case(name, case, args, **kwargs):
    """tfa's function `name` on the inputs named in `args`, and `kwargs`."""
    result = getattr(tfa.metrics, name)(*[inputs[a] for a in args], **kwargs)
    cases[f"{name}/{case}"] = dict(args=args, kwargs=kwargs, result=_plain(result))


def one_hot(labels, k):
    return np.eye(k, dtype="float32")[labels]


def softmax_rows(n, k, scale=1.0):
    z = scale * rng.normal(size=(n, k))
    return np.exp(z) / np.exp(z).sum(-1, keepdims=True)


# CohenKappa: 5 classes, sparse labels, class 3 never predicted.
labels = add("kappa_labels", rng.randint(0, 5, 36).astype("int32"))
preds = np.where(rng.rand(36) < 0.6, labels, rng.randint(0, 5, 36)).astype("int32")
preds[preds == 3] = 4
add("kappa_preds", preds)
add("kappa_weights", rng.uniform(0.1, 3.0, 36))
for weightage in (None, "linear", "quadratic"):
    kwargs = dict(num_classes=5, sparse_labels=True, weightage=weightage)
    args = dict(y_true="kappa_labels", y_pred="kappa_preds")
    metric_case("CohenKappa", f"sparse_{weightage}", kwargs, 3, **args)
    args["sample_weight"] = "kappa_weights"
    metric_case("CohenKappa", f"sparse_{weightage}_weighted", kwargs, 3, **args)
# One-hot labels and class scores (argmax of each).
add("kappa_one_hot", one_hot(rng.randint(0, 4, 20), 4))
add("kappa_scores", softmax_rows(20, 4))
kwargs = dict(num_classes=4, weightage="quadratic")
metric_case(
    "CohenKappa", "one_hot_scores", kwargs, 2, y_true="kappa_one_hot", y_pred="kappa_scores"
)
# Regression: one output unit, abs then rounded half to even; ties and negatives.
add("kappa_reg_true", rng.randint(0, 5, 24).astype("float32"))
reg_pred = rng.uniform(-0.4, 4.4, (24, 1))
reg_pred[:6, 0] = [0.5, 1.5, 2.5, 3.5, -1.6, -0.4]
add("kappa_reg_pred", reg_pred)
add("kappa_reg_weights", rng.uniform(0.5, 2.0, 24))
args = dict(y_true="kappa_reg_true", y_pred="kappa_reg_pred")
kwargs = dict(num_classes=5, sparse_labels=True, regression=True, weightage="quadratic")
metric_case("CohenKappa", "regression", kwargs, 3, **args)
kwargs = dict(num_classes=5, sparse_labels=True, regression=True, weightage="linear")
metric_case(
    "CohenKappa", "regression_weighted", kwargs, 3, sample_weight="kappa_reg_weights", **args
)
# Binary: labels [B, 1], probabilities thresholded at > 0.5 (0.5 itself is class 0).
add("kappa_bin_true", rng.randint(0, 2, (16, 1)).astype("float32"))
bin_pred = rng.uniform(size=(16, 1))
bin_pred[:2, 0] = 0.5
add("kappa_bin_pred", bin_pred)
add("kappa_bin_weights", rng.uniform(0.5, 2.0, 16))
args = dict(y_true="kappa_bin_true", y_pred="kappa_bin_pred")
metric_case("CohenKappa", "binary", dict(num_classes=2), 2, **args)
kwargs = dict(num_classes=2, weightage="linear")
metric_case("CohenKappa", "binary_weighted", kwargs, 2, sample_weight="kappa_bin_weights", **args)
# All predictions one class: chance agreement, kappa 0.
add("kappa_labels_12", labels[:12])
add("twos_12", np.full(12, 2, "int32"))
kwargs = dict(num_classes=5, sparse_labels=True, weightage="linear")
metric_case(
    "CohenKappa", "all_equal_predictions", kwargs, 2, y_true="kappa_labels_12", y_pred="twos_12"
)
# Everything in one class, predicted right: 0 / 0, NaN in tfa.
kwargs = dict(num_classes=5, sparse_labels=True)
metric_case("CohenKappa", "one_class_perfect", kwargs, 2, y_true="twos_12", y_pred="twos_12")

# MatthewsCorrelationCoefficient: one-hot labels and scores, class 2 never predicted.
labels4 = rng.randint(0, 4, 30)
add("mcc_true", one_hot(labels4, 4))
scores = softmax_rows(30, 4)
scores[:, 2] = 0.0
add("mcc_scores", scores)
add("mcc_weights", rng.uniform(0.1, 3.0, 30))
add("mcc_true_10", one_hot(labels4[:10], 4))
add("mcc_zeros_10", one_hot(np.zeros(10, "int32"), 4))
add("mcc_bin_true", one_hot(rng.randint(0, 2, 12), 2))
add("mcc_bin_scores", softmax_rows(12, 2))
add("ones_6x1", np.ones((6, 1), "float32"))
add("uniform_6x1", rng.uniform(size=(6, 1)))
name, kwargs = "MatthewsCorrelationCoefficient", dict(num_classes=4)
args = dict(y_true="mcc_true", y_pred="mcc_scores")
metric_case(name, "multiclass", kwargs, 3, **args)
metric_case(name, "multiclass_weighted", kwargs, 3, sample_weight="mcc_weights", **args)
metric_case(name, "all_equal_predictions", kwargs, 2, y_true="mcc_true_10", y_pred="mcc_zeros_10")
args = dict(y_true="mcc_bin_true", y_pred="mcc_bin_scores")
metric_case(name, "binary", dict(num_classes=2), 2, **args)
metric_case(name, "one_class", dict(num_classes=1), 2, y_true="ones_6x1", y_pred="uniform_6x1")

# HammingLoss: multiclass (one-hot labels) and multilabel, thresholds and argmax; a row of
# zeros stays zeros under argmax, a tie at the maximum gives two ones.
mc_pred = softmax_rows(12, 4, scale=2.0)
mc_pred[0] = 0.0
add("hl_mc_pred", mc_pred)
mc_labels = np.where(rng.rand(12) < 0.6, mc_pred.argmax(-1), rng.randint(0, 4, 12))
add("hl_mc_true", one_hot(mc_labels, 4))
add("hl_ml_true", rng.randint(0, 2, (12, 5)).astype("float32"))
ml_pred = rng.uniform(size=(12, 5))
ml_pred[1] = 0.0
ml_pred[2, :2] = ml_pred[2].max()
add("hl_ml_pred", ml_pred)
add("hl_weights", rng.uniform(0.1, 2.0, 12))
for mode, short in (("multiclass", "mc"), ("multilabel", "ml")):
    args = dict(y_true=f"hl_{short}_true", y_pred=f"hl_{short}_pred")
    for threshold in (None, 0.2, 0.6):
        kwargs = dict(mode=mode, threshold=threshold)
        metric_case("HammingLoss", f"{mode}_{threshold}", kwargs, 3, **args)
    kwargs = dict(mode=mode, threshold=0.6)
    metric_case(
        "HammingLoss", f"{mode}_0.6_weighted", kwargs, 3, sample_weight="hl_weights", **args
    )
    for threshold in (None, 0.2):
        function_case(
            "hamming_loss_fn",
            f"{mode}_{threshold}",
            list(args.values()),
            threshold=threshold,
            mode=mode,
        )

# hamming_distance: tfa divides by the first dimension (the rows of a 2-D input).
for case, shape in (("vector", (10,)), ("matrix", (4, 6))):
    add(f"hd_{case}_a", rng.randint(0, 2, shape).astype("int32"))
    add(f"hd_{case}_b", rng.randint(0, 2, shape).astype("int32"))
    function_case("hamming_distance", case, [f"hd_{case}_a", f"hd_{case}_b"])

# MultiLabelConfusionMatrix: binary indicators, class 3 never predicted; float scores
# truncate to 0 (1.0 stays 1); sample weights are ignored (with a warning).
mlcm_true = add("mlcm_true", rng.randint(0, 2, (15, 4)).astype("int32"))
mlcm_pred = rng.randint(0, 2, (15, 4)).astype("int32")
mlcm_pred[:, 3] = 0
add("mlcm_pred", mlcm_pred)
add("mlcm_true_float", mlcm_true.astype("float32"))
scores = rng.uniform(size=(15, 4))
scores[mlcm_pred == 1] = 1.0
add("mlcm_scores", scores)
add("arange_15", np.arange(15.0))
name, kwargs = "MultiLabelConfusionMatrix", dict(num_classes=4)
args = dict(y_true="mlcm_true", y_pred="mlcm_pred")
metric_case(name, "int", kwargs, 3, **args)
metric_case(name, "float_scores", kwargs, 3, y_true="mlcm_true_float", y_pred="mlcm_scores")
metric_case(name, "sample_weight_ignored", kwargs, 3, sample_weight="arange_15", **args)
metric_case(name, "int32", dict(num_classes=4, dtype="int32"), 3, **args)

# GeometricMean and HarmonicMean: positive values, weights, a zero, 2-D values.
values = add("mean_values", rng.uniform(0.1, 10.0, 15))
add("mean_weights", rng.uniform(0.1, 2.0, 15))
with_zero = values.copy()
with_zero[7] = 0.0
add("mean_with_zero", with_zero)
add("mean_values_10", values[:10])
add("mean_matrix", rng.uniform(0.1, 10.0, (6, 3)))
add("mean_row_weights", rng.uniform(0.1, 2.0, 6))
for name in ("GeometricMean", "HarmonicMean"):
    metric_case(name, "values", {}, 3, values="mean_values")
    metric_case(name, "weighted", {}, 3, values="mean_values", sample_weight="mean_weights")
    metric_case(name, "scalar_weight", {}, 2, values="mean_values_10", sample_weight=2.0)
    metric_case(name, "with_zero", {}, 3, values="mean_with_zero")
    metric_case(name, "matrix", {}, 2, values="mean_matrix")
args = dict(values="mean_matrix", sample_weight="mean_row_weights")
metric_case("HarmonicMean", "matrix_row_weights", {}, 2, **args)

# Streaming correlations: histogram estimates after Wei Xiao (arXiv:1712.01521).
x = add("corr_x", rng.uniform(size=(45, 1)))
add("corr_y", np.clip(0.6 * x + 0.4 * rng.uniform(size=(45, 1)), 0, 0.999))
add("corr_ties_true", np.array([12, 2, 1, 12, 2, 5, 7, 7, 0], "float32"))
add("corr_ties_pred", np.array([1, 4, 7, 1, 0, 3, 3, 6, 2], "float32"))
# Beyond [-1, 1.5] and [0, 1]: clipped. (With a maximum of 2 or more, float32 cannot hold
# tfa's last cut max + 1e-7, and a value at the maximum fails tfa's scatter on the CPU.)
wide_true = add("corr_wide_true", rng.normal(0.5, 1.0, 40))
add("corr_wide_pred", 0.5 * wide_true + rng.normal(0.25, 0.5, 40))
add("arange_45", np.arange(45.0))
add("corr_x_10", x[:10])
add("halves_10", np.full(10, 0.5, "float32"))
for name in ("KendallsTauB", "KendallsTauC", "SpearmansRank", "PearsonsCorrelation"):
    args = dict(y_true="corr_x", y_pred="corr_y")
    metric_case(name, "continuous", {}, 3, **args)
    metric_case(name, "sample_weight_ignored", {}, 3, sample_weight="arange_45", **args)
    kwargs = dict(actual_min=0.0, actual_max=13.0, preds_min=0.0, preds_max=8.0)
    metric_case(name, "ties", kwargs, 3, y_true="corr_ties_true", y_pred="corr_ties_pred")
    kwargs = dict(actual_min=-1.0, actual_max=1.5, preds_min=0.0, preds_max=1.0)
    kwargs.update(actual_cutpoints=30, preds_cutpoints=20)
    metric_case(name, "clipped", kwargs, 4, y_true="corr_wide_true", y_pred="corr_wide_pred")
    args = dict(y_true="corr_x_10", y_pred="halves_10")
    metric_case(name, "all_equal_predictions", {}, 2, **args)


def _shortest(array):
    """Flat list; float32 values as their shortest decimal, which reads back exactly."""
    if array.dtype.kind == "f":
        return [float(str(v)) for v in array.astype("float32").ravel()]
    return array.ravel().tolist()


stored = {
    name: dict(dtype=str(a.dtype), shape=list(a.shape), data=_shortest(a))
    for name, a in inputs.items()
}
path = pathlib.Path(__file__).with_name("metrics_goldens.json")
path.write_text(json.dumps(dict(inputs=stored, cases=cases), separators=(",", ":")) + "\n")
print(f"wrote {len(cases)} cases to {path} (tf {tf.__version__}, tfa {tfa.__version__})")
