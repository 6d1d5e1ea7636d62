"""tfa.metrics.MatthewsCorrelationCoefficient: multi-class MCC from a streamed confusion
matrix, as tfa 0.23."""

import keras
from keras import ops

from kerasdl.addons.metrics.utils import ResetStatesAlias, confusion_matrix


@keras.saving.register_keras_serializable(package="Addons")
class MatthewsCorrelationCoefficient(ResetStatesAlias, keras.metrics.Metric):
    """Matthews' correlation coefficient (Matthews 1975; the multi-class form of Gorodkin
    2004, as scikit-learn's `matthews_corrcoef`), in `[-1, 1]`.

    `y_true` and `y_pred` are `[B, num_classes]` (one-hot labels, class scores); their
    argmaxes fill a confusion matrix `C` summed over every batch (`sample_weight`, `[B]`,
    weights each example). With `t = C.sum(1)`, `p = C.sum(0)`, `c = trace(C)` and
    `s = sum(C)`,

        MCC = (c s - t.p) / sqrt((s^2 - t.t) (s^2 - p.p)),

    0 where that is 0 / 0 (one class only, or no update yet), as tfa. Binary: TP TN - FP
    FN over the root of the four marginal products.

    Args:
        num_classes: number of classes.
        name: metric name.
        dtype: dtype of the confusion matrix and of the result.
    """

    def __init__(
        self,
        num_classes: int,
        name: str = "MatthewsCorrelationCoefficient",
        dtype=None,
        **kwargs,
    ):
        super().__init__(name=name, dtype=dtype)
        self.num_classes = num_classes
        self.conf_mtx = self.add_variable(
            (num_classes, num_classes), "zeros", dtype=self.dtype, name="conf_mtx"
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels = ops.argmax(ops.cast(y_true, self.dtype), axis=1)
        predictions = ops.argmax(ops.cast(y_pred, self.dtype), axis=1)
        self.conf_mtx.assign_add(
            confusion_matrix(labels, predictions, self.num_classes, sample_weight, self.dtype)
        )

    def result(self):
        true_sum = ops.sum(self.conf_mtx, axis=1)
        pred_sum = ops.sum(self.conf_mtx, axis=0)
        correct = ops.trace(self.conf_mtx)
        total = ops.sum(pred_sum)
        cov_true_pred = correct * total - ops.dot(true_sum, pred_sum)
        cov_pred_pred = total**2 - ops.dot(pred_sum, pred_sum)
        cov_true_true = total**2 - ops.dot(true_sum, true_sum)
        mcc = cov_true_pred / ops.sqrt(cov_true_true * cov_pred_pred)
        return ops.where(ops.isnan(mcc), ops.zeros_like(mcc), mcc)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}
