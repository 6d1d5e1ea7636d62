"""tfa.layers.CRF: tfa's CRF layer, returning `[decoded, potentials, lengths, chain_kernel]`.

tfa's layer only decodes; training goes through a custom `train_step` that feeds the
returned potentials, lengths and `chain_kernel` to `crf_log_likelihood` (tfa's
`CRFModelWrapper`). `kerasdl.layers.CRF` is the Keras-3-native layer that trains with
`compile(loss=kerasdl.layers.CRFLoss())` and returns the tags alone.
"""

import keras
import numpy as np
from keras import ops

from kerasdl.ops.crf import crf_decode


@keras.saving.register_keras_serializable(package="Addons")
class CRF(keras.layers.Layer):
    """Linear-chain CRF decoding layer with tfa 0.23's arguments and outputs.

    Args:
        units: number of tags `K`.
        chain_initializer: initializer of the `[K, K]` transition matrix `chain_kernel`.
        use_boundary: learn `left_boundary` / `right_boundary` `[K]` scores added to each
            row's first and last (per the mask) potentials.
        boundary_initializer: their initializer.
        use_kernel: project the inputs with a `Dense(units)`; otherwise the inputs are the
            potentials.

    Call arguments:
        inputs: `[B, T, F]`.
        mask: optional `[B, T]` bool, right-padded: a concrete mask that is not raises
            NotImplementedError, as tfa (`kerasdl.layers.CRF` takes any mask).

    Returns:
        `[decoded_sequence [B, T] int32, potentials [B, T, K], sequence_length [B] int32,
        chain_kernel [K, K]]`.
    """

    def __init__(
        self,
        units: int,
        chain_initializer="orthogonal",
        use_boundary: bool = True,
        boundary_initializer="zeros",
        use_kernel: bool = True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.units = int(units)
        self.use_boundary = use_boundary
        self.use_kernel = use_kernel
        self.chain_initializer = keras.initializers.get(chain_initializer)
        self.boundary_initializer = keras.initializers.get(boundary_initializer)
        self._dense_layer = (
            keras.layers.Dense(self.units, dtype=self.dtype_policy) if use_kernel else None
        )

    def build(self, input_shape):
        self.chain_kernel = self.add_weight(
            name="chain_kernel", shape=(self.units, self.units), initializer=self.chain_initializer
        )
        if self.use_boundary:
            self.left_boundary = self.add_weight(
                name="left_boundary", shape=(self.units,), initializer=self.boundary_initializer
            )
            self.right_boundary = self.add_weight(
                name="right_boundary", shape=(self.units,), initializer=self.boundary_initializer
            )
        if self._dense_layer is not None:
            self._dense_layer.build(input_shape)

    def call(self, inputs, mask=None):
        if mask is not None and len(mask.shape) != 2:
            raise ValueError("Input mask to CRF must have dim 2 if not None")
        if mask is not None and _is_concrete(mask):
            _check_right_padded(mask)
        potentials = self._dense_layer(inputs) if self._dense_layer is not None else inputs
        potentials = ops.cast(potentials, self.compute_dtype)
        if self.use_boundary:
            potentials = self._add_boundary_energy(potentials, mask)
        if mask is None:
            batch_size, max_length = ops.shape(inputs)[0], ops.shape(inputs)[1]
            sequence_length = ops.full((batch_size,), max_length, dtype="int32")
        else:
            sequence_length = ops.sum(ops.cast(mask, "int32"), axis=1)
        decoded_sequence, _ = crf_decode(potentials, self.chain_kernel, sequence_length)
        return [
            decoded_sequence,
            potentials,
            sequence_length,
            ops.convert_to_tensor(self.chain_kernel),
        ]

    def _add_boundary_energy(self, potentials, mask):
        start = ops.reshape(ops.cast(self.left_boundary, potentials.dtype), (1, 1, -1))
        end = ops.reshape(ops.cast(self.right_boundary, potentials.dtype), (1, 1, -1))
        if mask is None:
            length = ops.shape(potentials)[1]
            positions = ops.arange(length)[None, :, None]
            is_first = ops.cast(positions == 0, potentials.dtype)
            is_last = ops.cast(positions == length - 1, potentials.dtype)
            return potentials + is_first * start + is_last * end
        mask = ops.cast(mask, "int32")
        zeros = ops.zeros_like(mask[:, :1])
        shifted_right = ops.concatenate([zeros, mask[:, :-1]], axis=1)
        shifted_left = ops.concatenate([mask[:, 1:], zeros], axis=1)
        # 0011100 -> first 0010000 and last 0000100 (tfa's mask boundaries).
        is_first = ops.cast(mask > shifted_right, potentials.dtype)[:, :, None]
        is_last = ops.cast(mask > shifted_left, potentials.dtype)[:, :, None]
        return potentials + is_first * start + is_last * end

    def compute_mask(self, inputs, mask=None):
        return mask

    def compute_output_spec(self, inputs, mask=None):
        batch_size, max_length = inputs.shape[0], inputs.shape[1]
        return [
            keras.KerasTensor((batch_size, max_length), dtype="int32"),
            keras.KerasTensor((batch_size, max_length, self.units), dtype=self.compute_dtype),
            keras.KerasTensor((batch_size,), dtype="int32"),
            keras.KerasTensor((self.units, self.units), dtype=self.variable_dtype),
        ]

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "chain_initializer": keras.initializers.serialize(self.chain_initializer),
                "use_boundary": self.use_boundary,
                "boundary_initializer": keras.initializers.serialize(self.boundary_initializer),
                "use_kernel": self.use_kernel,
            }
        )
        return config


def _is_concrete(tensor) -> bool:
    """A value known now (NumPy, a list, an eager tensor), not a graph or symbolic one."""
    return isinstance(tensor, (np.ndarray, list, tuple)) or hasattr(tensor, "numpy")


def _check_right_padded(mask) -> None:
    """tfa's eager check: each row's real steps come first (`kerasdl.layers.CRF` takes any
    mask)."""
    mask = ops.convert_to_numpy(mask).astype(bool)
    lengths = mask.sum(axis=1)
    if (mask != (np.arange(mask.shape[1])[None, :] < lengths[:, None])).any():
        raise NotImplementedError("CRF layer do not support left padding (kerasdl.layers.CRF does)")
