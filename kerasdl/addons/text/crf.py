"""tfa.text.crf: the functional linear-chain CRF with tfa's names and arguments.

The scoring, normaliser and decoding functions are `kerasdl.ops`' (tfa's argument order;
length-0 rows give 0 and decoded tags past a row's length are 0 — tfa left them
arbitrary). The multi-tag, constrained and step-level functions tfa also exported are
written here in `keras.ops`.
"""

import keras
from keras import ops

from kerasdl.ops.crf import (
    crf_binary_score,
    crf_decode,
    crf_log_likelihood,
    crf_log_norm,
    crf_sequence_score,
    crf_unary_score,
    viterbi_decode,
)

__all__ = [
    "CrfDecodeForwardRnnCell",
    "crf_binary_score",
    "crf_constrained_decode",
    "crf_decode",
    "crf_decode_backward",
    "crf_decode_forward",
    "crf_filtered_inputs",
    "crf_forward",
    "crf_log_likelihood",
    "crf_log_norm",
    "crf_multitag_sequence_score",
    "crf_sequence_score",
    "crf_unary_score",
    "viterbi_decode",
]


def crf_filtered_inputs(inputs, tag_bitmap):
    """`inputs` `[B, T, K]` with the tags `tag_bitmap` (`[B, T, K]` bool) rules out set to
    `-inf`."""
    inputs = ops.convert_to_tensor(inputs)
    minus_inf = ops.full_like(inputs, float("-inf"))
    return ops.where(ops.cast(tag_bitmap, "bool"), inputs, minus_inf)


def crf_multitag_sequence_score(inputs, tag_bitmap, sequence_lengths, transition_params):
    """Log of the summed exp-scores of every tag path allowed by `tag_bitmap` (`[B, T, K]`
    bool, several tags may be correct at a step): `[B]`. One-hot bitmaps give
    `crf_sequence_score`."""
    filtered = crf_filtered_inputs(inputs, tag_bitmap)
    if filtered.shape[1] == 1:
        return ops.logsumexp(filtered, axis=(1, 2))
    return crf_log_norm(filtered, sequence_lengths, transition_params)


def crf_constrained_decode(potentials, tag_bitmap, transition_params, sequence_length):
    """`crf_decode` restricted to the tags `tag_bitmap` (`[B, T, K]` bool) allows:
    `(decode_tags [B, T] int32, best_score [B])`."""
    filtered = crf_filtered_inputs(potentials, tag_bitmap)
    return crf_decode(filtered, transition_params, sequence_length)


def crf_forward(inputs, state, transition_params, sequence_lengths):
    """Forward-algorithm alphas after each row's last step (Collins, "The Forward-Backward
    Algorithm", eq. for alpha): `alpha_t = x_t + logsumexp_i(alpha_{t-1, i} + A[i, :])`.

    Args:
        inputs: `[B, T, K]` unary potentials of the steps after the first.
        state: `[B, K]` alphas of the first step.
        transition_params: `[K, K]`.
        sequence_lengths: `[B]`; row `b` stops after `sequence_lengths[b] - 1` steps.

    Returns:
        `[B, K]` alphas at each row's last position.
    """
    inputs = ops.convert_to_tensor(inputs)
    state = ops.convert_to_tensor(state)
    transitions = ops.expand_dims(ops.cast(transition_params, inputs.dtype), 0)
    last_index = ops.maximum(ops.cast(sequence_lengths, "int32") - 1, 0)

    def step(alpha, inputs_t):
        new_alpha = inputs_t + ops.logsumexp(ops.expand_dims(alpha, 2) + transitions, axis=1)
        return new_alpha, new_alpha

    _, alphas = ops.scan(step, state, ops.transpose(inputs, (1, 0, 2)))
    all_alphas = ops.concatenate([ops.expand_dims(state, 1), ops.transpose(alphas, (1, 0, 2))], 1)
    return ops.take_along_axis(all_alphas, last_index[:, None, None], axis=1)[:, 0]


class CrfDecodeForwardRnnCell(keras.layers.Layer):
    """One Viterbi step as an RNN cell: `(inputs [B, K], [state [B, K]])` ->
    `(backpointers [B, K] int32, [new_state [B, K]])`, with
    `new_state = inputs + max_i(state_i + A[i, :])` and the argmax as backpointers."""

    def __init__(self, transition_params, **kwargs):
        super().__init__(**kwargs)
        self._transition_params = ops.expand_dims(ops.convert_to_tensor(transition_params), 0)
        self._num_tags = int(self._transition_params.shape[-1])

    @property
    def state_size(self):
        return self._num_tags

    @property
    def output_size(self):
        return self._num_tags

    def call(self, inputs, state, training=None):
        state = state[0] if isinstance(state, (list, tuple)) else state
        scores = ops.expand_dims(state, 2) + ops.cast(self._transition_params, state.dtype)
        new_state = inputs + ops.max(scores, axis=1)
        backpointers = ops.cast(ops.argmax(scores, axis=1), "int32")
        return backpointers, [new_state]


def crf_decode_forward(inputs, state, transition_params, sequence_lengths):
    """Viterbi forward pass over the steps after the first.

    Args:
        inputs: `[B, T, K]` unary potentials.
        state: `[B, K]` scores of the first step.
        transition_params: `[K, K]`.
        sequence_lengths: `[B]`; steps at or past a row's length leave its score unchanged
            and give zero backpointers (tfa's masked RNN with `zero_output_for_mask`).

    Returns:
        `(backpointers [B, T, K] int32, last_score [B, K])`.
    """
    inputs = ops.convert_to_tensor(inputs)
    state = ops.convert_to_tensor(state)
    transitions = ops.expand_dims(ops.cast(transition_params, inputs.dtype), 0)
    mask = ops.arange(ops.shape(inputs)[1])[None, :] < ops.cast(sequence_lengths, "int32")[:, None]

    def step(score, xs):
        inputs_t, mask_t = xs
        scores = ops.expand_dims(score, 2) + transitions
        new_score = ops.where(mask_t[:, None], inputs_t + ops.max(scores, axis=1), score)
        # Carried as the scores' dtype: keras.ops.scan stacks outputs in the carry's dtype.
        pointers = ops.cast(ops.argmax(scores, axis=1), score.dtype)
        return new_score, ops.where(mask_t[:, None], pointers, ops.zeros_like(pointers))

    time_major = (ops.transpose(inputs, (1, 0, 2)), ops.transpose(mask, (1, 0)))
    last_score, backpointers = ops.scan(step, state, time_major)
    return ops.cast(ops.transpose(backpointers, (1, 0, 2)), "int32"), last_score


def crf_decode_backward(inputs, state):
    """Viterbi back-tracking: follows `inputs` (`[B, T, K]` backpointers, in time order)
    from `state` (`[B, 1]` tags of the step after the last) and returns the tag of each
    step, `[B, T, 1]`, in the order of `inputs`."""
    inputs = ops.convert_to_tensor(inputs)

    def step(tags, pointers):
        new_tags = ops.take_along_axis(pointers, ops.cast(tags, "int32"), axis=1)
        return new_tags, new_tags

    _, tags = ops.scan(step, ops.convert_to_tensor(state), ops.transpose(inputs, (1, 0, 2)))
    return ops.transpose(tags, (1, 0, 2))
