"""tfa.metrics.utils: `MeanMetricWrapper` is Keras 3's (same `fn, name, dtype, **kwargs`);
`confusion_matrix` and `ResetStatesAlias` serve the metrics of this package."""

from keras import ops
from keras.metrics import MeanMetricWrapper

__all__ = ["MeanMetricWrapper"]


def confusion_matrix(labels, predictions, num_classes: int, weights=None, dtype="float32"):
    """`tf.math.confusion_matrix` in `keras.ops`: `[num_classes, num_classes]` counts, row
    the label, column the prediction, each pair adding its weight (1 without weights).

    `labels`, `predictions` and `weights` are flattened to `[N]` (a scalar weight is
    broadcast). A label or prediction outside `[0, num_classes)` adds nothing, where
    `tf.math.confusion_matrix` raises an error.
    """
    labels = ops.one_hot(ops.reshape(ops.cast(labels, "int64"), (-1,)), num_classes, dtype=dtype)
    predictions = ops.one_hot(
        ops.reshape(ops.cast(predictions, "int64"), (-1,)), num_classes, dtype=dtype
    )
    if weights is not None:
        weights = ops.reshape(ops.cast(weights, dtype), (-1,))
        labels = labels * ops.broadcast_to(weights, ops.shape(labels)[:1])[:, None]
    return ops.matmul(ops.transpose(labels), predictions)


class ResetStatesAlias:
    """tfa's `reset_states`, the tf.keras < 2.5 name of `reset_state`."""

    def reset_states(self):
        return self.reset_state()
