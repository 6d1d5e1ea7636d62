"""tfa.losses.lifted: the lifted structured loss.

"The batch" is the batch the loss is called on: under `model.fit` with a distribution
strategy, each replica's own batch (pairs are mined within a replica), and the step
follows the mean of the replicas' losses.
"""

import keras
from keras import ops

from kerasdl.addons.losses.metric_learning import pairwise_distance
from kerasdl.losses import scale_loss_for_distribution


@keras.saving.register_keras_serializable(package="Addons")
def lifted_struct_loss(labels, embeddings, margin=1.0):
    """Lifted structured loss (Oh Song et al. 2016, "Deep Metric Learning via Lifted
    Structured Feature Embedding", eq. 4): for each positive pair `(i, j)`,
    `J_ij = log(sum_{k neg i} exp(margin - D_ik) + sum_{l neg j} exp(margin - D_jl)) + D_ij`,
    and the loss is `sum max(J_ij, 0)^2 / (2 |P|)` over unordered positive pairs.

    The log-sum-exp is shifted by `max(m_i, m_j)`, `m_i` the largest `margin - D_ik` over
    `i`'s negatives, as the authors' Caffe layer and tfa do.

    Args:
      labels: `[batch_size]` integer class labels.
      embeddings: `[batch_size, dim]` embeddings, not l2-normalized.
      margin: the margin in the loss.

    Returns:
      A scalar in the embeddings' dtype; 0 (tfa: NaN) for a batch without a positive pair.
    """
    embeddings = ops.convert_to_tensor(embeddings)
    dtype = embeddings.dtype
    if dtype in ("float16", "bfloat16"):
        embeddings = ops.cast(embeddings, "float32")
    labels = ops.reshape(ops.convert_to_tensor(labels), (-1, 1))
    distances = pairwise_distance(embeddings)
    same_label = ops.equal(labels, ops.transpose(labels))
    negatives = ops.cast(ops.logical_not(same_label), distances.dtype)

    diff = margin - distances
    # m_i: the largest margin - D_ik over negatives k (the row minimum if there are none).
    row_minimum = ops.min(diff, axis=1, keepdims=True)
    m = ops.max(ops.where(negatives > 0, diff, row_minimum), axis=1, keepdims=True)
    shift = ops.maximum(m, ops.transpose(m))
    # sum_k exp(diff_ik - m_i) over negatives is at most the count of negatives;
    # exp(m_i - shift_ij) <= 1 moves it to the pair's shift.
    row_sums = ops.sum(ops.exp(diff - m) * negatives, axis=1, keepdims=True)
    pair_sums = row_sums * ops.exp(m - shift) + ops.transpose(row_sums) * ops.exp(
        ops.transpose(m) - shift
    )
    batch_size = ops.shape(distances)[0]
    positives = ops.logical_and(same_label, ops.logical_not(ops.eye(batch_size, dtype="bool")))
    loss_matrix = ops.where(positives, shift + ops.log(pair_sums) + distances, 0.0)
    num_positives = ops.sum(ops.cast(positives, distances.dtype)) / 2.0
    # 0.25: each unordered pair is counted twice, and the paper's factor 1/2.
    loss = ops.divide_no_nan(
        0.25 * ops.sum(ops.square(ops.maximum(loss_matrix, 0.0))), num_positives
    )
    return ops.cast(loss, dtype)


@keras.saving.register_keras_serializable(package="Addons")
class LiftedStructLoss(keras.losses.Loss):
    """`lifted_struct_loss` as a loss; reduction `"none"` (the function returns a scalar),
    and under a distribution strategy divided by the number of replicas, as Keras does for
    its averaged losses, so the step follows the replicas' mean (tfa summed them)."""

    def __init__(self, margin=1.0, name=None, **kwargs):
        kwargs.pop("reduction", None)
        super().__init__(name=name or "lifted_struct_loss", reduction="none", **kwargs)
        self.margin = margin

    def call(self, y_true, y_pred):
        return scale_loss_for_distribution(lifted_struct_loss(y_true, y_pred, self.margin))

    def get_config(self):
        config = super().get_config()
        config.update({"margin": self.margin})
        return config
