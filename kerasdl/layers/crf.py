"""`CRF`: a linear-chain CRF output layer that trains with `compile`/`fit` and decodes tags.

    inputs = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(vocab_size, 64, mask_zero=True)(inputs)
    x = keras.layers.Bidirectional(keras.layers.LSTM(64, return_sequences=True))(x)
    tags = kerasdl.layers.CRF(num_tags)(x)          # [B, T] int32, Viterbi, padding 0
    model = keras.Model(inputs, tags)
    model.compile("adam", loss=kerasdl.layers.CRFLoss(),
                  metrics=[kerasdl.metrics.MaskedTokenAccuracy()])
    model.fit(token_ids, tag_ids)                   # tag_ids: [B, T] int

The layer's output is the decoded tag sequence in training and at inference alike, so
`predict`, `evaluate` and an exported SavedModel all return tags. For the loss it attaches
its potentials, transition matrix and row lengths to the Keras mask of that output (which
Keras carries from the layer to the loss, under tf.distribute and XLA too); `CRFLoss`
reads them there, so the CRF must be a model output. That mask is the only channel: no
global state. (keras-hub's tasks instead override `Model.compute_loss`, and tfa had a model
wrapper; both need a model class of their own, where a plain `keras.Model` trains here.)
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from kerasdl._keras_private import (
    get_keras_mask,
    get_tensor_attr,
    in_symbolic_scope,
    set_keras_mask,
    set_tensor_attr,
)
from kerasdl.losses import scale_loss_for_distribution
from kerasdl.ops import crf as crf_ops

__all__ = ["CRF", "CRFLoss"]

_STATE_ATTR = "_kerasdl_crf_state"


def _as_bool_list(value, shape):
    if value is None:
        return None
    array = np.asarray(value).astype(bool)
    if array.shape != shape:
        raise ValueError(f"Expected a boolean mask of shape {shape}, got {array.shape}.")
    return array.tolist()


@keras.saving.register_keras_serializable(package="kerasdl")
class CRF(keras.layers.Layer):
    """Linear-chain CRF output layer (Lafferty et al., 2001) with Viterbi decoding.

    Takes per-token features `[B, T, F]`, projects them to unary potentials `[B, T, units]`
    (or takes potentials directly with `use_kernel=False`), owns the transition matrix
    `[units, units]` and optional start/end boundary scores, and returns the Viterbi tags
    `[B, T]` int32 with positions past each row's length set to 0. Rows are right-padded;
    their lengths come from `sequence_lengths` if given, else from the Keras mask (e.g.
    `Embedding(mask_zero=True)`), else every row has length `T`. A Keras mask that is not
    right-padded (left padding `[0, 1, 1]`, or gaps) chains each row's real tokens in their
    order, as the same row right-padded would, and returns their tags in their own
    positions (0 where the mask is false); tfa 0.23 raised `NotImplementedError` there.
    Train it with `CRFLoss`.

    Args:
        units: number of tags `K`.
        use_kernel: project the inputs with a dense kernel (and bias); if False the inputs
            must already be potentials with `units` channels.
        use_bias: add a bias to the projection.
        use_boundary: learn start and end scores added to the first and last potentials of
            each row (tfa's `use_boundary`).
        allowed_transitions: optional `[units, units]` bool; `allowed[i, j]` permits tag `i`
            followed by `j` (see `kerasdl.ops.bio_transition_constraints`). Always applied
            when decoding; in training only if `constrain_training`.
        allowed_start: optional `[units]` bool of tags a row may start with.
        allowed_end: optional `[units]` bool of tags a row may end with.
        constrain_training: also apply the constraints to the likelihood in training, so
            forbidden paths get no probability mass (their transition scores then get no
            gradient).
        kernel_initializer, bias_initializer, transitions_initializer,
        boundary_initializer: initializers of the weights.
        kernel_regularizer, transitions_regularizer: optional regularizers.

    Call arguments:
        inputs: `[B, T, F]` features (or `[B, T, units]` potentials).
        mask: `[B, T]` bool Keras mask, true on real tokens (any padding).
        sequence_lengths: optional `[B]` int lengths, overriding the mask.
    """

    def __init__(
        self,
        units: int,
        use_kernel: bool = True,
        use_bias: bool = True,
        use_boundary: bool = True,
        allowed_transitions=None,
        allowed_start=None,
        allowed_end=None,
        constrain_training: bool = False,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        transitions_initializer="glorot_uniform",
        boundary_initializer="zeros",
        kernel_regularizer=None,
        transitions_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = int(units)
        self.use_kernel = use_kernel
        self.use_bias = use_bias
        self.use_boundary = use_boundary
        self.allowed_transitions = _as_bool_list(allowed_transitions, (self.units, self.units))
        self.allowed_start = _as_bool_list(allowed_start, (self.units,))
        self.allowed_end = _as_bool_list(allowed_end, (self.units,))
        self.constrain_training = constrain_training
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.transitions_initializer = keras.initializers.get(transitions_initializer)
        self.boundary_initializer = keras.initializers.get(boundary_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.transitions_regularizer = keras.regularizers.get(transitions_regularizer)
        self.supports_masking = True

    def build(self, input_shape):
        features = input_shape[-1]
        if self.use_kernel:
            self.kernel = self.add_weight(
                name="kernel",
                shape=(features, self.units),
                initializer=self.kernel_initializer,
                regularizer=self.kernel_regularizer,
            )
            self.bias = (
                self.add_weight(name="bias", shape=(self.units,), initializer=self.bias_initializer)
                if self.use_bias
                else None
            )
        elif features is not None and features != self.units:
            raise ValueError(
                f"With use_kernel=False the inputs are potentials and need {self.units} "
                f"channels (units); got {features}."
            )
        # The CRF runs in float32 even under mixed precision: the forward algorithm sums
        # T terms and the likelihood's gradient is a difference of near-equal values.
        self.transitions = self.add_weight(
            name="transitions",
            shape=(self.units, self.units),
            initializer=self.transitions_initializer,
            regularizer=self.transitions_regularizer,
            dtype="float32",
            autocast=False,
        )
        if self.use_boundary:
            self.start_transitions = self.add_weight(
                name="start_transitions",
                shape=(self.units,),
                initializer=self.boundary_initializer,
                dtype="float32",
                autocast=False,
            )
            self.end_transitions = self.add_weight(
                name="end_transitions",
                shape=(self.units,),
                initializer=self.boundary_initializer,
                dtype="float32",
                autocast=False,
            )

    def _lengths(self, inputs, mask, sequence_lengths):
        if sequence_lengths is not None:
            return ops.cast(ops.reshape(sequence_lengths, (-1,)), "int32")
        if mask is not None:
            return ops.sum(ops.cast(mask, "int32"), axis=1)
        batch_size, max_length = ops.shape(inputs)[0], ops.shape(inputs)[1]
        return ops.full((batch_size,), max_length, dtype="int32")

    def _project(self, inputs):
        potentials = inputs
        if self.use_kernel:
            potentials = ops.matmul(inputs, self.kernel)
            if self.bias is not None:
                potentials = potentials + self.bias
        return ops.cast(potentials, "float32")

    def _has_constraints(self) -> bool:
        constraints = (self.allowed_transitions, self.allowed_start, self.allowed_end)
        return any(c is not None for c in constraints)

    def _crf_inputs(self, potentials, lengths, constrained):
        """Folds boundary scores (and, if `constrained`, the allowed-transition masks as
        `kerasdl.ops.crf.FORBIDDEN_SCORE`) into the potentials and transitions."""
        transitions = ops.convert_to_tensor(self.transitions)
        start = end = None
        if self.use_boundary:
            start, end = self.start_transitions, self.end_transitions
        if constrained:
            if self.allowed_transitions is not None:
                transitions = crf_ops.crf_constrain_transitions(
                    transitions, np.asarray(self.allowed_transitions)
                )
            if self.allowed_start is not None:
                penalty = np.where(self.allowed_start, 0.0, crf_ops.FORBIDDEN_SCORE)
                # ops.add, not ndarray +: NumPy would try to convert a symbolic variable.
                start = ops.add(penalty.astype("float32"), 0.0 if start is None else start)
            if self.allowed_end is not None:
                penalty = np.where(self.allowed_end, 0.0, crf_ops.FORBIDDEN_SCORE)
                end = ops.add(penalty.astype("float32"), 0.0 if end is None else end)
        if start is None and end is None:
            return potentials, transitions
        zeros = np.zeros((self.units,), "float32")
        start = zeros if start is None else start
        end = zeros if end is None else end
        positions = ops.expand_dims(ops.arange(ops.shape(potentials)[1], dtype="int32"), 0)
        is_first = ops.cast(ops.expand_dims(positions == 0, 2), "float32")
        is_last = ops.expand_dims(positions == ops.expand_dims(lengths - 1, 1), 2)
        is_last = ops.cast(is_last, "float32")
        return potentials + is_first * start + is_last * end, transitions

    def _packed_unary(self, inputs, mask, sequence_lengths):
        """`(unary potentials [B, T, K], packing order [B, T] or None)`: with a Keras mask
        (and no `sequence_lengths`), each row's real tokens moved to its front in their order,
        so that any padding scores as right padding (`order` is the identity on
        right-padded rows)."""
        unary = self._project(inputs)
        if mask is None or sequence_lengths is not None:
            return unary, None
        positions = ops.expand_dims(ops.arange(ops.shape(unary)[1], dtype="int32"), 0)
        keys = ops.where(mask, positions, positions + ops.shape(unary)[1])  # all distinct
        order = ops.cast(ops.argsort(keys, axis=1), "int32")
        return ops.take_along_axis(unary, ops.expand_dims(order, 2), axis=1), order

    def crf_inputs(self, inputs, mask=None, sequence_lengths=None, constrained=None):
        """What the CRF scores: `(potentials [B, T, K], transitions [K, K], lengths [B])`.

        Potentials include the boundary scores, with each row's real tokens first (a Keras
        mask that is not right-padded is packed; see the class docstring); `constrained`
        (default: whether the likelihood is constrained, `constrain_training`) applies the
        allowed transitions. Use it with `kerasdl.ops` functions, e.g. for marginals or
        n-best decoding.
        """
        if constrained is None:
            constrained = self.constrain_training and self._has_constraints()
        potentials, _ = self._packed_unary(inputs, mask, sequence_lengths)
        lengths = self._lengths(inputs, mask, sequence_lengths)
        potentials, transitions = self._crf_inputs(potentials, lengths, constrained)
        return potentials, transitions, lengths

    def call(self, inputs, mask=None, sequence_lengths=None, training=None):
        unary, order = self._packed_unary(inputs, mask, sequence_lengths)
        lengths = self._lengths(inputs, mask, sequence_lengths)
        constrained = self._has_constraints()
        potentials, transitions = self._crf_inputs(unary, lengths, constrained)
        tags, _ = crf_ops.crf_decode(potentials, transitions, lengths)
        if constrained and not self.constrain_training:
            potentials, transitions = self._crf_inputs(unary, lengths, False)
        if order is None:
            output_mask = crf_ops._sequence_mask(lengths, ops.shape(tags)[1])
        else:
            # Back to the tokens' own positions; the packed padding's tags are 0.
            tags = ops.take_along_axis(tags, ops.argsort(order, axis=1), axis=1)
            output_mask = ops.not_equal(ops.cast(mask, "int32"), 0)
        # The state rides on the output's Keras mask, a fresh tensor that Keras carries
        # from the layer to the loss (it re-attaches masks wherever it converts outputs,
        # e.g. under tf.distribute or the JAX trainer's stateless calls).
        state = (potentials, transitions, lengths, order)
        set_tensor_attr(output_mask, _STATE_ATTR, state)
        set_keras_mask(tags, output_mask)
        return tags

    def compute_mask(self, inputs, mask=None):
        return mask

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:2])

    def compute_output_spec(self, inputs, mask=None, sequence_lengths=None, training=None):
        return keras.KerasTensor(tuple(inputs.shape[:2]), dtype="int32")

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "use_kernel": self.use_kernel,
                "use_bias": self.use_bias,
                "use_boundary": self.use_boundary,
                "allowed_transitions": self.allowed_transitions,
                "allowed_start": self.allowed_start,
                "allowed_end": self.allowed_end,
                "constrain_training": self.constrain_training,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
                "transitions_initializer": keras.initializers.serialize(
                    self.transitions_initializer
                ),
                "boundary_initializer": keras.initializers.serialize(self.boundary_initializer),
                "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
                "transitions_regularizer": keras.regularizers.serialize(
                    self.transitions_regularizer
                ),
            }
        )
        return config


@keras.saving.register_keras_serializable(package="kerasdl")
class CRFLoss(keras.losses.Loss):
    """Negative log-likelihood of the gold tags under the `CRF` layer that made `y_pred`.

    `-log p(y_true | x) = log Z(x) - score(y_true)` per row (Lafferty et al., 2001), over
    each row's own length (padded positions of `y_true` are ignored; rows of length 0 give
    0), then reduced over the batch with optional per-row `sample_weight`. Under a
    distribution strategy the averaged reductions are divided by the number of replicas,
    as Keras' own losses are, so the summed replica losses and gradients are their mean.

    Args:
        reduction: "sum_over_batch_size" (default: mean over rows), "sum", "mean" (weighted
            mean) or "none" (`[B]`).
        name: loss name.

    `y_true` is `[B, T]` int tags; `y_pred` must be the output of a `CRF` layer.
    """

    def __init__(self, reduction="sum_over_batch_size", name="crf_loss", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def __call__(self, y_true, y_pred, sample_weight=None):
        mask = get_keras_mask(y_pred)
        state = None if mask is None else get_tensor_attr(mask, _STATE_ATTR)
        if state is None and in_symbolic_scope():
            # Keras evaluates compiled losses on stand-in tensors (`compute_output_spec`,
            # always in a SymbolicScope) to learn their output shapes only: the value is
            # never trained on. Anywhere else a missing state is an error, never a silent 0.
            return ops.zeros((), dtype=self.dtype) * ops.cast(ops.sum(y_pred), self.dtype)
        if state is None:
            raise ValueError(
                "CRFLoss needs the output of a kerasdl.layers.CRF layer as y_pred (the CRF "
                "must be a model output, not followed by other layers)."
            )
        potentials, transitions, lengths, order = state
        tags = ops.cast(y_true, "int32")
        if len(tags.shape) == 3 and tags.shape[-1] == 1:
            tags = ops.squeeze(tags, -1)
        if order is not None:
            tags = ops.take_along_axis(tags, order, axis=1)
        log_likelihood, _ = crf_ops.crf_log_likelihood(potentials, tags, lengths, transitions)
        losses = -log_likelihood
        if sample_weight is not None:
            sample_weight = ops.cast(sample_weight, losses.dtype)
            if len(sample_weight.shape) > 1:
                sample_weight = ops.reshape(sample_weight, (ops.shape(sample_weight)[0], -1))
                sample_weight = sample_weight[:, 0]
            losses = losses * sample_weight
        if self.reduction == "none":
            return ops.cast(losses, self.dtype)
        total = ops.sum(losses)
        if self.reduction == "sum":
            return ops.cast(total, self.dtype)
        if self.reduction == "mean" and sample_weight is not None:
            mean = ops.divide_no_nan(total, ops.sum(sample_weight))
        else:
            mean = ops.divide_no_nan(total, ops.cast(ops.shape(losses)[0], losses.dtype))
        # Each replica averages its own rows; Keras sums the replicas' losses and gradients.
        return ops.cast(scale_loss_for_distribution(mean), self.dtype)

    def call(self, y_true, y_pred):
        raise NotImplementedError("CRFLoss is computed in __call__ from the CRF layer state.")
