"""Metrics: masked token accuracy for sequence labeling (e.g. with `kerasdl.layers.CRF`)."""

from __future__ import annotations

import keras
from keras import ops

from kerasdl._keras_private import get_keras_mask
from kerasdl.addons.metrics.cohens_kappa import CohenKappa
from kerasdl.addons.metrics.matthews_correlation_coefficient import (
    MatthewsCorrelationCoefficient,
)

# Cohen's kappa and the MCC are tfa's (`kerasdl.addons.metrics`), under kerasdl's names too.
__all__ = ["CohenKappa", "MaskedTokenAccuracy", "MatthewsCorrelationCoefficient"]


@keras.saving.register_keras_serializable(package="kerasdl")
class MaskedTokenAccuracy(keras.metrics.Metric):
    """Fraction of real (unpadded) tokens whose predicted tag equals the gold tag.

    `y_true` is `[B, T]` int tags. `y_pred` is `[B, T]` int tags (a `CRF` output) or
    `[B, T, K]` scores (argmax is taken). Tokens count where the Keras mask of `y_pred` is
    true (a `CRF` output carries it); without a mask, where `y_true != ignore_index` if
    `ignore_index` is set, else everywhere. `sample_weight` (`[B]` or `[B, T]`) weights
    tokens.

    Args:
        ignore_index: gold tag id of padding, used only when `y_pred` has no mask.
        name, dtype: as for every Keras metric.
    """

    def __init__(self, ignore_index: int | None = None, name="token_accuracy", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.ignore_index = ignore_index
        self.correct = self.add_variable(shape=(), initializer="zeros", name="correct")
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, y_true, y_pred, sample_weight=None):
        mask = get_keras_mask(y_pred)
        y_true = ops.convert_to_tensor(y_true)
        y_pred = ops.convert_to_tensor(y_pred)
        if len(y_true.shape) == len(y_pred.shape) + 1 and y_true.shape[-1] == 1:
            y_true = ops.squeeze(y_true, -1)
        if len(y_pred.shape) == len(y_true.shape) + 1:
            y_pred = ops.argmax(y_pred, axis=-1)
        y_true = ops.cast(y_true, "int32")
        y_pred = ops.cast(y_pred, "int32")
        if mask is not None:
            weights = ops.cast(mask, self.dtype)
        elif self.ignore_index is not None:
            weights = ops.cast(ops.not_equal(y_true, self.ignore_index), self.dtype)
        else:
            weights = ops.ones_like(y_true, dtype=self.dtype)
        if sample_weight is not None:
            sample_weight = ops.cast(sample_weight, self.dtype)
            if len(sample_weight.shape) < len(weights.shape):
                sample_weight = ops.reshape(sample_weight, (-1, 1))
            weights = weights * sample_weight
        matches = ops.cast(ops.equal(y_true, y_pred), self.dtype)
        self.correct.assign_add(ops.sum(matches * weights))
        self.total.assign_add(ops.sum(weights))

    def result(self):
        return ops.divide_no_nan(self.correct, self.total)

    def reset_state(self):
        self.correct.assign(0.0)
        self.total.assign(0.0)

    def get_config(self):
        return {**super().get_config(), "ignore_index": self.ignore_index}
