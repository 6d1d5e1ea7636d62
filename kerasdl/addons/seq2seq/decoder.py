"""tfa.seq2seq's decoder interfaces and `dynamic_decode`, under Keras 3.

A decoder runs an RNN cell one step at a time, feeding each step's output (through a
sampler, or a beam search) back as the next input. `dynamic_decode` drives it: it calls
`initialize()` once, then `step()` in a `tf.while_loop` until every batch entry is
finished or `maximum_iterations` steps have run, collecting each step's outputs in
`TensorArray`s, and lets the decoder `finalize()` them. It runs eagerly (the loop runs in
Python) and inside `tf.function`, with unknown batch and time dimensions; the per-step
math is in `keras.ops`, the loop and the arrays are TensorFlow's (TensorFlow backend only,
as tfa).
"""

from __future__ import annotations

import abc
import inspect

import keras
import tensorflow as tf

try:  # Whether a graph is compiled by XLA; TensorFlow has no public test for it.
    from tensorflow.python.ops.control_flow_util import GraphOrParentsInXlaContext
except ImportError:  # pragma: no cover - a TensorFlow that moved it

    def GraphOrParentsInXlaContext(graph):  # noqa: N802 - TensorFlow's name
        return False


class Decoder(metaclass=abc.ABCMeta):
    """tfa's abstract decoder interface (not a layer): `initialize()` takes no inputs.

    - `inputs`: (structure of) tensors fed to the cell at each step;
    - `state`: (structure of) tensors and `TensorArray`s, the cell's state;
    - `finished`: a `[batch]` bool tensor, whether each sequence is complete;
    - `outputs`: what each step emits, e.g. a `BasicDecoderOutput`.
    """

    @property
    def batch_size(self):
        """The batch size of the inputs (a scalar int32 tensor)."""
        raise NotImplementedError

    @property
    def output_size(self):
        """A (structure of) int or `TensorShape`: each step's output shape, batch excluded."""
        raise NotImplementedError

    @property
    def output_dtype(self):
        """A (structure of) dtype, one per `output_size` entry."""
        raise NotImplementedError

    @abc.abstractmethod
    def initialize(self, name=None):
        """Returns `(finished, initial_inputs, initial_state)`."""
        raise NotImplementedError

    @abc.abstractmethod
    def step(self, time, inputs, state, training=None, name=None):
        """Runs step `time`; returns `(outputs, next_state, next_inputs, finished)`."""
        raise NotImplementedError

    def finalize(self, outputs, final_state, sequence_lengths):
        """Optional post-processing of the stacked outputs and the final state."""
        raise NotImplementedError

    @property
    def tracks_own_finished(self):
        """True when the decoder reorders batch entries between steps (beam search), so
        `dynamic_decode` takes `finished` (and `state.lengths`) from it instead of
        OR-ing the finished flags itself."""
        return False


class BaseDecoder(keras.layers.Layer):
    """A decoder that is a Keras layer: calling it runs `dynamic_decode`.

    Subclasses implement `initialize(inputs, initial_state=None, **kwargs)`, `step`,
    `batch_size`, `output_size`, `output_dtype` and optionally `finalize`, as tfa's.

    Args:
        output_time_major: return outputs `[time, batch, ...]` instead of
            `[batch, time, ...]`.
        impute_finished: copy the state through and zero the outputs of finished entries,
            so the final state and outputs are each entry's own (and gradients stop).
        maximum_iterations: the most decoding steps (a positive int), or None to decode
            until every entry is finished.
        parallel_iterations, swap_memory: passed to `tf.while_loop`.

    Call arguments:
        inputs: the decoder's input (the sampler's first `initialize` argument).
        initial_state: the cell's initial state.
        training: passed to the cell.
        **kwargs: passed to `initialize` (`sequence_length`, `mask`, `start_tokens`, ...).

    Returns:
        `(final_outputs, final_state, final_sequence_lengths)`.
    """

    def __init__(
        self,
        output_time_major: bool = False,
        impute_finished: bool = False,
        maximum_iterations=None,
        parallel_iterations: int = 32,
        swap_memory: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.output_time_major = output_time_major
        self.impute_finished = impute_finished
        self.maximum_iterations = maximum_iterations
        self.parallel_iterations = parallel_iterations
        self.swap_memory = swap_memory
        # tfa's decoders take Python values positionally (e.g. `end_token`).
        self._allow_non_tensor_positional_args = True
        # A Keras mask on the inputs is consumed (as the training samplers' `mask`), not
        # passed on: the outputs' time axis is the decoder's own.
        self.supports_masking = True

    def __call__(self, *args, **kwargs):
        # Keras refuses a call argument mixing tensors with `tf.TensorArray`s, as an
        # `AttentionWrapperState` with an alignment history does: such an initial state is
        # handed through in a wrapper that Keras takes for one opaque value.
        bound = inspect.signature(self.call).bind_partial(*args, **kwargs)
        state = bound.arguments.get("initial_state")
        if any(isinstance(x, tf.TensorArray) for x in tf.nest.flatten(state)):
            bound.arguments["initial_state"] = _OpaqueState(state)
            args, kwargs = bound.args, bound.kwargs
        return super().__call__(*args, **kwargs)

    def build(self, input_shape=None):
        # The cell, the output layer and the sampler's layers build on the first call,
        # when their input shapes are known (a symbolic call builds them too).
        pass

    def compute_mask(self, inputs, previous_mask=None):
        return None

    def call(self, inputs, initial_state=None, training=None, **kwargs):
        init_kwargs = dict(kwargs, initial_state=_unwrap_state(initial_state))
        return dynamic_decode(
            self,
            output_time_major=self.output_time_major,
            impute_finished=self.impute_finished,
            maximum_iterations=self.maximum_iterations,
            parallel_iterations=self.parallel_iterations,
            swap_memory=self.swap_memory,
            training=training,
            decoder_init_input=inputs,
            decoder_init_kwargs=init_kwargs,
        )

    @property
    def batch_size(self):
        raise NotImplementedError

    @property
    def output_size(self):
        raise NotImplementedError

    @property
    def output_dtype(self):
        raise NotImplementedError

    def initialize(self, inputs, initial_state=None, **kwargs):
        """Returns `(finished, initial_inputs, initial_state)`."""
        raise NotImplementedError

    def step(self, time, inputs, state, training):
        """Runs step `time`; returns `(outputs, next_state, next_inputs, finished)`."""
        raise NotImplementedError

    def finalize(self, outputs, final_state, sequence_lengths):
        raise NotImplementedError

    @property
    def tracks_own_finished(self):
        return False

    def get_config(self):
        maximum_iterations = self.maximum_iterations
        if maximum_iterations is not None:
            maximum_iterations = int(tf.get_static_value(maximum_iterations))
        return {
            **super().get_config(),
            "output_time_major": self.output_time_major,
            "impute_finished": self.impute_finished,
            "maximum_iterations": maximum_iterations,
            "parallel_iterations": self.parallel_iterations,
            "swap_memory": self.swap_memory,
        }


class _OpaqueState:
    """An initial state holding `tf.TensorArray`s, passed through Keras' `__call__`."""

    def __init__(self, state):
        self.state = state


def _unwrap_state(state):
    return state.state if isinstance(state, _OpaqueState) else state


def dynamic_decode(
    decoder,
    output_time_major: bool = False,
    impute_finished: bool = False,
    maximum_iterations=None,
    parallel_iterations: int = 32,
    swap_memory: bool = False,
    training: bool | None = None,
    scope: str | None = None,
    enable_tflite_convertible: bool = False,
    **kwargs,
):
    """Runs `decoder` to the end: `initialize()` once, then `step()` in a while loop.

    Args:
        decoder: a `Decoder` or `BaseDecoder`.
        output_time_major: outputs `[time, batch, ...]` (else `[batch, time, ...]`).
        impute_finished: copy the state through and emit zeros for finished entries
            (not for decoders that track their own finished flags, e.g. beam search).
        maximum_iterations: a positive int32 scalar, the most steps; None decodes until
            every entry is finished (required under XLA).
        parallel_iterations, swap_memory: passed to `tf.while_loop`.
        training: passed to `decoder.step`.
        scope: a name scope.
        enable_tflite_convertible: 1-D `TensorArray` elements of a static size (batch 1),
            as TFLite needs.
        **kwargs: `decoder_init_input` and `decoder_init_kwargs` for a `BaseDecoder`'s
            `initialize(decoder_init_input, **decoder_init_kwargs)`.

    Returns:
        `(final_outputs, final_state, final_sequence_lengths)`: the stacked (possibly
        finalized) outputs, the last state, and each entry's number of steps `[batch]`
        int32 (the step at which it finished, plus one).

    Raises:
        ValueError: `maximum_iterations` is not a scalar, or is missing under XLA;
            `impute_finished` with a decoder that tracks its own finished flags.
        TypeError: `decoder` is not a decoder.
    """
    if not isinstance(decoder, (Decoder, BaseDecoder)):
        raise TypeError(
            f"dynamic_decode expects a Decoder or a BaseDecoder, got {type(decoder).__name__}"
        )
    with tf.name_scope(scope or "decoder"):
        is_xla = not tf.executing_eagerly() and GraphOrParentsInXlaContext(
            tf.compat.v1.get_default_graph()
        )
        if maximum_iterations is not None:
            maximum_iterations = tf.convert_to_tensor(
                maximum_iterations, dtype=tf.int32, name="maximum_iterations"
            )
            if maximum_iterations.shape.rank != 0:
                raise ValueError("maximum_iterations must be a scalar")
            tf.debugging.assert_greater(
                maximum_iterations, 0, message="maximum_iterations should be greater than 0"
            )
        elif is_xla:
            raise ValueError("maximum_iterations is required for XLA compilation.")

        if isinstance(decoder, Decoder):
            initial_finished, initial_inputs, initial_state = decoder.initialize()
        else:
            init_input = kwargs.pop("decoder_init_input", None)
            init_kwargs = kwargs.pop("decoder_init_kwargs", {})
            initial_finished, initial_inputs, initial_state = decoder.initialize(
                init_input, **init_kwargs
            )
        if kwargs:
            raise TypeError(f"dynamic_decode got unexpected arguments: {sorted(kwargs)}")
        if impute_finished and decoder.tracks_own_finished:
            # tfa failed here inside the loop; a decoder that reorders its entries (beam
            # search) has no state "of a finished entry" to copy through by position.
            raise ValueError(
                f"impute_finished=True is not supported by {type(decoder).__name__}: it "
                "reorders its entries between steps (tracks_own_finished)."
            )

        batch_size = decoder.batch_size
        if enable_tflite_convertible:
            tf.debugging.assert_equal(
                batch_size, 1, message="TFLite conversion requires a batch size of 1"
            )

        def zeros(shape, dtype):
            value = tf.zeros(_prepend_batch(batch_size, shape), dtype=dtype)
            return tf.reshape(value, [-1]) if enable_tflite_convertible else value

        zero_outputs = tf.nest.map_structure(zeros, decoder.output_size, decoder.output_dtype)

        if maximum_iterations is not None:
            initial_finished = tf.logical_or(initial_finished, 0 >= maximum_iterations)
        initial_sequence_lengths = tf.zeros_like(initial_finished, dtype=tf.int32)
        dynamic_size = (maximum_iterations is None or not is_xla) and (
            not enable_tflite_convertible
        )
        static_batch = tf.get_static_value(tf.convert_to_tensor(batch_size))

        def element_shape(shape):
            if enable_tflite_convertible:
                shape = tf.TensorShape(shape)
                return tf.TensorShape([1]) if shape.rank == 0 else shape
            if not isinstance(shape, tf.TensorShape) or shape.rank == 0:
                return None
            return tf.TensorShape([static_batch]).concatenate(shape)

        def new_array(shape, dtype):
            return tf.TensorArray(
                dtype=dtype,
                size=0 if dynamic_size else maximum_iterations,
                dynamic_size=dynamic_size,
                element_shape=element_shape(shape),
            )

        initial_outputs_ta = tf.nest.map_structure(
            new_array, decoder.output_size, decoder.output_dtype
        )

        def condition(time, outputs_ta, state, inputs, finished, sequence_lengths):
            return tf.logical_not(tf.reduce_all(finished))

        def body(time, outputs_ta, state, inputs, finished, sequence_lengths):
            outputs, decoder_state, next_inputs, decoder_finished = decoder.step(
                time, inputs, state, training
            )
            lengths_from_state = None
            if decoder.tracks_own_finished:
                next_finished = decoder_finished
                lengths_from_state = getattr(decoder_state, "lengths", None)
            else:
                next_finished = tf.logical_or(decoder_finished, finished)
            if lengths_from_state is not None:
                next_sequence_lengths = tf.cast(lengths_from_state, tf.int32)
            else:
                # An entry's length is the step at which it was first reported finished, +1.
                next_sequence_lengths = tf.where(
                    finished, sequence_lengths, tf.fill(tf.shape(sequence_lengths), time + 1)
                )
            tf.nest.assert_same_structure(state, decoder_state)
            tf.nest.assert_same_structure(outputs_ta, outputs)
            tf.nest.assert_same_structure(inputs, next_inputs)

            if impute_finished:
                outputs = tf.nest.map_structure(
                    lambda out, zero: _where_finished(finished, zero, out),
                    outputs,
                    zero_outputs,
                )
                decoder_state = tf.nest.map_structure(
                    lambda new, old: _copy_through(finished, new, old), decoder_state, state
                )
            if enable_tflite_convertible:
                outputs = tf.nest.map_structure(lambda x: tf.reshape(x, [-1]), outputs)
            outputs_ta = tf.nest.map_structure(
                lambda ta, out: ta.write(time, out), outputs_ta, outputs
            )
            return (
                time + 1,
                outputs_ta,
                decoder_state,
                next_inputs,
                next_finished,
                next_sequence_lengths,
            )

        result = tf.while_loop(
            condition,
            body,
            loop_vars=(
                tf.constant(0, dtype=tf.int32),
                initial_outputs_ta,
                initial_state,
                initial_inputs,
                initial_finished,
                initial_sequence_lengths,
            ),
            parallel_iterations=parallel_iterations,
            maximum_iterations=maximum_iterations,
            swap_memory=swap_memory,
        )
        final_outputs = tf.nest.map_structure(lambda ta: ta.stack(), result[1])
        final_state = result[2]
        final_sequence_lengths = result[5]
        try:
            final_outputs, final_state = decoder.finalize(
                final_outputs, final_state, final_sequence_lengths
            )
        except NotImplementedError:
            pass
        if not output_time_major:
            if enable_tflite_convertible:
                final_outputs = tf.nest.map_structure(lambda x: tf.expand_dims(x, 1), final_outputs)
            final_outputs = tf.nest.map_structure(_transpose_batch_time, final_outputs)
    return final_outputs, final_state, final_sequence_lengths


def _where_finished(finished, value_if_finished, value):
    """`value_if_finished` in finished entries, `value` elsewhere; `finished` is `[batch]`
    (or `[batch, beam]`) and broadcasts over the trailing axes."""
    for _ in range(value.shape.rank - finished.shape.rank):
        finished = finished[..., None]
    return keras.ops.where(finished, value_if_finished, value)


def _copy_through(finished, new, old):
    """The old state of finished entries; `TensorArray`s and scalars pass through."""
    if isinstance(old, tf.TensorArray):
        return new
    new.set_shape(old.shape)
    if new.shape.rank == 0:
        return new
    return _where_finished(finished, old, new)


def _prepend_batch(batch_size, shape):
    """`[batch_size] + shape`, a list when the batch size is static, else a tensor."""
    static = tf.get_static_value(batch_size) if tf.is_tensor(batch_size) else batch_size
    if static is None:
        dims = tf.convert_to_tensor(tf.TensorShape(shape).as_list(), dtype=tf.int32)
        return tf.concat(([batch_size], dims), axis=0)
    return [int(static)] + tf.TensorShape(shape).as_list()


def _transpose_batch_time(tensor):
    """Swaps the first two axes of a tensor of rank 2 or more."""
    rank = tensor.shape.rank
    if rank is not None and rank < 2:
        return tensor
    if rank is None:
        perm = tf.concat(([1, 0], tf.range(2, tf.rank(tensor))), axis=0)
        return tf.transpose(tensor, perm)
    return tf.transpose(tensor, [1, 0] + list(range(2, rank)))


def _initial_cell_state(cell, batch_size, dtype=None):
    """The cell's zero state for `batch_size` entries, whether its `get_initial_state`
    takes Keras 3's `(batch_size)` or tf.keras 2's `(inputs, batch_size, dtype)`."""
    parameters = inspect.signature(cell.get_initial_state).parameters
    if "dtype" in parameters:
        return cell.get_initial_state(batch_size=batch_size, dtype=dtype or cell.compute_dtype)
    return cell.get_initial_state(batch_size=batch_size)
