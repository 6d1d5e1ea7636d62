"""tfa.metrics hamming: `hamming_distance`, `hamming_loss_fn` and the `HammingLoss` metric,
as tfa 0.23."""

import keras
from keras import ops

from kerasdl.addons.metrics.utils import ResetStatesAlias


def hamming_distance(actuals, predictions):
    """Number of positions where `actuals` and `predictions` differ, divided by the length
    of their first axis (as tfa: for a 1-D input the fraction of differing positions, for
    a 2-D input the mean count per row). A float32 scalar; 0 for empty inputs."""
    differ = ops.not_equal(actuals, predictions)
    count = ops.sum(ops.cast(differ, "float32"))
    return ops.divide_no_nan(count, ops.cast(ops.shape(differ)[0], "float32"))


def hamming_loss_fn(y_true, y_pred, threshold, mode: str):
    """Per-example Hamming loss of `[B, num_classes]` indicators `y_true` and scores `y_pred`.

    `y_pred` becomes 1 where it exceeds `threshold`; with `threshold=None`, where it equals
    its row's maximum (ties all count) and is not 0. "multilabel": the fraction of the
    `num_classes` positions that differ. "multiclass": 1 minus the number of positions
    that are 1 in both (so 0 for a right prediction, and below 0 when several are, as
    tfa). Returns `[B]` float32.
    """
    if mode not in ("multiclass", "multilabel"):
        raise TypeError("mode must be either multiclass or multilabel]")
    if threshold is None:
        row_max = ops.max(y_pred, axis=-1, keepdims=True)
        # A row of zeros must not become a row of ones.
        y_pred = ops.logical_and(y_pred >= row_max, ops.abs(y_pred) > 1e-12)
    else:
        y_pred = y_pred > threshold
    y_true, y_pred = ops.cast(y_true, "int32"), ops.cast(y_pred, "int32")
    if mode == "multiclass":
        return 1.0 - ops.cast(ops.count_nonzero(y_true * y_pred, axis=-1), "float32")
    differ = ops.cast(ops.count_nonzero(y_true - y_pred, axis=-1), "float32")
    return differ / ops.cast(ops.shape(y_true)[-1], "float32")


@keras.saving.register_keras_serializable(package="Addons")
class HammingLoss(ResetStatesAlias, keras.metrics.MeanMetricWrapper):
    """Mean of `hamming_loss_fn` over every example seen (weighted by `sample_weight`).

    Args:
        mode: "multiclass" or "multilabel".
        name: metric name.
        threshold: scores above it count as predicted; None takes each row's maximum.
        dtype: dtype of the inputs' cast and of the result.
    """

    def __init__(
        self,
        mode: str,
        name: str = "hamming_loss",
        threshold: float | None = None,
        dtype=None,
        **kwargs,
    ):
        super().__init__(hamming_loss_fn, name=name, dtype=dtype, mode=mode, threshold=threshold)

    def update_state(self, y_true, y_pred, sample_weight=None):
        # tfa's wrapper casts both to the metric's dtype before the function.
        y_true, y_pred = ops.cast(y_true, self.dtype), ops.cast(y_pred, self.dtype)
        return super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, **self._fn_kwargs}
