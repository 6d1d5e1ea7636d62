"""tfa.metrics.HarmonicMean: the weighted harmonic mean of streamed values, as tfa 0.23."""

import keras
from keras import ops

from kerasdl.addons.metrics.utils import ResetStatesAlias


@keras.saving.register_keras_serializable(package="Addons")
class HarmonicMean(ResetStatesAlias, keras.metrics.Mean):
    """The reciprocal of `keras.metrics.Mean` of the reciprocals of the values seen:
    `sum(w) / sum(w / v)` (`update_state(values, sample_weight=None)`); 0 when that mean
    of reciprocals is 0 or infinite (a value of 0 or inf) or nothing was seen.

    Args:
        name: metric name.
        dtype: dtype of the sums and of the result.
    """

    def __init__(self, name: str = "harmonic_mean", dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, values, sample_weight=None):
        values = ops.cast(values, self.dtype)
        super().update_state(1.0 / values, sample_weight)

    def result(self):
        mean = super().result()
        return ops.where(mean == 0, ops.zeros_like(mean), 1.0 / mean)
