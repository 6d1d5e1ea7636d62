"""tfa.metrics.utils: `MeanMetricWrapper` is Keras 3's (same `fn, name, dtype, **kwargs`)."""

from keras.metrics import MeanMetricWrapper

__all__ = ["MeanMetricWrapper"]
