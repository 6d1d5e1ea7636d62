"""tfa.losses.npairs: the multi-class N-pair loss on a similarity matrix.

"The batch" is the batch the loss is called on: under `model.fit` with a distribution
strategy, each replica's own `[batch_size, batch_size]` similarity matrix, and the step
follows the mean of the replicas' losses.
"""

import keras
from keras import ops

from kerasdl.losses import scale_loss_for_distribution


def _soft_target_crossentropy(targets, logits):
    """Mean over rows of the cross-entropy of each logit row against its row of
    `targets` normalized to sum to one."""
    targets = targets / ops.sum(targets, axis=1, keepdims=True)
    return ops.mean(-ops.sum(targets * ops.log_softmax(logits, axis=1), axis=1))


@keras.saving.register_keras_serializable(package="Addons")
def npairs_loss(y_true, y_pred):
    """N-pair loss (Sohn 2016, "Improved Deep Metric Learning with Multi-class N-pair
    Loss Objective", in its softmax form): each row of the similarity matrix is a
    set of logits whose target is the columns sharing the row's label, weighted equally.

    Args:
      y_true: `[batch_size]` integer class labels.
      y_pred: `[batch_size, batch_size]` similarities between two embedding matrices,
        e.g. `ops.matmul(anchors, ops.transpose(positives))`.

    Returns:
      A scalar: the mean cross-entropy over rows.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    labels = ops.reshape(ops.cast(y_true, y_pred.dtype), (-1, 1))
    targets = ops.cast(ops.equal(labels, ops.transpose(labels)), y_pred.dtype)
    return _soft_target_crossentropy(targets, y_pred)


@keras.saving.register_keras_serializable(package="Addons")
def npairs_multilabel_loss(y_true, y_pred):
    """N-pair loss for multi-label data: row `i`'s target on column `j` is the number of
    labels `i` and `j` share, `|labels(i) & labels(j)|`, normalized per row.

    Args:
      y_true: `[batch_size, num_classes]` binary indicators (a `tf.SparseTensor` is
        densified).
      y_pred: `[batch_size, batch_size]` similarities between two embedding matrices.

    Returns:
      A scalar: the mean cross-entropy over rows.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(ops.convert_to_tensor(y_true, sparse=False), y_pred.dtype)
    return _soft_target_crossentropy(ops.matmul(y_true, ops.transpose(y_true)), y_pred)


@keras.saving.register_keras_serializable(package="Addons")
class NpairsLoss(keras.losses.Loss):
    """`npairs_loss` as a loss; reduction `"none"` (the function returns a scalar), and
    under a distribution strategy divided by the number of replicas, as Keras does for its
    averaged losses, so the step follows the replicas' mean (tfa summed them)."""

    def __init__(self, name: str = "npairs_loss", **kwargs):
        kwargs.pop("reduction", None)
        super().__init__(name=name, reduction="none", **kwargs)

    def call(self, y_true, y_pred):
        return scale_loss_for_distribution(npairs_loss(y_true, y_pred))


@keras.saving.register_keras_serializable(package="Addons")
class NpairsMultilabelLoss(keras.losses.Loss):
    """`npairs_multilabel_loss` as a loss, reduced as `NpairsLoss`."""

    def __init__(self, name: str = "npairs_multilabel_loss", **kwargs):
        kwargs.pop("reduction", None)
        super().__init__(name=name, reduction="none", **kwargs)

    def call(self, y_true, y_pred):
        return scale_loss_for_distribution(npairs_multilabel_loss(y_true, y_pred))
