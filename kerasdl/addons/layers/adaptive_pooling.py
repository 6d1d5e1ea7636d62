"""tfa.layers.adaptive_pooling: Keras 3's adaptive pooling layers (same `output_size`,
`data_format`). tfa split the input into equal bins and needed each size to be a multiple
of `output_size`; there both agree, and Keras also accepts other sizes."""

from keras.layers import (
    AdaptiveAveragePooling1D,
    AdaptiveAveragePooling2D,
    AdaptiveAveragePooling3D,
    AdaptiveMaxPooling1D,
    AdaptiveMaxPooling2D,
    AdaptiveMaxPooling3D,
)

__all__ = [
    "AdaptiveAveragePooling1D",
    "AdaptiveAveragePooling2D",
    "AdaptiveAveragePooling3D",
    "AdaptiveMaxPooling1D",
    "AdaptiveMaxPooling2D",
    "AdaptiveMaxPooling3D",
]
