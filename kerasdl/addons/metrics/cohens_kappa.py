"""tfa.metrics.CohenKappa: Cohen's kappa, plain or weighted, from a streamed confusion
matrix, as tfa 0.23."""

import keras
from keras import ops

from kerasdl.addons.metrics.utils import ResetStatesAlias, confusion_matrix


@keras.saving.register_keras_serializable(package="Addons")
class CohenKappa(ResetStatesAlias, keras.metrics.Metric):
    """Cohen's kappa between two raters (Cohen 1960; weighted: Cohen 1968), in `[-1, 1]`.

    The `num_classes x num_classes` confusion matrix `O` of the labels (rows) and the
    predictions (columns) is summed over every batch; with `E` the outer product of its
    marginals and `W` the disagreement weights (`1 - I`; `|i - j|` for "linear";
    `(i - j)^2` for "quadratic"), each normalized to sum 1,

        kappa = 1 - sum(W * O) / sum(W * E).

    As tfa 0.23, the inputs are read so:

    - `num_classes == 2`: `y_true` holds 0/1 labels and `y_pred` probabilities, class 1
      where `y_pred > 0.5` (`sparse_labels` and `regression` play no part).
    - otherwise `y_true` is one-hot `[B, num_classes]` (its argmax), or with
      `sparse_labels=True` class ids; `y_pred` of rank 2 or more gives its argmax over the
      last axis, with `regression=True` its `round(abs(y_pred))` (one output unit, rounded
      half to even); rank-1 `y_pred` holds class ids (cast, so truncated).

    `sample_weight` (`[B]`, or a scalar) weights each pair. With no disagreement expected
    by chance (everything rated one class) kappa is 0 / 0: NaN, as tfa; before any update
    it is 0. Where tfa raises an error on a class outside `[0, num_classes)`, here a
    regression prediction is clipped into range and any other such label or prediction
    is left out.

    Args:
        num_classes: number of classes (2 or more).
        name: metric name.
        weightage: None, "linear" or "quadratic".
        sparse_labels: `y_true` holds class ids instead of one-hot rows (multi-class).
        regression: `y_pred` is one regressed value per example (multi-class).
        dtype: result dtype.
    """

    def __init__(
        self,
        num_classes: int,
        name: str = "cohen_kappa",
        weightage: str | None = None,
        sparse_labels: bool = False,
        regression: bool = False,
        dtype=None,
    ):
        super().__init__(name=name, dtype=dtype)
        if weightage not in (None, "linear", "quadratic"):
            raise ValueError("Unknown kappa weighting type.")
        if num_classes < 2:
            raise ValueError("Number of classes must be greater than or equal to two")
        self.num_classes = num_classes
        self.weightage = weightage
        self.sparse_labels = sparse_labels
        self.regression = regression
        self.conf_mtx = self.add_variable(
            (num_classes, num_classes), "zeros", dtype="float32", name="conf_mtx"
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = ops.convert_to_tensor(y_true), ops.convert_to_tensor(y_pred)
        if self.num_classes == 2:
            labels = ops.cast(y_true, "int64")
            predictions = ops.cast(ops.cast(y_pred, "float32") > 0.5, "int64")
        else:
            labels = ops.cast(y_true if self.sparse_labels else ops.argmax(y_true, axis=1), "int64")
            if len(y_pred.shape) < 2:
                predictions = ops.cast(y_pred, "int64")
            elif self.regression:
                predictions = ops.cast(ops.round(ops.abs(y_pred)), "int64")
            else:
                predictions = ops.argmax(y_pred, axis=-1)
            if self.regression:
                predictions = ops.clip(predictions, 0, self.num_classes - 1)
        self.conf_mtx.assign_add(
            confusion_matrix(labels, predictions, self.num_classes, sample_weight)
        )

    def result(self):
        rating = ops.arange(self.num_classes, dtype="float32")
        difference = rating[None, :] - rating[:, None]
        if self.weightage is None:
            weights = 1.0 - ops.eye(self.num_classes, dtype="float32")
        elif self.weightage == "linear":
            weights = ops.abs(difference)
        else:
            weights = ops.square(difference)
        weights = ops.cast(weights, self.dtype)
        observed = self.conf_mtx
        expected = ops.sum(observed, axis=0)[:, None] * ops.sum(observed, axis=1)[None, :]
        observed = ops.cast(observed / ops.sum(observed), self.dtype)
        expected = ops.cast(expected / ops.sum(expected), self.dtype)
        numerator = ops.sum(observed * weights)
        denominator = ops.sum(expected * weights)
        # Before any update both sums are 0 / 0: tfa reads that NaN denominator as 0.
        return ops.where(ops.isnan(denominator), 0.0, 1.0 - numerator / denominator)

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "weightage": self.weightage,
            "sparse_labels": self.sparse_labels,
            "regression": self.regression,
        }
