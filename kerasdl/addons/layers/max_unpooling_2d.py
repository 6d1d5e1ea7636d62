"""tfa.layers.MaxUnpooling2D: the inverse of a max pooling, from its argmax."""

import keras
from keras import ops


def normalize_tuple(value, n: int, name: str) -> tuple:
    """`value` as a tuple of `n` ints (an int is repeated), as tfa's `normalize_tuple`."""
    if isinstance(value, int):
        return (value,) * n
    error = f"The `{name}` argument must be a tuple of {n} integers. Received: {value}"
    try:
        values = tuple(value)
    except TypeError:
        raise ValueError(error) from None
    if len(values) != n:
        raise ValueError(error)
    for single in values:
        try:
            int(single)
        except (TypeError, ValueError):
            raise ValueError(
                f"{error} including element {single!r} of type {type(single)}"
            ) from None
    return tuple(int(v) for v in values)


def unpool_with_argmax(updates, mask, output_shape):
    """Scatters `updates` [B, h, w, C] into zeros of `output_shape` [B, H, W, C] at the
    per-example flat positions `mask` of `tf.nn.max_pool_with_argmax` (with
    `include_batch_in_index=False`). As tfa: the row and column come from `mask`, the
    channel from the update's own channel, and positions named twice get the sum."""
    mask = ops.cast(mask, "int32")
    batch, height, width, channels = output_shape
    b = ops.reshape(ops.arange(ops.shape(updates)[0], dtype="int32"), (-1, 1, 1, 1))
    y = mask // (width * channels)
    x = (mask // channels) % width
    f = ops.arange(channels, dtype="int32")
    flat = ((b * height + y) * width + x) * channels + f
    size = batch * height * width * channels
    values = ops.scatter(ops.reshape(flat, (-1, 1)), ops.reshape(updates, (-1,)), (size,))
    return ops.reshape(values, (batch, height, width, channels))


def _unpooled_shape(shape, pool_size, strides, padding):
    def size(n, pool, stride):
        if n is None:
            return None
        return (n - 1) * stride + pool if padding == "VALID" else n * stride

    return (
        shape[0],
        size(shape[1], pool_size[0], strides[0]),
        size(shape[2], pool_size[1], strides[1]),
        shape[3],
    )


@keras.saving.register_keras_serializable(package="Addons")
class MaxUnpooling2D(keras.layers.Layer):
    """Unpools the output of a max pooling: `layer(updates, mask)` puts each pooled value
    back where `tf.nn.max_pool_with_argmax` found it and zeros elsewhere.

    The output size is what a pooling with `pool_size`, `strides` and `padding` inverts:
    `H * stride` ("SAME") or `(H - 1) * stride + pool` ("VALID"). As tfa, the argmax must
    not include the batch (`include_batch_in_index=False`), and sizes a pooling rounded
    are not recovered (`MaxUnpooling2DV2` takes the output size instead).

    Args:
        pool_size: the pooling window, an int or 2 ints (default (2, 2)).
        strides: the pooling strides, an int or 2 ints (default (2, 2)).
        padding: the pooling's padding, "SAME" or "VALID".

    Call arguments:
        updates: [B, h, w, C] pooled values.
        mask: [B, h, w, C] the argmax of each (any integer or float dtype).
    """

    def __init__(self, pool_size=(2, 2), strides=(2, 2), padding: str = "SAME", **kwargs):
        super().__init__(**kwargs)
        if padding not in ("SAME", "VALID"):
            raise ValueError('Padding must be a string from: "SAME", "VALID"')
        self.pool_size = normalize_tuple(pool_size, 2, "pool_size")
        self.strides = normalize_tuple(strides, 2, "strides")
        self.padding = padding
        # `mask` is an argument, not a Keras mask: the output carries none.
        self.supports_masking = True

    def call(self, updates, mask):
        shape = ops.shape(updates)
        output_shape = _unpooled_shape(shape, self.pool_size, self.strides, self.padding)
        return unpool_with_argmax(updates, mask, output_shape)

    def compute_mask(self, inputs, previous_mask=None):
        return None

    def compute_output_shape(self, input_shapes):
        """The unpooled shape, from the updates' shape (or tfa's `[updates, mask]` list)."""
        shape = input_shapes[1] if isinstance(input_shapes[0], (list, tuple)) else input_shapes
        return _unpooled_shape(tuple(shape), self.pool_size, self.strides, self.padding)

    def get_config(self):
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "strides": self.strides,
            "padding": self.padding,
        }
