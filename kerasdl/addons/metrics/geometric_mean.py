"""tfa.metrics.GeometricMean: the weighted geometric mean of streamed values, as tfa 0.23."""

import keras
from keras import ops

from kerasdl.addons.metrics.utils import ResetStatesAlias


@keras.saving.register_keras_serializable(package="Addons")
class GeometricMean(ResetStatesAlias, keras.metrics.Metric):
    """`exp(sum(w log v) / sum(w))` over every value `v` seen, used as `keras.metrics.Mean`
    (`update_state(values, sample_weight=None)`).

    As tfa 0.23, `sample_weight` defaults to 1 per value and a scalar weight is broadcast
    to `values`; any other weight tensor multiplies `log(values)` as it broadcasts and adds
    its own sum to the count. Once a value of 0 (log -inf) or inf is seen, the sum of logs
    stays infinite and the result is 0. Before any update the result is NaN (0 / 0).

    Args:
        name: metric name.
        dtype: dtype of the sums and of the result.
    """

    def __init__(self, name: str = "geometric_mean", dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", dtype=self.dtype, name="total")
        self.count = self.add_variable((), "zeros", dtype=self.dtype, name="count")

    def update_state(self, values, sample_weight=None):
        values = ops.cast(values, self.dtype)
        if sample_weight is None:
            sample_weight = ops.ones_like(values)
        else:
            sample_weight = ops.cast(sample_weight, self.dtype)
            if len(sample_weight.shape) == 0 or sample_weight.shape == (1,):
                sample_weight = ops.broadcast_to(ops.reshape(sample_weight, ()), values.shape)
        self.count.assign_add(ops.sum(sample_weight))
        log_sum = ops.sum(sample_weight * ops.log(values))
        # An infinite total stays as it is (-inf + inf would be NaN).
        self.total.assign(ops.where(ops.isinf(self.total), self.total, self.total + log_sum))

    def result(self):
        mean = ops.exp(self.total / self.count)
        return ops.where(ops.isinf(self.total), ops.zeros_like(mean), mean)
