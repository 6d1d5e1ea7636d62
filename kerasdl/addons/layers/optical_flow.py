"""tfa.layers.CorrelationCost: FlowNet's correlation of two feature maps."""

import keras
from keras import ops


def _output_size(size, kernel_size, max_displacement, stride_1, pad):
    """tfa's kernel: ceil((size + 2 pad - 2 border) / stride_1)."""
    border = max_displacement + (kernel_size - 1) // 2
    return (size + 2 * pad - 2 * border + stride_1 - 1) // stride_1


def correlation_cost(
    input_a, input_b, kernel_size, max_displacement, stride_1, stride_2, pad, data_format
):
    """The correlation layer of FlowNet (Dosovitskiy et al. 2015, eq. 1) as tfa's kernel.

    With `r = max_displacement // stride_2`, `k = (kernel_size - 1) // 2` and positions
    outside the inputs read as 0, output position `(h, w)` is centred at
    `(h1, w1) = ((h - pad) stride_1 + border, (w - pad) stride_1 + border)`,
    `border = max_displacement + k`, and channel `(dy + r)(2r + 1) + (dx + r)` is

        sum_{|i|,|j| <= k} sum_c a[h1 + i, w1 + j, c] b[h1 + i + dy s2, w1 + j + dx s2, c]
        / (kernel_size^2 C)

    for `dy, dx` in `-r..r` (`s2 = stride_2`). Output [B, H', W', (2r + 1)^2]
    ("channels_last") or [B, (2r + 1)^2, H', W'], `H' = ceil((H + 2 pad - 2 border) /
    stride_1)`.
    """
    if data_format == "channels_first":
        input_a = ops.transpose(input_a, (0, 2, 3, 1))
        input_b = ops.transpose(input_b, (0, 2, 3, 1))
    _, height, width, channels = ops.shape(input_a)
    radius = (kernel_size - 1) // 2
    displacements = max_displacement // stride_2
    border = max_displacement + radius
    out_height = _output_size(height, kernel_size, max_displacement, stride_1, pad)
    out_width = _output_size(width, kernel_size, max_displacement, stride_1, pad)
    # Zero padding `o` on every side holds every position the kernel reads, so that output
    # (h, w) is centred at (h stride_1 + border + pad, ...) of the padded inputs.
    o = pad * stride_1 + pad
    padding = ((0, 0), (o, o), (o, o), (0, 0))
    input_a, input_b = ops.pad(input_a, padding), ops.pad(input_b, padding)
    # Products are formed over the window rows/columns every output reads ...
    rows = 2 * radius + (out_height - 1) * stride_1 + 1
    cols = 2 * radius + (out_width - 1) * stride_1 + 1
    start = border + pad - radius
    a = input_a[:, start : start + rows, start : start + cols, :]
    outputs = []
    for dy in range(-displacements, displacements + 1):
        for dx in range(-displacements, displacements + 1):
            y, x = start + dy * stride_2, start + dx * stride_2
            b = input_b[:, y : y + rows, x : x + cols, :]
            product = ops.sum(a * b, axis=-1)
            # ... then summed over each kernel window, at every stride_1-th position.
            total = 0
            for i in range(kernel_size):
                for j in range(kernel_size):
                    total += product[
                        :,
                        i : i + (out_height - 1) * stride_1 + 1 : stride_1,
                        j : j + (out_width - 1) * stride_1 + 1 : stride_1,
                    ]
            outputs.append(total)
    axis = -1 if data_format == "channels_last" else 1
    scale = ops.cast(kernel_size * kernel_size * channels, input_a.dtype)
    return ops.stack(outputs, axis=axis) / scale


@keras.saving.register_keras_serializable(package="Addons")
class CorrelationCost(keras.layers.Layer):
    """The correlation cost volume of FlowNet (Dosovitskiy et al. 2015): called on
    `[input_a, input_b]` (same shape), each output channel is the normalised dot product
    of patches of `input_a` with patches of `input_b` at one displacement (see
    `correlation_cost`). tfa's custom kernel is written here in `keras.ops`, with the
    same values and gradients; any float dtype (tfa's: float32 only).

    Args:
        kernel_size: odd patch size.
        max_displacement: largest displacement searched.
        stride_1: stride over the positions of `input_a`.
        stride_2: stride between the displacements.
        pad: zero padding of both inputs.
        data_format: "channels_last" or "channels_first".
    """

    def __init__(
        self,
        kernel_size: int,
        max_displacement: int,
        stride_1: int,
        stride_2: int,
        pad: int,
        data_format: str,
        **kwargs,
    ):
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd, got {kernel_size}")
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                "`data_format` must be either `channels_last` or"
                f"`channels_first`, instead got {data_format}"
            )
        self.kernel_size = kernel_size
        self.max_displacement = max_displacement
        self.stride_1 = stride_1
        self.stride_2 = stride_2
        self.pad = pad
        self.data_format = data_format
        super().__init__(**kwargs)

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2:
            raise ValueError("Input must be a list of two Tensors to process")

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError("Input must be a list of two Tensors to process")
        return correlation_cost(
            inputs[0],
            inputs[1],
            self.kernel_size,
            self.max_displacement,
            self.stride_1,
            self.stride_2,
            self.pad,
            self.data_format,
        )

    def compute_output_shape(self, input_shape):
        """The kernel's output shape. (tfa returned it in a list, and for `stride_1 > 1`
        its formula disagreed with its kernel.)"""
        if len(input_shape) != 2:
            raise ValueError("Input must be a list of two shapes")
        if tuple(input_shape[0]) != tuple(input_shape[1]):
            raise ValueError("Input shapes must match")
        shape = input_shape[0]
        channels = (2 * (self.max_displacement // self.stride_2) + 1) ** 2
        spatial = shape[1:3] if self.data_format == "channels_last" else shape[2:4]
        args = (self.kernel_size, self.max_displacement, self.stride_1, self.pad)
        height, width = (None if s is None else _output_size(s, *args) for s in spatial)
        if self.data_format == "channels_last":
            return (shape[0], height, width, channels)
        return (shape[0], channels, height, width)

    def get_config(self):
        return {
            **super().get_config(),
            "kernel_size": self.kernel_size,
            "max_displacement": self.max_displacement,
            "stride_1": self.stride_1,
            "stride_2": self.stride_2,
            "pad": self.pad,
            "data_format": self.data_format,
        }
