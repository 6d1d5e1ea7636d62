"""tfa.layers.MultiHeadAttention: tfa's weights, `[query, key, value]` call and values."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="Addons")
class MultiHeadAttention(keras.layers.Layer):
    """Multi-head scaled dot-product attention as tfa 0.23 computed it.

    Vaswani et al. 2017, "Attention Is All You Need" (NeurIPS), section 3.2. Per head h,
    with `d = head_size`:

        q_h = query W^Q_h / sqrt(d),  k_h = key W^K_h,  v_h = value W^V_h
        a_h = softmax(q_h k_h^T - 1e10 (1 - mask))
        output = sum_h (dropout(a_h) v_h) W^O_h (+ bias)

    The weights are tfa's: `query_kernel`, `key_kernel`, `value_kernel` of shape
    `[num_heads, depth, head_size]`, `projection_kernel` `[num_heads, head_size,
    output_size]` and `projection_bias`, with no query/key/value biases, so tfa
    checkpoints' arrays load as they are. `keras.layers.MultiHeadAttention` computes the
    same attention with `key_dim=head_size` but keeps its kernels as `(depth, num_heads,
    head_size)`, biases on every projection (`use_bias`), and is called as
    `(query, value, key)`.

    Args:
        head_size: size of each head's query, key and value projections.
        num_heads: number of heads.
        output_size: last dimension of the output; None means `value`'s (or `key`'s).
        dropout: dropout rate on the attention coefficients.
        use_projection_bias: whether the output projection has a bias.
        return_attn_coef: also return the coefficients `[..., num_heads, N, M]`.
        kernel_initializer, kernel_regularizer, kernel_constraint: for the kernels.
        bias_initializer, bias_regularizer, bias_constraint: for the projection bias.

    Call arguments:
        inputs: `[query, key]` or `[query, key, value]`, shaped `[..., N, depth_q]`,
            `[..., M, depth_k]`, `[..., M, depth_v]`; value defaults to key.
        mask: `[..., (num_heads,) N, M]`, 1 where a query may attend to a key.
        training: whether dropout is active.
    """

    def __init__(
        self,
        head_size: int,
        num_heads: int,
        output_size: int | None = None,
        dropout: float = 0.0,
        use_projection_bias: bool = True,
        return_attn_coef: bool = False,
        kernel_initializer="glorot_uniform",
        kernel_regularizer=None,
        kernel_constraint=None,
        bias_initializer="zeros",
        bias_regularizer=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if output_size is not None and output_size < 1:
            raise ValueError("output_size must be a positive number")
        self.head_size = head_size
        self.num_heads = num_heads
        self.output_size = output_size
        self.use_projection_bias = use_projection_bias
        self.return_attn_coef = return_attn_coef
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.kernel_constraint = keras.constraints.get(kernel_constraint)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.bias_constraint = keras.constraints.get(bias_constraint)
        self.dropout = keras.layers.Dropout(dropout)
        self._droput_rate = dropout  # tfa's attribute name (sic)

    def _output_size(self, input_shape):
        depth_v = input_shape[2][-1] if len(input_shape) > 2 else input_shape[1][-1]
        return self.output_size if self.output_size is not None else depth_v

    def _kernel(self, name, shape):
        return self.add_weight(
            name=name,
            shape=shape,
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )

    def build(self, input_shape):
        depth_q, depth_k = input_shape[0][-1], input_shape[1][-1]
        depth_v = input_shape[2][-1] if len(input_shape) > 2 else depth_k
        output_size = self._output_size(input_shape)
        heads, size = self.num_heads, self.head_size
        self.query_kernel = self._kernel("query_kernel", (heads, depth_q, size))
        self.key_kernel = self._kernel("key_kernel", (heads, depth_k, size))
        self.value_kernel = self._kernel("value_kernel", (heads, depth_v, size))
        self.projection_kernel = self._kernel("projection_kernel", (heads, size, output_size))
        self.projection_bias = None
        if self.use_projection_bias:
            self.projection_bias = self.add_weight(
                name="projection_bias",
                shape=(output_size,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def call(self, inputs, training=None, mask=None):
        query, key = inputs[0], inputs[1]
        value = inputs[2] if len(inputs) > 2 else key
        if key.shape[-2] != value.shape[-2]:
            raise ValueError(
                "the number of elements in 'key' must be equal to the same as the number "
                "of elements in 'value'"
            )
        if isinstance(mask, list | tuple):  # Keras' per-input masks, not tfa's [N, M] mask
            if any(m is not None for m in mask):
                raise ValueError("mask must be one [..., N, M] tensor, not one per input")
            mask = None
        if mask is not None:
            if len(mask.shape) < 2:
                raise ValueError("'mask' must have atleast 2 dimensions")
            if query.shape[-2] != mask.shape[-2]:
                raise ValueError(
                    "mask's second to last dimension must be equal to the number of "
                    "elements in 'query'"
                )
            if key.shape[-2] != mask.shape[-1]:
                raise ValueError(
                    "mask's last dimension must be equal to the number of elements in 'key'"
                )
        query = ops.einsum("...NI,HIO->...NHO", query, self.query_kernel)
        key = ops.einsum("...MI,HIO->...MHO", key, self.key_kernel)
        value = ops.einsum("...MI,HIO->...MHO", value, self.value_kernel)
        query = query / ops.sqrt(ops.cast(self.head_size, query.dtype))
        logits = ops.einsum("...NHO,...MHO->...HNM", query, key)
        if mask is not None:
            mask = ops.cast(mask, logits.dtype)
            if len(mask.shape) != len(logits.shape):
                mask = ops.expand_dims(mask, -3)
            logits = logits + -10e9 * (1.0 - mask)
        attn_coef = ops.softmax(logits, axis=-1)
        dropped = self.dropout(attn_coef, training=training)
        heads = ops.einsum("...HNM,...MHI->...NHI", dropped, value)
        output = ops.einsum("...NHI,HIO->...NO", heads, self.projection_kernel)
        if self.projection_bias is not None:
            output = output + self.projection_bias
        if self.return_attn_coef:
            return output, attn_coef
        return output

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        output_shape = tuple(input_shape[0][:-1]) + (self._output_size(input_shape),)
        if not self.return_attn_coef:
            return output_shape
        coef_shape = tuple(input_shape[0][:-2]) + (
            self.num_heads,
            input_shape[0][-2],
            input_shape[1][-2],
        )
        return output_shape, coef_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            head_size=self.head_size,
            num_heads=self.num_heads,
            output_size=self.output_size,
            dropout=self._droput_rate,
            use_projection_bias=self.use_projection_bias,
            return_attn_coef=self.return_attn_coef,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            kernel_regularizer=keras.regularizers.serialize(self.kernel_regularizer),
            kernel_constraint=keras.constraints.serialize(self.kernel_constraint),
            bias_initializer=keras.initializers.serialize(self.bias_initializer),
            bias_regularizer=keras.regularizers.serialize(self.bias_regularizer),
            bias_constraint=keras.constraints.serialize(self.bias_constraint),
        )
        return config
