"""tfa.layers.MaxUnpooling2DV2: max unpooling to a stated output size."""

import keras

from kerasdl.addons.layers.max_unpooling_2d import normalize_tuple, unpool_with_argmax


@keras.saving.register_keras_serializable(package="Addons")
class MaxUnpooling2DV2(keras.layers.Layer):
    """Unpools the output of a max pooling to `output_size`: `layer(updates, mask)` puts
    each pooled value back where `tf.nn.max_pool_with_argmax` found it, zeros elsewhere.

    Unlike `MaxUnpooling2D` it takes the size to restore instead of strides and padding,
    since one pooled size can come from several input sizes. As tfa, the argmax must not
    include the batch (`include_batch_in_index=False`).

    Args:
        output_size: 4 ints `(batch_size, height, width, channels)`, all known.

    Call arguments:
        updates: [B, h, w, C] pooled values.
        mask: [B, h, w, C] the argmax of each (any integer or float dtype).
    """

    def __init__(self, output_size, **kwargs):
        super().__init__(**kwargs)
        self.output_size = normalize_tuple(output_size, 4, "output_size")
        # `mask` is an argument, not a Keras mask: the output carries none.
        self.supports_masking = True

    def call(self, updates, mask):
        return unpool_with_argmax(updates, mask, self.output_size)

    def compute_mask(self, inputs, previous_mask=None):
        return None

    def compute_output_shape(self, input_shapes):
        return self.output_size

    def get_config(self):
        return {**super().get_config(), "output_size": self.output_size}
