"""tfa.losses.kappa_loss: the weighted kappa loss for ordinal classes."""

import keras
from keras import ops

from kerasdl.losses import scale_loss_for_distribution


@keras.saving.register_keras_serializable(package="Addons")
class WeightedKappaLoss(keras.losses.Loss):
    """Weighted kappa loss (de la Torre, Puig and Valls 2018, "Weighted kappa loss
    function for multi-class classification of ordinal data in deep learning"):
    `log(sum_ik w_ik p_ik / (sum_ij w_ij N_i S_j / n) + epsilon)`, where `p` are the
    predicted probabilities, `w_ij = |i - j|` ("linear") or `(i - j)^2` ("quadratic"),
    `N` the batch's label counts, `S` its predicted class totals and `n` its size. The
    value lies in `(-inf, log 2]`; `log 1 = 0` is chance agreement.

    The loss is one number for the whole batch, as tfa (reduction `"none"`): weight
    samples by scaling their predicted rows. Under a distribution strategy the batch is
    each replica's own and the number is divided by the number of replicas, as Keras does
    for its averaged losses, so the step follows the replicas' mean (tfa summed them).

    Args:
      num_classes: number of ordinal classes.
      weightage: "linear" or "quadratic".
      name: the loss's name.
      epsilon: added inside the log; `None` or 0 means `keras.config.epsilon()`.
      reduction: applied to the scalar, so it changes nothing but is kept for tfa's
        signature.

    `y_true` is `[batch_size, num_classes]` one-hot, `y_pred` `[batch_size, num_classes]`
    probabilities.
    """

    def __init__(
        self,
        num_classes: int,
        weightage: str = "quadratic",
        name: str = "cohen_kappa_loss",
        epsilon=1e-6,
        reduction="none",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if weightage not in ("linear", "quadratic"):
            raise ValueError("Unknown kappa weighting type.")
        self.weightage = weightage
        self.num_classes = num_classes
        self.epsilon = epsilon or keras.config.epsilon()

    def _weights(self, rows, columns):
        difference = ops.expand_dims(rows, 1) - ops.expand_dims(columns, 0)
        return ops.abs(difference) if self.weightage == "linear" else ops.square(difference)

    def call(self, y_true, y_pred):
        y_pred = ops.convert_to_tensor(y_pred)
        y_true = ops.cast(y_true, y_pred.dtype)
        classes = ops.arange(self.num_classes, dtype=y_pred.dtype)
        true_classes = ops.matmul(y_true, classes)
        numerator = ops.sum(self._weights(true_classes, classes) * y_pred)
        label_totals = ops.sum(y_true, axis=0)
        predicted_totals = ops.sum(y_pred, axis=0)
        expected = ops.sum(
            self._weights(classes, classes)
            * ops.expand_dims(label_totals, 1)
            * ops.expand_dims(predicted_totals, 0)
        )
        expected = expected / ops.cast(ops.shape(y_true)[0], y_pred.dtype)
        loss = ops.log(ops.divide_no_nan(numerator, expected) + self.epsilon)
        return scale_loss_for_distribution(loss)

    def get_config(self):
        config = super().get_config()
        config.update(
            {"num_classes": self.num_classes, "weightage": self.weightage, "epsilon": self.epsilon}
        )
        return config
