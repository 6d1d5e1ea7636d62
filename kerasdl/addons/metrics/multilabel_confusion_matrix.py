"""tfa.metrics.MultiLabelConfusionMatrix: one 2 x 2 confusion matrix per label, as tfa 0.23."""

import warnings

import keras
from keras import ops

from kerasdl.addons.metrics.utils import ResetStatesAlias


@keras.saving.register_keras_serializable(package="Addons")
class MultiLabelConfusionMatrix(ResetStatesAlias, keras.metrics.Metric):
    """Per-label confusion matrices of multi-label (or one-hot multi-class) indicators.

    `y_true` and `y_pred` are `[B, num_classes]` indicators, cast to int32 as tfa (so a
    score below 1 counts as 0). The result, `[num_classes, 2, 2]`, holds for label `i`
    `[[true negatives, false positives], [false negatives, true positives]]`, counted over
    every batch (scikit-learn's `multilabel_confusion_matrix` layout). As tfa, a true
    negative is a position where neither is 1, and `sample_weight` is ignored, with a
    warning.

    Args:
        num_classes: number of labels.
        name: metric name.
        dtype: dtype of the counts and of the result.
    """

    def __init__(
        self,
        num_classes: int,
        name: str = "Multilabel_confusion_matrix",
        dtype=None,
        **kwargs,
    ):
        super().__init__(name=name, dtype=dtype)
        self.num_classes = num_classes
        for count in ("true_positives", "false_positives", "false_negatives", "true_negatives"):
            setattr(self, count, self.add_variable((num_classes,), "zeros", self.dtype, name=count))

    def update_state(self, y_true, y_pred, sample_weight=None):
        if sample_weight is not None:
            warnings.warn(
                "`sample_weight` is not None. Be aware that MultiLabelConfusionMatrix "
                "does not take `sample_weight` into account when computing the metric "
                "value.",
                stacklevel=2,
            )
        y_true, y_pred = ops.cast(y_true, "int32"), ops.cast(y_pred, "int32")
        true_positives = ops.count_nonzero(y_true * y_pred, axis=0)
        predicted = ops.count_nonzero(y_pred, axis=0)
        actual = ops.count_nonzero(y_true, axis=0)
        true_negatives = ops.count_nonzero(ops.logical_and(y_true != 1, y_pred != 1), axis=0)
        for variable, count in (
            (self.true_positives, true_positives),
            (self.false_positives, predicted - true_positives),
            (self.false_negatives, actual - true_positives),
            (self.true_negatives, true_negatives),
        ):
            variable.assign_add(ops.cast(count, self.dtype))

    def result(self):
        counts = ops.stack(
            [self.true_negatives, self.false_positives, self.false_negatives, self.true_positives],
            axis=1,
        )
        return ops.reshape(counts, (-1, 2, 2))

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}
