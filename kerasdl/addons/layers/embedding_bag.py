"""tfa.layers.EmbeddingBag: the sum or mean of the embeddings of a bag of indices."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="Addons")
class EmbeddingBag(keras.layers.Layer):
    """Looks up a bag of embeddings and reduces it over the last index axis (PyTorch's
    `EmbeddingBag`): `layer(indices, weights=None)` with `indices` [..., bag] gives
    [..., output_dim], the (weighted) sum, or with `combiner="mean"` the mean, of the rows.

    tfa fused the gather and the sum in a custom kernel (2-D `indices` only); this is
    `ops.take` and a sum, for any rank. As tfa, `mask_zero` only sets `supports_masking`:
    index 0 is summed like any other.

    Args:
        input_dim: number of rows.
        output_dim: embedding size.
        embeddings_initializer, embeddings_regularizer, embeddings_constraint: for the
            table (default U(-0.05, 0.05)).
        mask_zero: kept as tfa kept it (see above).
        combiner: "sum" or "mean" (weights need "sum").

    Call arguments:
        indices: integer indices, at least 2-D; the last axis is the bag.
        weights: optional float weights, the shape of `indices`, multiplying each row.
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        mask_zero: bool = False,
        combiner: str = "sum",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if input_dim <= 0 or output_dim <= 0:
            raise ValueError(
                "Both `input_dim` and `output_dim` should be positive, "
                f"found input_dim {input_dim} and output_dim {output_dim}"
            )
        if combiner not in ("sum", "mean"):
            raise ValueError(f"combiner must be 'sum' or 'mean', got {combiner!r}")
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = keras.initializers.get(embeddings_initializer)
        self.embeddings_regularizer = keras.regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = keras.constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.combiner = combiner

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(
            shape=(self.input_dim, self.output_dim),
            name="embeddings",
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
        )

    def call(self, indices, weights=None):
        rows = ops.take(self.embeddings, indices, axis=0)
        if weights is None:
            reduce = ops.mean if self.combiner == "mean" else ops.sum
            return reduce(rows, axis=-2)
        if self.combiner != "sum":
            raise RuntimeError(
                "Combiner mode must be 'sum' when weights are supplied to EmbeddingBag!"
            )
        weights = ops.cast(weights, rows.dtype)
        return ops.sum(rows * ops.expand_dims(weights, -1), axis=-2)

    def compute_output_shape(self, indices_shape):
        return (*indices_shape[:-1], self.output_dim)

    def get_config(self):
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": keras.initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": keras.regularizers.serialize(self.embeddings_regularizer),
            "embeddings_constraint": keras.constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "combiner": self.combiner,
        }
