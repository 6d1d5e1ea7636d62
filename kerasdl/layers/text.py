"""Layers for text: TextCNN, additive attention pooling, position embedding, Transformer encoder.

Every layer here honours Keras masks (from `Embedding(mask_zero=True)`), so the result for
a text does not depend on how much padding its batch has: the same sentence gives the same
output alone, in a bucketed training batch, or in a serving batch beside a long one.

- `TextCNN`: parallel 1-D convolutions of several widths with max-over-time pooling
  (Kim 2014, "Convolutional Neural Networks for Sentence Classification", sec. 2).
- `AttentionPooling`: additive attention over time (Bahdanau et al. 2015, eq. 6; in the
  form of Yang et al. 2016, "Hierarchical Attention Networks", eqs. 8-10), returning its
  weights for inspection.
- `PositionEmbedding`: learned absolute positions added to token embeddings
  (Vaswani et al. 2017, sec. 3.5, learned variant; Devlin et al. 2019).
- `TransformerEncoder`: one post-norm encoder block (Vaswani et al. 2017, sec. 3.1), or
  pre-norm (Xiong et al. 2020) with `normalize_first=True`.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers, ops

__all__ = ["AttentionPooling", "PositionEmbedding", "TextCNN", "TransformerEncoder"]


@keras.saving.register_keras_serializable(package="kerasdl")
class TextCNN(layers.Layer):
    """Parallel Conv1D of several widths + max-over-time pooling (Kim 2014, sec. 2).

    For each width `h` in `kernel_sizes`, `filters` feature maps
    `c_i = f(w . x_{i:i+h-1} + b)` are computed over the (narrow) windows of the text and
    pooled with `max_i c_i`; the pooled features of all widths are concatenated.

    Masking: padded positions are zeroed before the convolution and windows that reach
    past a text's last token are left out of the max, so padding never changes the
    result. A text shorter than a width keeps its first window (the text followed by
    zeros), which is what padding it to the width gives; the input must have at least
    `max(kernel_sizes)` positions (`TextPreprocessor(min_length=...)` ensures it).

    Args:
        filters: feature maps per width (Kim: 100).
        kernel_sizes: window widths (Kim: 3, 4, 5).
        activation: the non-linearity `f` (Kim: ReLU).
        kernel_initializer, kernel_regularizer, kernel_constraint: for every Conv1D.

    Shapes: `[B, T, D]` (+ mask `[B, T]`) -> `[B, filters * len(kernel_sizes)]`.

    Example:

    ```python
    token_ids = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(100, 16, mask_zero=True)(token_ids)
    features = kerasdl.layers.TextCNN(filters=8, kernel_sizes=(3, 4, 5))(x)  # [B, 24]
    model = keras.Model(token_ids, keras.layers.Dense(2, activation="softmax")(features))
    probabilities = model(np.array([[5, 9, 2, 7, 0, 0]]))
    ```
    """

    def __init__(
        self,
        filters: int = 100,
        kernel_sizes: Sequence[int] = (3, 4, 5),
        activation: str = "relu",
        kernel_initializer: str = "glorot_uniform",
        kernel_regularizer=None,
        kernel_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if filters <= 0 or not kernel_sizes or min(kernel_sizes) <= 0:
            raise ValueError(f"need filters > 0 and widths > 0: {filters}, {kernel_sizes}")
        self.filters = int(filters)
        self.kernel_sizes = tuple(int(k) for k in kernel_sizes)
        self.activation = keras.activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.kernel_constraint = keras.constraints.get(kernel_constraint)
        self.convolutions = [
            layers.Conv1D(
                self.filters,
                width,
                padding="valid",
                kernel_initializer=self.kernel_initializer,
                kernel_regularizer=self.kernel_regularizer,
                kernel_constraint=self.kernel_constraint,
                name=f"conv{width}",
            )
            for width in self.kernel_sizes
        ]
        self.supports_masking = True

    def build(self, input_shape):
        for convolution in self.convolutions:
            convolution.build(input_shape)
        self.built = True

    def call(self, inputs, mask=None):
        x = inputs
        lengths = None
        if mask is not None:
            valid = ops.cast(mask, x.dtype)
            x = x * ops.expand_dims(valid, -1)
            lengths = ops.sum(ops.cast(mask, "int32"), axis=1)
        pooled = []
        for width, convolution in zip(self.kernel_sizes, self.convolutions, strict=True):
            c = self.activation(convolution(x))  # [B, T - width + 1, filters]
            if lengths is not None:
                # Window i covers tokens i .. i+width-1: keep it if it ends inside the text
                # (and always keep window 0).
                windows = ops.arange(ops.shape(c)[1], dtype="int32")
                last = ops.maximum(lengths - width + 1, 1)
                keep = ops.expand_dims(windows, 0) < ops.expand_dims(last, 1)
                lowest = ops.cast(ops.min(c) - 1.0, c.dtype)  # below every kept value
                c = ops.where(ops.expand_dims(keep, -1), c, lowest)
            pooled.append(ops.max(c, axis=1))
        return ops.concatenate(pooled, axis=-1) if len(pooled) > 1 else pooled[0]

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.filters * len(self.kernel_sizes))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_sizes": list(self.kernel_sizes),
                "activation": keras.activations.serialize(self.activation),
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
                "kernel_constraint": keras.constraints.serialize(self.kernel_constraint),
            }
        )
        return config


@keras.saving.register_keras_serializable(package="kerasdl")
class AttentionPooling(layers.Layer):
    """Additive attention pooling over time (Bahdanau et al. 2015; Yang et al. 2016, eqs. 8-10).

        u_t = tanh(W h_t + b),   a_t = softmax_t(u_t . u_w),   s = sum_t a_t h_t

    with a learned context vector `u_w`. Masked positions get weight exactly 0 (a text with
    no valid position pools to zeros), so padding never changes `s` or the weights of
    real tokens.

    Args:
        units: size of `u_t` (the attention's hidden layer).
        return_attention_scores: default of the call argument of the same name.

    Call: `layer(h, mask=None, return_attention_scores=None)`; `h` `[B, T, D]`.
    Returns `s` `[B, D]`, or `(s, a)` with weights `a` `[B, T]` (float32, rows sum to 1
    over valid positions) when `return_attention_scores`.

    Example:

    ```python
    token_ids = np.array([[5, 9, 2, 0, 0]])
    h = keras.layers.Embedding(100, 8, mask_zero=True)(token_ids)
    pooled, weights = kerasdl.layers.AttentionPooling(16)(h, return_attention_scores=True)
    # pooled [1, 8]; weights [1, 5], 0 at the two padded positions
    ```
    """

    def __init__(self, units: int = 128, return_attention_scores: bool = False, **kwargs):
        super().__init__(**kwargs)
        if units <= 0:
            raise ValueError(f"units must be > 0, got {units}")
        self.units = int(units)
        self.return_attention_scores = bool(return_attention_scores)
        self.supports_masking = True

    def build(self, input_shape):
        features = input_shape[-1]
        self.kernel = self.add_weight(
            name="kernel", shape=(features, self.units), initializer="glorot_uniform"
        )
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")
        self.context = self.add_weight(
            name="context", shape=(self.units,), initializer="glorot_uniform"
        )
        self.built = True

    def call(self, inputs, mask=None, return_attention_scores=None):
        if return_attention_scores is None:
            return_attention_scores = self.return_attention_scores
        hidden = ops.tanh(ops.matmul(inputs, self.kernel) + self.bias)
        scores = ops.cast(ops.matmul(hidden, ops.expand_dims(self.context, -1))[..., 0], "float32")
        if mask is None:
            weights = ops.softmax(scores, axis=-1)
        else:
            valid = ops.cast(mask, "float32")
            shifted = scores - ops.max(ops.where(valid > 0, scores, -1e9), axis=-1, keepdims=True)
            exp = ops.exp(ops.minimum(shifted, 0.0)) * valid
            weights = exp / ops.maximum(ops.sum(exp, axis=-1, keepdims=True), 1e-9)
        pooled = ops.sum(inputs * ops.expand_dims(ops.cast(weights, inputs.dtype), -1), axis=1)
        return (pooled, weights) if return_attention_scores else pooled

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape, return_attention_scores=None):
        pooled = (input_shape[0], input_shape[-1])
        if return_attention_scores or (
            return_attention_scores is None and self.return_attention_scores
        ):
            return pooled, tuple(input_shape[:2])
        return pooled

    def compute_output_spec(self, inputs, mask=None, return_attention_scores=None):
        if return_attention_scores is None:
            return_attention_scores = self.return_attention_scores
        pooled = keras.KerasTensor((inputs.shape[0], inputs.shape[-1]), dtype=inputs.dtype)
        if return_attention_scores:
            return pooled, keras.KerasTensor(tuple(inputs.shape[:2]), dtype="float32")
        return pooled

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {"units": self.units, "return_attention_scores": self.return_attention_scores}
        )
        return config


@keras.saving.register_keras_serializable(package="kerasdl")
class PositionEmbedding(layers.Layer):
    """Adds a learned embedding of each position to its input (Vaswani et al. 2017, sec. 3.5,
    learned variant as in BERT).

    Args:
        max_length: the most positions an input may have.
        initializer: of the `[max_length, D]` position table.

    Shapes: `[B, T, D]` -> `[B, T, D]` with `T <= max_length`; the mask passes through.

    Example:

    ```python
    x = np.zeros((2, 6, 16), "float32")
    outputs = kerasdl.layers.PositionEmbedding(max_length=32)(x)  # [2, 6, 16]
    ```
    """

    def __init__(self, max_length: int, initializer: str = "glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        if max_length <= 0:
            raise ValueError(f"max_length must be > 0, got {max_length}")
        self.max_length = int(max_length)
        self.initializer = keras.initializers.get(initializer)
        self.supports_masking = True

    def build(self, input_shape):
        self.position_embeddings = self.add_weight(
            name="embeddings",
            shape=(self.max_length, input_shape[-1]),
            initializer=self.initializer,
        )
        self.built = True

    def call(self, inputs, mask=None):
        length = ops.shape(inputs)[1]
        positions = ops.slice(self.position_embeddings, (0, 0), (length, ops.shape(inputs)[-1]))
        return inputs + ops.cast(ops.expand_dims(positions, 0), inputs.dtype)

    def compute_mask(self, inputs, mask=None):
        return mask

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "max_length": self.max_length,
                "initializer": keras.initializers.serialize(self.initializer),
            }
        )
        return config


@keras.saving.register_keras_serializable(package="kerasdl")
class TransformerEncoder(layers.Layer):
    """One Transformer encoder block (Vaswani et al. 2017, sec. 3.1 and 3.3).

        y = LN(x + Dropout(MHA(x, x, x)));   out = LN(y + Dropout(FFN(y)))

    (`normalize_first=True`: `y = x + Dropout(MHA(LN(x)))`, `out = y + Dropout(FFN(LN(y)))`,
    the pre-norm form of Xiong et al. 2020). Padded positions are excluded as keys by the
    attention mask built from the Keras mask, so they never reach a real token's output.

    Args:
        num_heads: attention heads; the input width must be divisible by it.
        intermediate_dim: hidden width of the position-wise feed-forward network.
        dropout: after attention, inside and after the feed-forward network.
        activation: of the feed-forward network.
        normalize_first: pre-norm instead of post-norm.
        layer_norm_epsilon: of both LayerNormalizations.

    Shapes: `[B, T, D]` (+ mask `[B, T]`) -> `[B, T, D]`; the mask passes through.

    Example:

    ```python
    token_ids = np.array([[5, 9, 2, 0, 0]])
    x = keras.layers.Embedding(100, 16, mask_zero=True)(token_ids)
    x = kerasdl.layers.PositionEmbedding(max_length=32)(x)
    outputs = kerasdl.layers.TransformerEncoder(num_heads=2, intermediate_dim=32)(x)  # [1, 5, 16]
    ```
    """

    def __init__(
        self,
        num_heads: int,
        intermediate_dim: int,
        dropout: float = 0.1,
        activation: str = "relu",
        normalize_first: bool = False,
        layer_norm_epsilon: float = 1e-5,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_heads = int(num_heads)
        self.intermediate_dim = int(intermediate_dim)
        self.dropout = float(dropout)
        self.activation = keras.activations.get(activation)
        self.normalize_first = bool(normalize_first)
        self.layer_norm_epsilon = float(layer_norm_epsilon)
        self.supports_masking = True

    def build(self, input_shape):
        width = input_shape[-1]
        if width % self.num_heads:
            raise ValueError(f"input width {width} is not divisible by num_heads {self.num_heads}")
        self.attention = layers.MultiHeadAttention(
            self.num_heads, width // self.num_heads, dropout=self.dropout, name="attention"
        )
        self.attention.build(input_shape, input_shape)
        self.attention_norm = layers.LayerNormalization(
            epsilon=self.layer_norm_epsilon, name="attention_norm"
        )
        self.attention_norm.build(input_shape)
        self.intermediate = layers.Dense(
            self.intermediate_dim, activation=self.activation, name="intermediate"
        )
        self.intermediate.build(input_shape)
        self.output_dense = layers.Dense(width, name="output")
        self.output_dense.build((*input_shape[:-1], self.intermediate_dim))
        self.output_norm = layers.LayerNormalization(
            epsilon=self.layer_norm_epsilon, name="output_norm"
        )
        self.output_norm.build(input_shape)
        self.dropout_layer = layers.Dropout(self.dropout)
        self.built = True

    def call(self, inputs, mask=None, training=None):
        attention_mask = None
        if mask is not None:
            valid = ops.cast(mask, "bool")
            attention_mask = ops.logical_and(
                ops.expand_dims(valid, 1), ops.ones_like(ops.expand_dims(valid, 2))
            )
        x = inputs
        y = self.attention_norm(x) if self.normalize_first else x
        y = self.attention(y, y, attention_mask=attention_mask, training=training)
        x = x + self.dropout_layer(y, training=training)
        if not self.normalize_first:
            x = self.attention_norm(x)
        y = self.output_norm(x) if self.normalize_first else x
        y = self.output_dense(self.dropout_layer(self.intermediate(y), training=training))
        x = x + self.dropout_layer(y, training=training)
        if not self.normalize_first:
            x = self.output_norm(x)
        return x

    def compute_mask(self, inputs, mask=None):
        return mask

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "num_heads": self.num_heads,
                "intermediate_dim": self.intermediate_dim,
                "dropout": self.dropout,
                "activation": keras.activations.serialize(self.activation),
                "normalize_first": self.normalize_first,
                "layer_norm_epsilon": self.layer_norm_epsilon,
            }
        )
        return config
