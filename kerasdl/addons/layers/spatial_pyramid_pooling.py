"""tfa.layers.SpatialPyramidPooling2D: average pooling to several fixed grids."""

import keras
from keras import ops

from kerasdl.addons.layers.max_unpooling_2d import normalize_tuple


@keras.saving.register_keras_serializable(package="Addons")
class SpatialPyramidPooling2D(keras.layers.Layer):
    """Spatial pyramid pooling (He et al. 2014): the average over each cell of several grids,
    concatenated, so any image size gives the same number of features.

    As tfa: for a grid of `rows x cols` bins the image is first cropped to the largest
    multiple of `rows` high and `cols` wide (the remainder at the bottom and right is
    dropped), then averaged over equal blocks. `bins=[1, 2]` gives 1 + 4 = 5 features
    per channel.

    Args:
        bins: grid sizes, each an int (a square grid) or 2 ints `(rows, cols)`.
        data_format: "channels_last" ([B, H, W, C] in, [B, bins, C] out) or
            "channels_first" ([B, C, H, W] in, [B, C, bins] out); default Keras' image
            data format.
    """

    def __init__(self, bins, data_format=None, *args, **kwargs):
        self.bins = [normalize_tuple(b, 2, "bin") for b in bins]
        self.data_format = data_format or keras.config.image_data_format()
        if self.data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                "The `data_format` argument must be one of 'channels_first', "
                f"'channels_last'. Received: {data_format}"
            )
        super().__init__(*args, **kwargs)

    def call(self, inputs):
        x = inputs if self.data_format == "channels_last" else ops.transpose(inputs, (0, 2, 3, 1))
        batch, height, width, channels = ops.shape(x)
        outputs = []
        for rows, cols in self.bins:
            bin_height, bin_width = height // rows, width // cols
            cropped = x[:, : bin_height * rows, : bin_width * cols, :]
            blocks = ops.reshape(cropped, (batch, rows, bin_height, cols, bin_width, channels))
            pooled = ops.mean(blocks, axis=(2, 4))
            outputs.append(ops.reshape(pooled, (batch, rows * cols, channels)))
        outputs = ops.concatenate(outputs, axis=1)
        if self.data_format == "channels_first":
            outputs = ops.transpose(outputs, (0, 2, 1))
        return outputs

    def compute_output_shape(self, input_shape):
        pooled = sum(rows * cols for rows, cols in self.bins)
        if self.data_format == "channels_last":
            return (input_shape[0], pooled, input_shape[-1])
        return (input_shape[0], input_shape[1], pooled)

    def get_config(self):
        return {**super().get_config(), "bins": self.bins, "data_format": self.data_format}
