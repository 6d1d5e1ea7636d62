"""tfa.seq2seq.BeamSearchDecoder and its helpers (`tile_batch`, `gather_tree`,
`gather_tree_from_array`), under Keras 3.

Beam search keeps the `beam_width` best partial hypotheses of each batch entry. At each
step every hypothesis is extended by every token; a candidate's score is its total log
probability, optionally divided by the length penalty and plus the coverage penalty of Wu
et al. 2016 ("Google's Neural Machine Translation System", arXiv:1609.08144, eq. 14):

    lp(Y) = ((5 + |Y|) / 6) ** length_penalty_weight
    cp(X; Y) = coverage_penalty_weight * sum_i log(min(sum_t p_{i,t}, 1))

(the coverage term, as tfa, is added only to hypotheses already finished, and attention
sums of exactly 0 count as 1 so padded memory costs nothing). The `beam_width` best
candidates survive; hypotheses that emitted `end_token` are finished and only extend by
`end_token` at no cost. `gather_tree` then follows the parent pointers back from the last
step to spell out each final beam.

tfa's `gather_tree` was a C++ kernel; here it is a reverse `tf.scan`, with the kernel's
outputs (end tokens past each entry's length and after a beam's first end token) and its
error on a followed parent id outside `[0, beam_width)`. The loop, `TensorArray`s and
gathers are TensorFlow's; the scoring math is `keras.ops`.
"""

from __future__ import annotations

import collections
import logging

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from kerasdl.addons.seq2seq import decoder
from kerasdl.addons.seq2seq.basic_decoder import _check_cell


class BeamSearchDecoderState(
    collections.namedtuple(
        "BeamSearchDecoderState",
        ("cell_state", "log_probs", "finished", "lengths", "accumulated_attention_probs"),
    )
):
    """State of a `BeamSearchDecoder`.

    Attributes:
        cell_state: the cell state, each tensor `[batch_size, beam_width, ...]`.
        log_probs: accumulated log probabilities of each beam `[batch_size, beam_width]`.
        finished: whether each beam has emitted `end_token` `[batch_size, beam_width]`.
        lengths: each beam's length, int64 `[batch_size, beam_width]`.
        accumulated_attention_probs: attention summed over the steps
            `[batch_size, beam_width, memory_time]` (coverage penalty), else `()`.
    """


class BeamSearchDecoderOutput(
    collections.namedtuple("BeamSearchDecoderOutput", ("scores", "predicted_ids", "parent_ids"))
):
    """One step's output of a `BeamSearchDecoder`.

    Attributes:
        scores: the chosen candidates' scores `[batch_size, beam_width]` (with
            `output_all_scores=True`, every candidate's `[batch_size, beam_width, vocab]`).
        predicted_ids: the chosen tokens, int32 `[batch_size, beam_width]`.
        parent_ids: the beam each was extended from, int32 `[batch_size, beam_width]`.
    """


class FinalBeamSearchDecoderOutput(
    collections.namedtuple(
        "FinalBeamDecoderOutput", ["predicted_ids", "beam_search_decoder_output"]
    )
):
    """The result of a beam search.

    Attributes:
        predicted_ids: the final beams, best first, int32 `[batch_size, T, beam_width]`
            (`[T, batch_size, beam_width]` when time major).
        beam_search_decoder_output: the per-step `BeamSearchDecoderOutput`, stacked.
    """


def tile_batch(t, multiplier: int, name: str | None = None):
    """Repeats each batch entry `multiplier` times: `[batch, ...] -> [batch * multiplier,
    ...]` as `t[0], t[0], ..., t[1], t[1], ...` (not `tf.tile`'s order), over a (nested
    structure of) tensor(s), e.g. the encoder outputs and state before a beam search.

    Raises:
        ValueError: a tensor's rank is unknown or 0.
    """

    def tile_one(x):
        if not isinstance(x, keras.KerasTensor):  # symbolic inputs stay Keras'
            x = tf.convert_to_tensor(x, name="t")
        rank = x.shape.rank if isinstance(x.shape, tf.TensorShape) else len(x.shape)
        if rank is None or rank < 1:
            raise ValueError("t must have statically known rank")
        return ops.repeat(x, multiplier, axis=0)

    with tf.name_scope(name or "tile_batch"):
        return tf.nest.map_structure(tile_one, t)


def _as_int32(value, name):
    value = tf.convert_to_tensor(value, name=name)
    if not value.dtype.is_integer:
        raise TypeError(f"{name} must be integers, got {value.dtype.name}")
    return tf.cast(value, tf.int32)


def gather_tree(step_ids, parent_ids, max_sequence_lengths, end_token):
    """Spells out the final beams by following the parent pointers from the last step.

    Args:
        step_ids: tokens chosen at each step, int32 `[max_time, batch_size, beam_width]`.
        parent_ids: the beam each was extended from, same shape.
        max_sequence_lengths: the number of steps of each batch entry `[batch_size]`;
            longer than `max_time` means `max_time`.
        end_token: the end token.

    Returns:
        int32 `[max_time, batch_size, beam_width]`: beam `k` of entry `b` traced back from
        step `max_sequence_lengths[b] - 1`; `end_token` past that step and after the
        beam's first `end_token`.

    Raises:
        InvalidArgumentError: a parent id that is followed lies outside
            `[0, beam_width)` (those of step 0 and past an entry's length are not read).
        ValueError: the shapes do not fit.
    """
    step_ids, parent_ids, max_sequence_lengths, end_token = (
        _as_int32(step_ids, "step_ids"),
        _as_int32(parent_ids, "parent_ids"),
        _as_int32(max_sequence_lengths, "max_sequence_lengths"),
        _as_int32(end_token, "end_token"),
    )
    if step_ids.shape.rank != 3:
        raise ValueError(f"step_ids must be a 3-tensor, saw shape: {step_ids.shape}")
    if max_sequence_lengths.shape.rank != 1:
        raise ValueError(
            f"max_sequence_lengths must be a vector, saw shape: {max_sequence_lengths.shape}"
        )
    if end_token.shape.rank != 0:
        raise ValueError(f"end_token must be a scalar, saw shape: {end_token.shape}")
    if not step_ids.shape.is_compatible_with(parent_ids.shape):
        raise ValueError(
            "step_ids.shape must match parent_ids.shape.  but shapes are: "
            f"{step_ids.shape} and {parent_ids.shape}"
        )
    if not step_ids.shape[1:2].is_compatible_with(max_sequence_lengths.shape):
        raise ValueError(
            "batch size dimensions step_ids.shape[1] and max_sequence_lengths.shape[0] "
            f"must match.  but shapes are: {step_ids.shape} and {max_sequence_lengths.shape}"
        )

    max_time = tf.shape(step_ids)[0]
    beam_width = tf.shape(step_ids)[2]
    lengths = tf.minimum(max_sequence_lengths, max_time)
    identity = tf.broadcast_to(tf.range(beam_width)[None, :], tf.shape(step_ids)[1:])

    def backtrack(carry, step):
        beam, _, invalid = carry
        ids, parents, time = step
        alive = (time < lengths)[:, None]
        outside = tf.logical_or(beam < 0, beam >= beam_width)
        invalid = tf.logical_or(invalid, tf.reduce_any(tf.logical_and(alive, outside)))
        beam_read = tf.clip_by_value(beam, 0, beam_width - 1)
        ids = tf.gather(ids, beam_read, batch_dims=1)
        parents = tf.gather(parents, beam_read, batch_dims=1)
        # Past an entry's length the beam stays where it is and emits end tokens.
        return (
            tf.where(alive, parents, beam),
            tf.where(alive, ids, end_token),
            invalid,
        )

    _, beams, invalid = tf.scan(
        backtrack,
        (step_ids, parent_ids, tf.range(max_time)),
        initializer=(identity, tf.zeros_like(identity), tf.constant(False)),
        reverse=True,
    )
    check = tf.debugging.Assert(
        tf.logical_not(tf.reduce_any(invalid)),
        ["Saw invalid parent id: parent ids must lie in [0, beam_width)"],
    )
    with tf.control_dependencies([check]):
        is_end = tf.cast(tf.equal(beams, end_token), tf.int32)
        after_end = tf.cumsum(is_end, axis=0, exclusive=True) > 0
        return tf.where(after_end, end_token, beams)


def gather_tree_from_array(t, parent_ids, sequence_length):
    """Reorders the beams of a stacked per-step tensor (a `TensorArray` in the cell state,
    e.g. the alignment history) along the final beams' paths.

    Args:
        t: `[max_time, batch_size, beam_width, ...]` or `[max_time, batch_size *
            beam_width, ...]`.
        parent_ids: `[max_time, batch_size, beam_width]`.
        sequence_length: `[batch_size, beam_width]`.

    Returns:
        `t`'s shape and dtype, each final beam's values along its path; steps past a
        beam's length keep its own values.
    """
    t = tf.convert_to_tensor(t)
    parent_ids = tf.convert_to_tensor(parent_ids)
    dynamic = tf.shape(parent_ids)
    max_time = parent_ids.shape[0] or dynamic[0]
    batch_size = parent_ids.shape[1] or dynamic[1]
    beam_width = parent_ids.shape[2] or dynamic[2]
    beam_ids = tf.tile(tf.reshape(tf.range(beam_width), [1, 1, -1]), [max_time, batch_size, 1])
    max_sequence_lengths = tf.cast(tf.reduce_max(sequence_length, axis=1), tf.int32)
    sorted_beam_ids = gather_tree(
        beam_ids, parent_ids, max_sequence_lengths, end_token=beam_width + 1
    )
    in_bounds = tf.transpose(tf.sequence_mask(sequence_length, maxlen=max_time), [2, 0, 1])
    sorted_beam_ids = tf.where(in_bounds, sorted_beam_ids, beam_ids)
    values = tf.reshape(t, [max_time, batch_size, beam_width, -1])
    ordered = tf.gather(values, sorted_beam_ids, axis=2, batch_dims=2)
    return tf.reshape(ordered, tf.shape(t))


def _check_ndims(t):
    if t.shape.rank is None:
        raise ValueError(f"Expected tensor ({t}) to have known rank, but ndims == None.")


def _check_static_batch_beam_maybe(shape, batch_size, beam_width):
    """False (with a warning) when a static shape cannot be `[batch_size, beam_width, ...]`
    or `[batch_size * beam_width, ...]`; True when it can or is unknown."""
    if batch_size is None or shape[0] is None:
        return True
    if shape[0] == batch_size * beam_width:
        return True
    if shape.rank >= 2 and shape[1] is not None:
        if shape[0] == batch_size and shape[1] == beam_width:
            return True
    logging.getLogger(__name__).warning(
        "TensorArray reordering expects elements to be reshapable to %s which is "
        "incompatible with the current shape %s. Consider setting reorder_tensor_arrays "
        "to False to disable TensorArray reordering during the beam search.",
        tf.TensorShape([batch_size, beam_width, None]),
        shape,
    )
    return False


def _check_batch_beam(t, batch_size, beam_width):
    """An assertion that the stacked array `t` `[time, ...]` holds
    `[batch_size * beam_width, ...]` or `[batch_size, beam_width, ...]` elements."""
    shape = tf.shape(t)
    if t.shape.rank == 2:
        condition = tf.equal(shape[1], batch_size * beam_width)
    else:
        condition = tf.logical_or(
            tf.equal(shape[1], batch_size * beam_width),
            tf.logical_and(tf.equal(shape[1], batch_size), tf.equal(shape[2], beam_width)),
        )
    return tf.debugging.Assert(
        condition,
        [
            "TensorArray reordering expects elements to be reshapable to [batch_size, "
            "beam_size, -1] which is incompatible with the dynamic shape of the elements. "
            "Consider setting reorder_tensor_arrays to False to disable TensorArray "
            "reordering during the beam search."
        ],
    )


@keras.saving.register_keras_serializable(package="Addons")
class BeamSearchDecoder(decoder.BaseDecoder):
    """Beam search over an RNN cell, as a Keras 3 layer.

    With an `AttentionWrapper` cell, tile the memory (and its lengths, and the encoder
    state) with `tile_batch(x, beam_width)` and start from the wrapper's initial state
    for `batch_size * beam_width` entries.

    Args:
        cell: an RNN cell.
        beam_width: the number of beams.
        embedding_fn: `ids -> embeddings` (e.g. a `keras.layers.Embedding`); overridden
            by an `embedding` given to the call.
        output_layer: optional layer mapping the cell output to the vocabulary logits.
        length_penalty_weight: the length penalty's exponent (0 disables it).
        coverage_penalty_weight: the coverage penalty's weight (0 disables it; needs an
            attentional cell).
        reorder_tensor_arrays: reorder the `TensorArray`s in the final cell state (e.g.
            the alignment history) along the final beams and return them stacked.
        output_all_scores: emit every candidate's score `[batch, beam, vocab]` per step.
        **kwargs: `BaseDecoder`'s (`output_time_major`, `impute_finished`,
            `maximum_iterations`, ...) and Keras layer arguments.

    Call arguments:
        embedding: an embedding matrix `[vocab, depth]` for the token ids, or None to use
            `embedding_fn`.
        start_tokens: int32 `[batch_size]`.
        end_token: int32 scalar.
        initial_state: the cell state for `batch_size * beam_width` entries; None starts
            from the cell's zero state (tfa required it).
        training: passed to the cell.

    Returns:
        `(FinalBeamSearchDecoderOutput, BeamSearchDecoderState, lengths [batch, beam])`.
    """

    def __init__(
        self,
        cell,
        beam_width: int,
        embedding_fn=None,
        output_layer=None,
        length_penalty_weight=0.0,
        coverage_penalty_weight=0.0,
        reorder_tensor_arrays: bool = True,
        output_all_scores: bool = False,
        **kwargs,
    ):
        _check_cell("cell", cell)
        if isinstance(beam_width, bool) or not isinstance(beam_width, (int, np.integer)):
            raise TypeError(f"beam_width must be a Python int, got {beam_width!r}")
        if beam_width < 1:
            raise ValueError(f"beam_width must be positive, got {beam_width}")
        if embedding_fn is not None and not callable(embedding_fn):
            raise TypeError(f"embedding_fn must be callable, got {embedding_fn!r}")
        if output_layer is not None and not isinstance(output_layer, keras.layers.Layer):
            raise TypeError(f"output_layer must be a Keras layer, got {output_layer!r}")
        super().__init__(**kwargs)
        self.cell = cell
        self.beam_width = int(beam_width)
        self.embedding_fn = embedding_fn
        self.output_layer = output_layer
        self.length_penalty_weight = length_penalty_weight
        self.coverage_penalty_weight = coverage_penalty_weight
        self.reorder_tensor_arrays = reorder_tensor_arrays
        self.output_all_scores = output_all_scores
        self._batch_size = None
        self._end_token = None

    @property
    def batch_size(self):
        return self._batch_size

    @property
    def tracks_own_finished(self):
        """Beams are reordered every step, so the decoder keeps its own finished flags."""
        return True

    def _rnn_output_size(self):
        size = tf.TensorShape(self.cell.output_size)
        if self.output_layer is None:
            return size
        shape = self.output_layer.compute_output_shape((None, *size.as_list()))
        return tf.TensorShape(shape[1:])

    @property
    def output_size(self):
        if self.output_all_scores:
            scores = tf.TensorShape([self.beam_width, self._rnn_output_size()[-1]])
        else:
            scores = tf.TensorShape([self.beam_width])
        return BeamSearchDecoderOutput(
            scores=scores,
            predicted_ids=tf.TensorShape([self.beam_width]),
            parent_ids=tf.TensorShape([self.beam_width]),
        )

    @property
    def output_dtype(self):
        return BeamSearchDecoderOutput(
            scores=self._cell_dtype, predicted_ids=tf.int32, parent_ids=tf.int32
        )

    def call(
        self,
        embedding,
        start_tokens=None,
        end_token=None,
        initial_state=None,
        training=None,
        **kwargs,
    ):
        if start_tokens is None or end_token is None:
            raise ValueError("BeamSearchDecoder needs start_tokens and end_token")
        init_kwargs = dict(
            kwargs,
            start_tokens=start_tokens,
            end_token=end_token,
            initial_state=decoder._unwrap_state(initial_state),
        )
        return decoder.dynamic_decode(
            self,
            output_time_major=self.output_time_major,
            impute_finished=self.impute_finished,
            maximum_iterations=self.maximum_iterations,
            parallel_iterations=self.parallel_iterations,
            swap_memory=self.swap_memory,
            training=training,
            decoder_init_input=embedding,
            decoder_init_kwargs=init_kwargs,
        )

    def initialize(self, embedding, start_tokens, end_token, initial_state=None):
        """Returns `(finished, start_inputs, BeamSearchDecoderState)`.

        Raises:
            ValueError: no `embedding` and no `embedding_fn`; `start_tokens` not a vector
                or `end_token` not a scalar.
        """
        if embedding is not None:
            self._embed = lambda ids: ops.take(embedding, ids, axis=0)
        elif self.embedding_fn is not None:
            self._embed = lambda ids: self.embedding_fn(ids)
        else:
            raise ValueError(
                "You should either pass an embedding variable when calling the "
                "BeamSearchDecoder or set embedding_fn in the constructor."
            )
        start_tokens = tf.convert_to_tensor(start_tokens, dtype=tf.int32, name="start_tokens")
        if start_tokens.shape.rank != 1:
            raise ValueError("start_tokens must be a vector")
        self._end_token = tf.convert_to_tensor(end_token, dtype=tf.int32, name="end_token")
        if self._end_token.shape.rank != 0:
            raise ValueError("end_token must be a scalar")
        self._batch_size = tf.size(start_tokens)
        if initial_state is None:
            initial_state = decoder._initial_cell_state(
                self.cell, self._batch_size * self.beam_width
            )
        cell_state = tf.nest.map_structure(self._maybe_split_batch_beams, initial_state)
        self._cell_dtype = tf.nest.flatten(cell_state)[0].dtype
        self._start_tokens = tf.tile(start_tokens[:, None], [1, self.beam_width])
        self._start_inputs = self._embed(self._start_tokens)
        # Only beam 0 is live at first, so the first step does not pick one token k times.
        first_beam = tf.one_hot(
            tf.zeros([self._batch_size], dtype=tf.int32),
            depth=self.beam_width,
            on_value=True,
            off_value=False,
            dtype=tf.bool,
        )
        finished = tf.logical_not(first_beam)
        log_probs = tf.where(
            first_beam,
            tf.zeros([], self._cell_dtype),
            tf.constant(-np.inf, self._cell_dtype),
        )
        attention_probs = get_attention_probs(cell_state, self.coverage_penalty_weight)
        initial_state = BeamSearchDecoderState(
            cell_state=cell_state,
            log_probs=log_probs,
            finished=finished,
            lengths=tf.zeros([self._batch_size, self.beam_width], dtype=tf.int64),
            accumulated_attention_probs=() if attention_probs is None else attention_probs,
        )
        return finished, self._start_inputs, initial_state

    def step(self, time, inputs, state, training=None, name=None):
        """Returns `(BeamSearchDecoderOutput, BeamSearchDecoderState, next_inputs,
        finished)`."""
        with tf.name_scope(name or "BeamSearchDecoderStep"):
            inputs = tf.nest.map_structure(self._merge_batch_beams, inputs)
            cell_state = tf.nest.map_structure(self._maybe_merge_batch_beams, state.cell_state)
            cell_outputs, next_cell_state = self.cell(inputs, cell_state, training=training)
            cell_outputs = tf.nest.map_structure(self._split_batch_beams, cell_outputs)
            next_cell_state = tf.nest.pack_sequence_as(cell_state, tf.nest.flatten(next_cell_state))
            next_cell_state = tf.nest.map_structure(self._maybe_split_batch_beams, next_cell_state)
            if self.output_layer is not None:
                cell_outputs = self.output_layer(cell_outputs)
            output, next_state = _beam_search_step(
                time=time,
                logits=cell_outputs,
                next_cell_state=next_cell_state,
                beam_state=state,
                batch_size=self._batch_size,
                beam_width=self.beam_width,
                end_token=self._end_token,
                length_penalty_weight=self.length_penalty_weight,
                coverage_penalty_weight=self.coverage_penalty_weight,
                output_all_scores=self.output_all_scores,
            )
            finished = next_state.finished
            next_inputs = tf.cond(
                tf.reduce_all(finished),
                lambda: self._start_inputs,
                lambda: self._embed(output.predicted_ids),
            )
        return output, next_state, next_inputs, finished

    def finalize(self, outputs, final_state, sequence_lengths):
        """Traces the beams back (`gather_tree`) and, with `reorder_tensor_arrays`, stacks
        and reorders the cell state's `TensorArray`s. `sequence_lengths` is ignored: the
        beams' lengths are `final_state.lengths`."""
        max_sequence_lengths = tf.cast(tf.reduce_max(final_state.lengths, axis=1), tf.int32)
        predicted_ids = gather_tree(
            outputs.predicted_ids,
            outputs.parent_ids,
            max_sequence_lengths=max_sequence_lengths,
            end_token=self._end_token,
        )
        if self.reorder_tensor_arrays:
            final_state = final_state._replace(
                cell_state=tf.nest.map_structure(
                    lambda t: self._maybe_sort_array_beams(
                        t, outputs.parent_ids, final_state.lengths
                    ),
                    final_state.cell_state,
                )
            )
        final = FinalBeamSearchDecoderOutput(
            predicted_ids=predicted_ids, beam_search_decoder_output=outputs
        )
        return final, final_state

    def _merge_batch_beams(self, t):
        """`[batch, beam, ...] -> [batch * beam, ...]`."""
        static_batch = tf.get_static_value(self._batch_size)
        merged = tf.reshape(
            t, tf.concat(([self._batch_size * self.beam_width], tf.shape(t)[2:]), 0)
        )
        rows = None if static_batch is None else int(static_batch) * self.beam_width
        merged.set_shape(tf.TensorShape([rows]).concatenate(t.shape[2:]))
        return merged

    def _split_batch_beams(self, t):
        """`[batch * beam, ...] -> [batch, beam, ...]`."""
        split = tf.reshape(t, tf.concat(([self._batch_size, self.beam_width], tf.shape(t)[1:]), 0))
        static_batch = tf.get_static_value(self._batch_size)
        expected = tf.TensorShape([static_batch, self.beam_width]).concatenate(t.shape[1:])
        if not split.shape.is_compatible_with(expected):
            raise ValueError(
                "Unexpected behavior when reshaping between beam width and batch size.  "
                f"The reshaped tensor has shape: {split.shape}.  We expected it to have "
                f"shape (batch_size, beam_width, depth) == {expected}.  Perhaps you forgot "
                "to call get_initial_state with batch_size=encoder_batch_size * beam_width?"
            )
        split.set_shape(expected)
        return split

    def _maybe_split_batch_beams(self, t):
        if isinstance(t, tf.TensorArray):
            return t
        _check_ndims(t)
        return self._split_batch_beams(t) if t.shape.rank >= 1 else t

    def _maybe_merge_batch_beams(self, t):
        if isinstance(t, tf.TensorArray):
            return t
        _check_ndims(t)
        return self._merge_batch_beams(t) if t.shape.rank >= 2 else t

    def _maybe_sort_array_beams(self, t, parent_ids, sequence_length):
        """A `TensorArray` of per-step `[batch(*beam), beam?, ...]` values, stacked and
        reordered along the final beams; other values (and arrays of unknown element
        shape) unchanged."""
        if not isinstance(t, tf.TensorArray):
            return t
        if t.element_shape.rank is None or t.element_shape.rank < 1:
            logging.getLogger(__name__).warning(
                "The TensorArray in the cell state is not amenable to sorting based on the "
                "beam search result. For a TensorArray to be sorted, its elements shape "
                "must be defined and have at least a rank of 1, but saw shape: %s",
                t.element_shape,
            )
            return t
        static_batch = tf.get_static_value(self._batch_size)
        if not _check_static_batch_beam_maybe(t.element_shape, static_batch, self.beam_width):
            return t
        stacked = t.stack()
        with tf.control_dependencies(
            [_check_batch_beam(stacked, self._batch_size, self.beam_width)]
        ):
            return gather_tree_from_array(stacked, parent_ids, sequence_length)

    def get_config(self):
        def weight(value):
            static = tf.get_static_value(tf.convert_to_tensor(value))
            return None if static is None else float(static)

        return {
            **super().get_config(),
            "cell": keras.saving.serialize_keras_object(self.cell),
            "beam_width": self.beam_width,
            "embedding_fn": None
            if self.embedding_fn is None
            else keras.saving.serialize_keras_object(self.embedding_fn),
            "output_layer": None
            if self.output_layer is None
            else keras.saving.serialize_keras_object(self.output_layer),
            "length_penalty_weight": weight(self.length_penalty_weight),
            "coverage_penalty_weight": weight(self.coverage_penalty_weight),
            "reorder_tensor_arrays": self.reorder_tensor_arrays,
            "output_all_scores": self.output_all_scores,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for name in ("cell", "embedding_fn", "output_layer"):
            if config.get(name) is not None:
                config[name] = keras.saving.deserialize_keras_object(config[name])
        return cls(**config)


def _beam_search_step(
    time,
    logits,
    next_cell_state,
    beam_state,
    batch_size,
    beam_width,
    end_token,
    length_penalty_weight,
    coverage_penalty_weight,
    output_all_scores,
):
    """One beam search step: scores every extension of every beam, keeps the best
    `beam_width` per batch entry and gathers their states.

    Args:
        time: the step (unused: at step 0 only beam 0 is live through its log prob).
        logits: `[batch_size, beam_width, vocab]`.
        next_cell_state: the cell state after this step, `[batch_size, beam_width, ...]`.
        beam_state: the `BeamSearchDecoderState` before this step.
        batch_size, beam_width, end_token: as the decoder's.
        length_penalty_weight, coverage_penalty_weight: as the decoder's.
        output_all_scores: emit every candidate's score.

    Returns:
        `(BeamSearchDecoderOutput, BeamSearchDecoderState)`.
    """
    del time
    lengths = beam_state.lengths
    previously_finished = beam_state.finished
    not_finished = tf.logical_not(previously_finished)

    step_log_probs = ops.log_softmax(logits, axis=-1)
    step_log_probs = _mask_probs(step_log_probs, end_token, previously_finished)
    total_probs = beam_state.log_probs[:, :, None] + step_log_probs

    # Every token but end_token lengthens a live beam by one.
    vocab_size = logits.shape[-1] or tf.shape(logits)[-1]
    not_end = 1 - tf.one_hot(end_token, vocab_size, dtype=tf.int64)
    lengths_to_add = not_end[None, None, :] * tf.cast(not_finished, tf.int64)[:, :, None]
    new_prediction_lengths = lengths_to_add + lengths[:, :, None]

    accumulated_attention_probs = None
    attention_probs = get_attention_probs(next_cell_state, coverage_penalty_weight)
    if attention_probs is not None:
        attention_probs *= tf.cast(not_finished, attention_probs.dtype)[:, :, None]
        accumulated_attention_probs = beam_state.accumulated_attention_probs + attention_probs

    scores = _get_scores(
        log_probs=total_probs,
        sequence_lengths=new_prediction_lengths,
        length_penalty_weight=length_penalty_weight,
        coverage_penalty_weight=coverage_penalty_weight,
        finished=previously_finished,
        accumulated_attention_probs=accumulated_attention_probs,
    )
    static_batch = tf.get_static_value(tf.convert_to_tensor(batch_size))
    scores_flat = tf.reshape(scores, [batch_size, -1])
    next_beam_scores, word_indices = ops.top_k(scores_flat, k=beam_width)
    next_beam_scores.set_shape([static_batch, beam_width])
    word_indices.set_shape([static_batch, beam_width])

    next_beam_probs = tf.gather(
        tf.reshape(total_probs, [batch_size, -1]), word_indices, batch_dims=1
    )
    # Inside the loop the reshape cannot see a static batch size; the loop needs it kept.
    next_beam_probs.set_shape([static_batch, beam_width])
    next_word_ids = tf.cast(tf.math.floormod(word_indices, vocab_size), tf.int32)
    next_beam_ids = tf.cast(tf.math.floordiv(word_indices, vocab_size), tf.int32)

    def gather_beams(t):
        return tf.gather(t, next_beam_ids, axis=1, batch_dims=1)

    previously_finished = gather_beams(previously_finished)
    next_finished = tf.logical_or(previously_finished, tf.equal(next_word_ids, end_token))
    # Beams finished before this step keep their length; the others grow by one, whether
    # they emit end_token now or not.
    next_lengths = gather_beams(lengths) + tf.cast(tf.logical_not(previously_finished), tf.int64)
    next_accumulated_attention_probs = ()
    if accumulated_attention_probs is not None:
        next_accumulated_attention_probs = gather_beams(accumulated_attention_probs)

    def gather_state(t):
        if isinstance(t, tf.TensorArray):
            return t
        _check_ndims(t)
        return gather_beams(t) if t.shape.rank >= 2 else t

    next_state = BeamSearchDecoderState(
        cell_state=tf.nest.map_structure(gather_state, next_cell_state),
        log_probs=next_beam_probs,
        finished=next_finished,
        lengths=next_lengths,
        accumulated_attention_probs=next_accumulated_attention_probs,
    )
    output = BeamSearchDecoderOutput(
        scores=scores if output_all_scores else next_beam_scores,
        predicted_ids=next_word_ids,
        parent_ids=next_beam_ids,
    )
    return output, next_state


def _is_attention_state(state):
    try:
        from kerasdl.addons.seq2seq.attention_wrapper import AttentionWrapperState
    except ImportError:
        return False
    return isinstance(state, AttentionWrapperState)


def get_attention_probs(next_cell_state, coverage_penalty_weight):
    """The attention probabilities `[batch, beam, memory_time]` of an attentional cell
    state (averaged over attention mechanisms and wrappers), or None when the coverage
    penalty is off.

    Raises:
        ValueError: the coverage penalty is on but no state is an `AttentionWrapperState`.
    """
    if tf.get_static_value(tf.convert_to_tensor(coverage_penalty_weight)) == 0.0:
        return None
    if _is_attention_state(next_cell_state):
        per_layer = [attention_probs_from_attn_state(next_cell_state)]
    elif isinstance(next_cell_state, (tuple, list)):
        per_layer = [
            attention_probs_from_attn_state(state)
            for state in next_cell_state
            if _is_attention_state(state)
        ]
    else:
        per_layer = []
    if not per_layer:
        raise ValueError("coverage_penalty_weight must be 0.0 if no cell is attentional.")
    if len(per_layer) == 1:
        return per_layer[0]
    return ops.mean(ops.stack(per_layer, axis=-1), axis=-1)


def attention_probs_from_attn_state(attention_state):
    """The alignments of an `AttentionWrapperState`, averaged over its mechanisms."""
    probs = attention_state.alignments
    if isinstance(probs, (tuple, list)):
        probs = ops.mean(ops.stack(list(probs), axis=-1), axis=-1)
    return probs


def _get_scores(
    log_probs,
    sequence_lengths,
    length_penalty_weight,
    coverage_penalty_weight,
    finished,
    accumulated_attention_probs,
):
    """`log_probs / lp(lengths)`, plus the weighted coverage penalty on finished beams.

    Raises:
        ValueError: `coverage_penalty_weight` is not a scalar, or is on without attention
            probabilities.
    """
    length_penalty = _length_penalty(sequence_lengths, length_penalty_weight)
    scores = log_probs / ops.cast(length_penalty, log_probs.dtype)
    coverage_penalty_weight = tf.convert_to_tensor(
        coverage_penalty_weight, name="coverage_penalty_weight"
    )
    if coverage_penalty_weight.shape.rank != 0:
        raise ValueError(
            "coverage_penalty_weight should be a scalar, but saw shape: "
            f"{coverage_penalty_weight.shape}"
        )
    if tf.get_static_value(coverage_penalty_weight) == 0.0:
        return scores
    if accumulated_attention_probs is None:
        raise ValueError(
            "accumulated_attention_probs can be None only if coverage penalty is disabled."
        )
    # Memory positions never attended (padding) count as fully covered.
    probs = ops.where(
        ops.equal(accumulated_attention_probs, 0.0),
        ops.ones_like(accumulated_attention_probs),
        accumulated_attention_probs,
    )
    coverage_penalty = ops.sum(ops.log(ops.minimum(probs, 1.0)), axis=2)
    coverage_penalty *= ops.cast(finished, coverage_penalty.dtype)
    weighted = coverage_penalty * ops.cast(coverage_penalty_weight, coverage_penalty.dtype)
    return scores + ops.cast(weighted, scores.dtype)[:, :, None]


def _length_penalty(sequence_lengths, penalty_factor):
    """`((5 + lengths) / 6) ** penalty_factor` (float32), or 1.0 when it is statically 0."""
    penalty_factor = tf.convert_to_tensor(penalty_factor, name="penalty_factor")
    penalty_factor.shape.assert_has_rank(0)
    static = tf.get_static_value(penalty_factor)
    if static is not None and static == 0:
        return 1.0
    penalty_factor = tf.cast(penalty_factor, tf.float32)
    return ops.divide(
        ops.power(5.0 + ops.cast(sequence_lengths, "float32"), penalty_factor),
        ops.power(6.0, penalty_factor),
    )


def _mask_probs(probs, eos_token, finished):
    """Finished beams put all their probability on `eos_token`: log prob 0 there, the
    dtype's lowest value elsewhere; live beams are unchanged."""
    vocab_size = tf.shape(probs)[2]
    finished_row = tf.one_hot(
        eos_token,
        vocab_size,
        dtype=probs.dtype,
        on_value=tf.constant(0.0, probs.dtype),
        off_value=probs.dtype.min,
    )
    return ops.where(finished[:, :, None], finished_row[None, None, :], probs)
