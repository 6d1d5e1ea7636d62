"""Linear-chain conditional random field, in `keras.ops` (runs on every Keras backend).

A linear-chain CRF (Lafferty, McCallum and Pereira, 2001, "Conditional Random Fields:
Probabilistic Models for Segmenting and Labeling Sequence Data") scores a tag sequence
`y_1..y_n` of a row with unary potentials `x[t, k]` and a transition matrix `A[i, j]`:

    score(y) = sum_t x[t, y_t] + sum_{t>0} A[y_{t-1}, y_t]
    log p(y | x) = score(y) - log Z(x),   log Z(x) = logsumexp over all K**n paths

`log Z` comes from the forward algorithm in log space (alpha_t = x_t + logsumexp_i(alpha_{t-1,i}
+ A[i, :])) and the best path from Viterbi with back-tracking. Every function follows the
argument order and meaning of tensorflow-addons 0.23 `tfa.text` (`crf_log_likelihood`,
`crf_decode`, ...), batched over right-padded rows with their own lengths, with two
deliberate differences from tfa: length-0 rows give log-likelihood 0, tags all 0 and
score 0, and decoded tags past a row's length are always 0 (tfa left them arbitrary,
tensorflow/addons#2639).

The recursions run over time steps. When the time axis has a static size up to
`UNROLL_LIMIT` they are unrolled at trace time, which on CPU graphs is several times faster
than a symbolic loop; longer or dynamic sequences use `keras.ops.scan`.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import ops

__all__ = [
    "bio_transition_constraints",
    "crf_binary_score",
    "crf_constrain_transitions",
    "crf_decode",
    "crf_log_likelihood",
    "crf_log_norm",
    "crf_sequence_score",
    "crf_unary_score",
    "viterbi_decode",
]

# Time steps up to which the recursions are unrolled when the sequence length is static.
UNROLL_LIMIT = 128

# Score given to a forbidden transition. Finite, so that logsumexp and its gradient never
# meet `inf - inf`; far below any reachable path score (|potentials| <= 1e4, T in the
# thousands), so a forbidden path never wins while an allowed one exists.
FORBIDDEN_SCORE = -1e9


def _static_length(x) -> int | None:
    length = x.shape[1]
    return None if length is None else int(length)


def _sequence_mask(sequence_lengths, max_length, dtype="bool"):
    """`[B, T]` mask, true where `t < sequence_lengths[b]`."""
    positions = ops.arange(max_length, dtype="int32")
    mask = ops.expand_dims(positions, 0) < ops.expand_dims(sequence_lengths, 1)
    return mask if dtype == "bool" else ops.cast(mask, dtype)


def _max_length(x):
    static = _static_length(x)
    return static if static is not None else ops.shape(x)[1]


def _prepare(inputs, sequence_lengths, transition_params):
    inputs = ops.convert_to_tensor(inputs)
    if not keras.backend.is_float_dtype(inputs.dtype):
        inputs = ops.cast(inputs, "float32")
    sequence_lengths = ops.cast(sequence_lengths, "int32")
    transition_params = ops.cast(transition_params, inputs.dtype)
    return inputs, sequence_lengths, transition_params


def _scan_steps(step, init, xs, length, reverse=False):
    """`carry, y = step(carry, x)` over the leading (time) axis of `xs` (a tensor or list).

    Returns the final carry and the per-step outputs `y` stacked on a new leading axis (in
    time order also when `reverse`). Unrolled at trace time when `length` is static and at
    most `UNROLL_LIMIT`, else `keras.ops.scan`.
    """
    is_list = isinstance(xs, list)
    if length is None or length > UNROLL_LIMIT:
        if not is_list:
            return ops.scan(step, init, xs, reverse=reverse)
        # One packed tensor: keras.ops.scan on TensorFlow (Keras 3.15) fails on several xs
        # with an unknown length. All xs here are [T, B, *] with a static last axis.
        dtypes = [x.dtype for x in xs]
        splits = list(np.cumsum([int(x.shape[-1]) for x in xs])[:-1])
        packed = ops.concatenate([ops.cast(x, xs[0].dtype) for x in xs], axis=-1)

        def packed_step(carry, x):
            parts = ops.split(x, splits, axis=-1)
            return step(carry, [ops.cast(p, d) for p, d in zip(parts, dtypes, strict=True)])

        return ops.scan(packed_step, init, packed, reverse=reverse)
    slices = [ops.unstack(x, num=length, axis=0) for x in (xs if is_list else [xs])]
    carry, ys = init, [None] * length
    for t in reversed(range(length)) if reverse else range(length):
        carry, ys[t] = step(carry, [s[t] for s in slices] if is_list else slices[0][t])
    if isinstance(ys[0], tuple):
        return carry, tuple(ops.stack(list(y), axis=0) for y in zip(*ys, strict=True))
    return carry, ops.stack(ys, axis=0)


def _logsumexp_over_previous(alpha, transition_params):
    """`logsumexp_i(alpha[b, i] + A[i, j])` -> `[B, K]`, stable for any magnitude."""
    scores = ops.expand_dims(alpha, 2) + transition_params
    # Shifting by a constant does not change the value; stop_gradient keeps the backward
    # pass the plain softmax instead of differentiating through the max.
    shift = ops.stop_gradient(ops.max(scores, axis=1))
    return shift + ops.log(ops.sum(ops.exp(scores - ops.expand_dims(shift, 1)), axis=1))


def crf_unary_score(tag_indices, sequence_lengths, inputs):
    """Sum of unary potentials along each row's tag path.

    Args:
        tag_indices: `[B, T]` int tags; positions past a row's length are ignored.
        sequence_lengths: `[B]` int lengths.
        inputs: `[B, T, K]` unary potentials.

    Returns:
        `[B]` float: `sum_{t < n_b} inputs[b, t, tag_indices[b, t]]`.
    """
    inputs = ops.convert_to_tensor(inputs)
    sequence_lengths = ops.cast(sequence_lengths, "int32")
    max_length = _max_length(inputs)
    mask = _sequence_mask(sequence_lengths, max_length)
    tags = ops.where(mask, ops.cast(tag_indices, "int32"), 0)
    num_tags = ops.shape(inputs)[2]
    picked = ops.sum(inputs * ops.one_hot(tags, num_tags, dtype=inputs.dtype), axis=2)
    return ops.sum(ops.where(mask, picked, ops.zeros_like(picked)), axis=1)


def crf_binary_score(tag_indices, sequence_lengths, transition_params):
    """Sum of transition scores along each row's tag path.

    Args:
        tag_indices: `[B, T]` int tags; positions past a row's length are ignored.
        sequence_lengths: `[B]` int lengths.
        transition_params: `[K, K]`; `transition_params[i, j]` scores tag `i` followed by `j`.

    Returns:
        `[B]` float: `sum_{0 < t < n_b} transition_params[tag[b, t-1], tag[b, t]]`.
    """
    transition_params = ops.convert_to_tensor(transition_params)
    tag_indices = ops.cast(tag_indices, "int32")
    sequence_lengths = ops.cast(sequence_lengths, "int32")
    max_length = _max_length(tag_indices)
    mask = _sequence_mask(sequence_lengths, max_length)
    tags = ops.where(mask, tag_indices, 0)
    num_tags = ops.shape(transition_params)[0]
    pair_index = tags[:, :-1] * num_tags + tags[:, 1:]
    scores = ops.take(ops.reshape(transition_params, (-1,)), pair_index, axis=0)
    return ops.sum(ops.where(mask[:, 1:], scores, ops.zeros_like(scores)), axis=1)


def crf_sequence_score(inputs, tag_indices, sequence_lengths, transition_params):
    """Unnormalized score of each row's tag path (unary plus transition scores).

    Args:
        inputs: `[B, T, K]` unary potentials.
        tag_indices: `[B, T]` int tags.
        sequence_lengths: `[B]` int lengths (0 gives score 0).
        transition_params: `[K, K]` transition scores.

    Returns:
        `[B]` float scores.
    """
    inputs, sequence_lengths, transition_params = _prepare(
        inputs, sequence_lengths, transition_params
    )
    unary = crf_unary_score(tag_indices, sequence_lengths, inputs)
    binary = crf_binary_score(tag_indices, sequence_lengths, transition_params)
    return unary + binary


def _forward_log_space(rest, first, transition_params, steps):
    """Forward algorithm with a `[B, K, K]` logsumexp per step: exact for any magnitude.

    Returns the alphas of steps `1..T-1`, time-major `[T-1, B, K]`.
    """

    def step(alpha, inputs_t):
        alpha = inputs_t + _logsumexp_over_previous(alpha, transition_params)
        return alpha, alpha

    _, alphas = _scan_steps(step, first, rest, steps)
    return alphas


def _forward_scaled(rest, first, transition_params, steps):
    """Forward algorithm in probability space with per-step scaling (Rabiner, 1989, sec. V.A).

    `logsumexp_i(alpha_i + A_ij) = m + c_j + log(sum_i exp(alpha_i - m) exp(A_ij - c_j))`
    with `m = max_i alpha_i` and `c_j = max_i A_ij`, so each step is one `[B, K] x [K, K]`
    matmul instead of a `[B, K, K]` logsumexp, while the alphas stay in log space.

    Returns the alphas of steps `1..T-1` (`[T-1, B, K]`) and the smallest scaled sum. Terms
    of a sum that underflow are below 1.2e-38, so a sum of at least `_SCALED_SUM_FLOOR` is
    exact to float32 rounding; below it (potential gaps beyond ~64 nats) the caller falls
    back to `_forward_log_space`.
    """
    column_shift = ops.stop_gradient(ops.max(transition_params, axis=0, keepdims=True))
    scaled_transitions = ops.exp(transition_params - column_shift)

    def step(carry, inputs_t):
        alpha, _ = carry
        shift = ops.stop_gradient(ops.max(alpha, axis=1, keepdims=True))
        scaled_sum = ops.matmul(ops.exp(alpha - shift), scaled_transitions)
        # _TINY keeps log (and its gradient) finite where a sum underflowed to 0; such
        # results are discarded, and elsewhere it is below float32 rounding.
        alpha = (inputs_t + shift) + ops.log(scaled_sum + _TINY)
        smallest = ops.min(scaled_sum)
        # keras.ops.scan on TensorFlow needs each step's output shaped like the carry.
        return (alpha, smallest), (alpha, smallest)

    init = (first, ops.ones((), dtype=first.dtype))
    _, (alphas, smallest) = _scan_steps(step, init, rest + column_shift, steps)
    return alphas, ops.min(smallest)


_SCALED_SUM_FLOOR = 1e-28
_TINY = 2e-38  # smallest normal float32 is 1.18e-38; CPUs flush smaller values to zero


def _forward(inputs, sequence_lengths, transition_params):
    """Forward algorithm; returns `[B, K]` alphas at each row's last valid position."""
    max_length = _static_length(inputs)
    first = inputs[:, 0]
    rest = ops.transpose(inputs[:, 1:], (1, 0, 2))
    steps = None if max_length is None else max_length - 1
    alphas, smallest = _forward_scaled(rest, first, transition_params, steps)
    alphas = ops.cond(
        smallest >= _SCALED_SUM_FLOOR,
        lambda: alphas,
        lambda: _forward_log_space(rest, first, transition_params, steps),
    )
    alphas = ops.concatenate([ops.expand_dims(first, 0), alphas], axis=0)
    positions = ops.arange(_max_length(inputs), dtype="int32")
    is_last = ops.expand_dims(positions, 1) == ops.expand_dims(sequence_lengths - 1, 0)
    is_last = ops.expand_dims(ops.cast(is_last, alphas.dtype), 2)
    return ops.sum(alphas * is_last, axis=0)


def crf_log_norm(inputs, sequence_lengths, transition_params):
    """Log partition function `log Z(x)` of each row (forward algorithm in log space).

    Args:
        inputs: `[B, T, K]` unary potentials.
        sequence_lengths: `[B]` int lengths (0 gives 0).
        transition_params: `[K, K]` transition scores.

    Returns:
        `[B]` float `log sum_y exp(score(y))` over all paths of each row's length.
    """
    inputs, sequence_lengths, transition_params = _prepare(
        inputs, sequence_lengths, transition_params
    )
    # Padded positions are arbitrary (even non-finite): zero them so that the recursion can
    # run through them unmasked (the alphas at each row's end are picked afterwards) and no
    # nan reaches the gradient.
    mask = _sequence_mask(sequence_lengths, _max_length(inputs))
    inputs = ops.where(ops.expand_dims(mask, 2), inputs, ops.zeros_like(inputs))
    if _static_length(inputs) == 1:
        alpha = inputs[:, 0]
    else:
        alpha = _forward(inputs, sequence_lengths, transition_params)
    shift = ops.stop_gradient(ops.max(alpha, axis=1, keepdims=True))
    log_norm = ops.squeeze(shift, 1) + ops.log(ops.sum(ops.exp(alpha - shift), axis=1))
    return ops.where(sequence_lengths > 0, log_norm, ops.zeros_like(log_norm))


def crf_log_likelihood(
    inputs,
    tag_indices,
    sequence_lengths,
    transition_params=None,
):
    """Log-likelihood of tag sequences under a linear-chain CRF (Lafferty et al., 2001).

    Args:
        inputs: `[B, T, K]` unary potentials.
        tag_indices: `[B, T]` int gold tags (positions past a row's length are ignored).
        sequence_lengths: `[B]` int lengths in `0..T` (0 gives log-likelihood 0).
        transition_params: `[K, K]` transition scores; if None a Glorot-uniform
            `keras.Variable` is created, as in tfa.

    Returns:
        `(log_likelihood [B], transition_params [K, K])`.
    """
    inputs = ops.convert_to_tensor(inputs)
    if transition_params is None:
        num_tags = int(inputs.shape[2])
        transition_params = keras.Variable(
            keras.initializers.GlorotUniform()((num_tags, num_tags)), name="transitions"
        )
    sequence_scores = crf_sequence_score(inputs, tag_indices, sequence_lengths, transition_params)
    log_norm = crf_log_norm(inputs, sequence_lengths, transition_params)
    return sequence_scores - log_norm, transition_params


def crf_decode(potentials, transition_params, sequence_length):
    """Best tag path of each row (Viterbi algorithm with back-pointers).

    Args:
        potentials: `[B, T, K]` unary potentials.
        transition_params: `[K, K]` transition scores.
        sequence_length: `[B]` int lengths in `0..T`.

    Returns:
        `(decode_tags [B, T] int32, best_score [B] float)`; tags past a row's length are 0,
        and a length-0 row has all tags 0 and score 0. Ties go to the lowest tag index.
    """
    potentials, sequence_length, transition_params = _prepare(
        potentials, sequence_length, transition_params
    )
    max_length = _static_length(potentials)
    num_tags = ops.shape(potentials)[2]
    mask = _sequence_mask(sequence_length, _max_length(potentials))
    valid = ops.expand_dims(ops.transpose(mask, (1, 0))[1:], 2)
    rest = ops.transpose(potentials[:, 1:], (1, 0, 2))
    transitions_to = ops.transpose(transition_params)

    def forward_step(alpha, x):
        inputs_t, valid_t = x
        new_alpha = inputs_t + ops.max(ops.expand_dims(alpha, 2) + transition_params, axis=1)
        # Rows that have ended keep their last alpha (right padding).
        return ops.where(valid_t, new_alpha, alpha), alpha

    def backward_step(tag, x):
        # The back-pointer of step t is needed only for the tag chosen at t, so it is
        # recomputed here from alpha_{t-1} ([B, K]) rather than stored for every tag
        # ([B, K, K] argmax). top_k breaks ties towards the lowest index, like argmax.
        previous_alpha, valid_t = x
        chosen = ops.one_hot(tag, num_tags, dtype=previous_alpha.dtype)
        incoming = previous_alpha + ops.matmul(chosen, transitions_to)
        previous = ops.top_k(incoming, 1)[1][:, 0]
        # Past a row's end the tag chosen at its last position is carried back unchanged.
        previous = ops.where(valid_t[:, 0], previous, tag)
        return previous, previous

    if max_length == 1:
        alpha = potentials[:, 0]
    else:
        steps = None if max_length is None else max_length - 1
        alpha, previous_alphas = _scan_steps(forward_step, potentials[:, 0], [rest, valid], steps)

    best_score = ops.max(alpha, axis=1)
    last_tag = ops.top_k(alpha, 1)[1][:, 0]
    if max_length == 1:
        tags = ops.expand_dims(last_tag, 1)
    else:
        _, path = _scan_steps(
            backward_step, last_tag, [previous_alphas, valid], steps, reverse=True
        )
        tags = ops.concatenate([ops.transpose(path, (1, 0)), ops.expand_dims(last_tag, 1)], 1)
    tags = ops.cast(tags, "int32")
    tags = ops.where(mask, tags, ops.zeros_like(tags))
    best_score = ops.where(sequence_length > 0, best_score, ops.zeros_like(best_score))
    return tags, best_score


def viterbi_decode(score: np.ndarray, transition_params: np.ndarray) -> tuple[list[int], float]:
    """Best tag path of one sequence, in NumPy (tfa.text.viterbi_decode).

    Args:
        score: `[T, K]` unary potentials.
        transition_params: `[K, K]` transition scores.

    Returns:
        `(viterbi, viterbi_score)`: the best path as a list of `T` ints and its score.
    """
    score = np.asarray(score)
    transition_params = np.asarray(transition_params)
    trellis = np.zeros_like(score)
    backpointers = np.zeros(score.shape, dtype=np.int32)
    trellis[0] = score[0]
    for t in range(1, score.shape[0]):
        candidates = np.expand_dims(trellis[t - 1], 1) + transition_params
        trellis[t] = score[t] + np.max(candidates, axis=0)
        backpointers[t] = np.argmax(candidates, axis=0)
    viterbi = [int(np.argmax(trellis[-1]))]
    for pointers in reversed(backpointers[1:]):
        viterbi.append(int(pointers[viterbi[-1]]))
    viterbi.reverse()
    return viterbi, float(np.max(trellis[-1]))


def crf_constrain_transitions(transition_params, allowed_transitions):
    """Gives forbidden transitions the score `FORBIDDEN_SCORE` (constrained decoding).

    Args:
        transition_params: `[K, K]` transition scores.
        allowed_transitions: `[K, K]` bool (or 0/1); `allowed[i, j]` permits tag `i` -> `j`.

    Returns:
        `[K, K]` scores equal to `transition_params` where allowed.
    """
    transition_params = ops.convert_to_tensor(transition_params)
    allowed = ops.cast(allowed_transitions, "bool")
    forbidden = ops.full_like(transition_params, FORBIDDEN_SCORE)
    return ops.where(allowed, transition_params, forbidden)


def bio_transition_constraints(
    tags: Sequence[str], outside: str = "O"
) -> tuple[np.ndarray, np.ndarray]:
    """Allowed transitions of the BIO (IOB2) scheme: `I-X` only after `B-X` or `I-X`.

    Args:
        tags: the `K` tag names in index order, e.g. `["O", "B-PER", "I-PER", ...]`;
            names other than `B-*`/`I-*` (padding, `O`) are unconstrained.
        outside: the outside tag name (kept for readability of callers; any non-`I-` tag
            may start a sequence).

    Returns:
        `(allowed_transitions [K, K] bool, allowed_start [K] bool)`; a sequence may not
        start with an `I-` tag.
    """
    del outside
    num_tags = len(tags)
    allowed = np.ones((num_tags, num_tags), dtype=bool)
    allowed_start = np.ones((num_tags,), dtype=bool)
    for j, name in enumerate(tags):
        if not name.startswith("I-"):
            continue
        entity = name[2:]
        allowed_start[j] = False
        for i, previous in enumerate(tags):
            allowed[i, j] = previous in (f"B-{entity}", f"I-{entity}")
    return allowed, allowed_start
