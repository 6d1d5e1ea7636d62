"""tfa.seq2seq's samplers: what a `BasicDecoder` feeds its cell at each step.

A sampler turns a step's cell output into sample ids (`sample`) and chooses the next
input and whether each entry is finished (`next_inputs`):

- `TrainingSampler` reads the next input from the target sequence (teacher forcing);
- `ScheduledEmbeddingTrainingSampler` / `ScheduledOutputTrainingSampler` (Bengio et al.
  2015, "Scheduled Sampling for Sequence Prediction with Recurrent Neural Networks")
  replace it, with a probability, by the embedding of an id sampled from the output, or
  by the output itself;
- `GreedyEmbeddingSampler` (argmax) and `SampleEmbeddingSampler` (a categorical draw)
  feed back the embedding of the chosen id until `end_token`;
- `InferenceSampler` and `CustomSampler` take user functions.

Samplers are plain objects, as tfa's, keeping what `initialize` was given until the next
`initialize`. Each has `get_config` and is registered as "Addons>Name", so a decoder
holding one saves to `.keras`; callables (`embedding_fn`, `sample_fn`, ...) serialize as
Keras layers or importable functions. Random draws use TensorFlow's seeded random ops
with tfa's seeds (`seed`, `scheduling_seed`: op seeds under `tf.random.set_seed`).
"""

from __future__ import annotations

import abc

import keras
import tensorflow as tf
from keras import ops

from kerasdl.addons.seq2seq.decoder import _transpose_batch_time


def _serialize_callable(fn):
    return None if fn is None else keras.saving.serialize_keras_object(fn)


def _deserialize_callable(config):
    return None if config is None else keras.saving.deserialize_keras_object(config)


def _probability_config(value):
    static = tf.get_static_value(tf.convert_to_tensor(value))
    return None if static is None else static.tolist()


def _embedding_lookup(embedding):
    """`ids -> embedding[ids]` (tfa's `tf.nn.embedding_lookup`)."""
    return lambda ids: ops.take(embedding, ids, axis=0)


class Sampler(metaclass=abc.ABCMeta):
    """The interface a `BasicDecoder` drives: `initialize(inputs, **kwargs)` returns
    `(finished, initial_inputs)`; `sample(time, outputs, state)` returns `sample_ids`;
    `next_inputs(time, outputs, state, sample_ids)` returns
    `(finished, next_inputs, next_state)`. `batch_size`, `sample_ids_shape` and
    `sample_ids_dtype` describe the samples (available after `initialize`)."""

    @abc.abstractmethod
    def initialize(self, inputs, **kwargs):
        """Returns `(initial_finished, initial_inputs)`."""

    @abc.abstractmethod
    def sample(self, time, outputs, state):
        """Returns `sample_ids`."""

    @abc.abstractmethod
    def next_inputs(self, time, outputs, state, sample_ids):
        """Returns `(finished, next_inputs, next_state)`."""

    @property
    @abc.abstractmethod
    def batch_size(self):
        """The batch size (scalar int32 tensor); ValueError before `initialize`."""

    @property
    @abc.abstractmethod
    def sample_ids_shape(self):
        """`TensorShape` of one entry's sample ids."""

    @property
    @abc.abstractmethod
    def sample_ids_dtype(self):
        """dtype of the sample ids."""

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _checked_batch_size(self):
        if getattr(self, "_batch_size", None) is None:
            raise ValueError("batch_size accessed before initialize was called")
        return self._batch_size


@keras.saving.register_keras_serializable(package="Addons")
class CustomSampler(Sampler):
    """A sampler made of three functions.

    Args:
        initialize_fn: `(inputs, **kwargs) -> (finished, next_inputs)`.
        sample_fn: `(time, outputs, state) -> sample_ids`.
        next_inputs_fn: `(time, outputs, state, sample_ids) ->
            (finished, next_inputs, next_state)`.
        sample_ids_shape: shape of one entry's sample ids (default scalar).
        sample_ids_dtype: their dtype (default int32).
    """

    def __init__(
        self,
        initialize_fn,
        sample_fn,
        next_inputs_fn,
        sample_ids_shape=None,
        sample_ids_dtype=None,
    ):
        for name, fn in (
            ("initialize_fn", initialize_fn),
            ("sample_fn", sample_fn),
            ("next_inputs_fn", next_inputs_fn),
        ):
            if not callable(fn):
                raise TypeError(f"{name} must be callable, got {fn!r}")
        self._initialize_fn = initialize_fn
        self._sample_fn = sample_fn
        self._next_inputs_fn = next_inputs_fn
        self._batch_size = None
        self._sample_ids_shape = tf.TensorShape(sample_ids_shape or [])
        self._sample_ids_dtype = tf.as_dtype(sample_ids_dtype or tf.int32)

    @property
    def batch_size(self):
        return self._checked_batch_size()

    @property
    def sample_ids_shape(self):
        return self._sample_ids_shape

    @property
    def sample_ids_dtype(self):
        return self._sample_ids_dtype

    def initialize(self, inputs, **kwargs):
        finished, next_inputs = self._initialize_fn(inputs, **kwargs)
        if self._batch_size is None:
            self._batch_size = tf.size(finished)
        return finished, next_inputs

    def sample(self, time, outputs, state):
        return self._sample_fn(time=time, outputs=outputs, state=state)

    def next_inputs(self, time, outputs, state, sample_ids):
        return self._next_inputs_fn(time=time, outputs=outputs, state=state, sample_ids=sample_ids)

    def get_config(self):
        return {
            "initialize_fn": _serialize_callable(self._initialize_fn),
            "sample_fn": _serialize_callable(self._sample_fn),
            "next_inputs_fn": _serialize_callable(self._next_inputs_fn),
            "sample_ids_shape": self._sample_ids_shape.as_list(),
            "sample_ids_dtype": self._sample_ids_dtype.name,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for name in ("initialize_fn", "sample_fn", "next_inputs_fn"):
            config[name] = _deserialize_callable(config[name])
        return cls(**config)


@keras.saving.register_keras_serializable(package="Addons")
class TrainingSampler(Sampler):
    """Teacher forcing: the input of step `t + 1` is `inputs[:, t + 1]`; `sample_ids` are
    the argmax of the outputs. Entry `b` finishes after `sequence_length[b]` steps.

    Args:
        time_major: `inputs` are `[time, batch, ...]` (default `[batch, time, ...]`).

    `initialize(inputs, sequence_length=None, mask=None)`: `sequence_length` `[batch]`,
    or a right-padded bool `mask` `[batch, time]` (not both); by default every entry runs
    the whole time axis.
    """

    def __init__(self, time_major: bool = False):
        self.time_major = time_major
        self._batch_size = None

    @property
    def batch_size(self):
        return self._checked_batch_size()

    @property
    def sample_ids_shape(self):
        return tf.TensorShape([])

    @property
    def sample_ids_dtype(self):
        return tf.int32

    def initialize(self, inputs, sequence_length=None, mask=None):
        """Returns `(finished, first_inputs)`: `sequence_length == 0` and the first step's
        inputs (zeros when every entry is empty)."""
        inputs = tf.nest.map_structure(lambda x: tf.convert_to_tensor(x, name="inputs"), inputs)
        self.inputs = inputs
        if not self.time_major:
            inputs = tf.nest.map_structure(_transpose_batch_time, inputs)
        first = tf.nest.flatten(inputs)[0]
        self._batch_size = tf.shape(first)[1]
        self.input_tas = tf.nest.map_structure(_unstack_ta, inputs)
        if sequence_length is not None and mask is not None:
            raise ValueError("sequence_length and mask can't be provided at the same time.")
        if sequence_length is not None:
            self.sequence_length = tf.convert_to_tensor(sequence_length, name="sequence_length")
            if self.sequence_length.shape.rank != 1:
                raise ValueError(
                    "Expected sequence_length to be vector, but received shape: "
                    f"{self.sequence_length.shape}"
                )
        elif mask is not None:
            mask = tf.convert_to_tensor(mask)
            if mask.shape.rank != 2:
                raise ValueError(f"Expected mask to a 2D tensor, but received shape: {mask}")
            if mask.dtype != tf.bool:
                raise ValueError(
                    f"Expected mask to be a boolean tensor, but received dtype: {mask.dtype!r}"
                )
            with tf.control_dependencies([_check_sequence_is_right_padded(mask, self.time_major)]):
                self.sequence_length = tf.reduce_sum(
                    tf.cast(mask, tf.int32), axis=0 if self.time_major else 1
                )
        else:
            self.sequence_length = tf.fill([self._batch_size], tf.shape(first)[0])
        self.zero_inputs = tf.nest.map_structure(lambda x: tf.zeros_like(x[0]), inputs)
        finished = tf.equal(0, self.sequence_length)
        next_inputs = tf.cond(
            tf.reduce_all(finished),
            lambda: self.zero_inputs,
            lambda: tf.nest.map_structure(lambda ta: ta.read(0), self.input_tas),
        )
        return finished, next_inputs

    def sample(self, time, outputs, state):
        return ops.cast(ops.argmax(outputs, axis=-1), "int32")

    def next_inputs(self, time, outputs, state, sample_ids):
        next_time = time + 1
        finished = next_time >= self.sequence_length
        next_inputs = tf.cond(
            tf.reduce_all(finished),
            lambda: self.zero_inputs,
            lambda: tf.nest.map_structure(lambda ta: ta.read(next_time), self.input_tas),
        )
        return finished, next_inputs, state

    def get_config(self):
        return {"time_major": self.time_major}


def _check_probability(sampling_probability):
    if not isinstance(sampling_probability, tf.Variable):
        sampling_probability = tf.convert_to_tensor(
            sampling_probability, name="sampling_probability"
        )
    if sampling_probability.shape.rank not in (0, 1):
        raise ValueError(
            "sampling_probability must be either a scalar or a vector. saw shape: "
            f"{sampling_probability.shape}"
        )
    return sampling_probability


def _select(probability, batch_size, seed, dtype=tf.bool):
    """`[batch]` draws, 1 with `probability` (a scalar, or one per entry)."""
    if probability.shape.rank == 0:
        return bernoulli_sample(probs=probability, dtype=dtype, sample_shape=batch_size, seed=seed)
    # tfa drew `[batch, batch]` draws here and failed; one draw per entry is meant.
    return bernoulli_sample(probs=probability, dtype=dtype, seed=seed)


@keras.saving.register_keras_serializable(package="Addons")
class ScheduledEmbeddingTrainingSampler(TrainingSampler):
    """Teacher forcing where, with `sampling_probability`, an entry's next input is
    instead the embedding of an id drawn from its output logits (scheduled sampling).

    `sample_ids` are the drawn ids, -1 where the target input was read.

    Args:
        sampling_probability: float scalar, or `[batch]` vector (one per entry; tfa's
            failed), in [0, 1]; a `tf.Variable` may be changed during training.
        embedding_fn: `ids -> embeddings`; else `initialize(..., embedding=matrix)`.
        time_major: as `TrainingSampler`.
        seed: op seed of the categorical draw.
        scheduling_seed: op seed of the draw deciding whether to sample.
    """

    def __init__(
        self,
        sampling_probability,
        embedding_fn=None,
        time_major: bool = False,
        seed: int | None = None,
        scheduling_seed=None,
    ):
        if embedding_fn is not None and not callable(embedding_fn):
            raise TypeError(f"embedding_fn must be callable, got {embedding_fn!r}")
        self.embedding_fn = embedding_fn
        self.sampling_probability = _check_probability(sampling_probability)
        self.seed = seed
        self.scheduling_seed = scheduling_seed
        super().__init__(time_major=time_major)

    def initialize(self, inputs, sequence_length=None, mask=None, embedding=None):
        if self.embedding_fn is not None:
            self._embed = self.embedding_fn
        elif embedding is not None:
            self._embed = _embedding_lookup(embedding)
        else:
            raise ValueError(
                "embedding is required as a keyword argument for ScheduledEmbeddingTrainingSampler"
            )
        return super().initialize(inputs, sequence_length=sequence_length, mask=mask)

    def sample(self, time, outputs, state):
        selected = _select(self.sampling_probability, self.batch_size, self.scheduling_seed)
        drawn = categorical_sample(logits=outputs, seed=self.seed)
        return tf.where(selected, drawn, tf.fill([self.batch_size], -1))

    def next_inputs(self, time, outputs, state, sample_ids):
        finished, base_next_inputs, state = super().next_inputs(
            time=time, outputs=outputs, state=state, sample_ids=sample_ids
        )

        def maybe_sample():
            sampled = self._embed(ops.maximum(sample_ids, 0))
            sampled = ops.cast(sampled, base_next_inputs.dtype)
            return _where_rows(sample_ids > -1, sampled, base_next_inputs)

        next_inputs = tf.cond(tf.reduce_all(finished), lambda: base_next_inputs, maybe_sample)
        return finished, next_inputs, state

    def get_config(self):
        return {
            **super().get_config(),
            "sampling_probability": _probability_config(self.sampling_probability),
            "embedding_fn": _serialize_callable(self.embedding_fn),
            "seed": self.seed,
            "scheduling_seed": self.scheduling_seed,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["embedding_fn"] = _deserialize_callable(config.get("embedding_fn"))
        return cls(**config)


@keras.saving.register_keras_serializable(package="Addons")
class ScheduledOutputTrainingSampler(TrainingSampler):
    """Teacher forcing where, with `sampling_probability`, an entry's next input is
    instead its own output (through `next_inputs_fn` if given), concatenated with the
    next step's `auxiliary_inputs` if `initialize` got them.

    `sample_ids` are int32: 1 where the entry fed back its output, else 0.

    Args:
        sampling_probability: float scalar or `[batch]` vector in [0, 1].
        time_major: as `TrainingSampler`.
        seed: op seed of the draw deciding whether to feed back.
        next_inputs_fn: `outputs -> next inputs` applied to fed-back outputs.
    """

    def __init__(
        self,
        sampling_probability,
        time_major: bool = False,
        seed: int | None = None,
        next_inputs_fn=None,
    ):
        if next_inputs_fn is not None and not callable(next_inputs_fn):
            raise TypeError(f"next_inputs_fn must be callable, got {next_inputs_fn!r}")
        self.sampling_probability = _check_probability(sampling_probability)
        self.seed = seed
        self.next_inputs_fn = next_inputs_fn
        super().__init__(time_major=time_major)

    def initialize(self, inputs, sequence_length=None, mask=None, auxiliary_inputs=None):
        """As `TrainingSampler.initialize`; `auxiliary_inputs` (shaped as `inputs` but for
        the last axis) are concatenated to the inputs and to fed-back outputs."""
        if auxiliary_inputs is None:
            self._auxiliary_input_tas = None
            return super().initialize(inputs, sequence_length=sequence_length, mask=mask)
        inputs = tf.nest.map_structure(tf.convert_to_tensor, inputs)
        auxiliary_inputs = tf.nest.map_structure(tf.convert_to_tensor, auxiliary_inputs)
        concatenated = tf.nest.map_structure(
            lambda x, y: ops.concatenate([x, y], axis=-1), inputs, auxiliary_inputs
        )
        if not self.time_major:
            auxiliary_inputs = tf.nest.map_structure(_transpose_batch_time, auxiliary_inputs)
        self._auxiliary_input_tas = tf.nest.map_structure(_unstack_ta, auxiliary_inputs)
        return super().initialize(concatenated, sequence_length=sequence_length, mask=mask)

    def sample(self, time, outputs, state):
        return _select(self.sampling_probability, self.batch_size, self.seed, tf.int32)

    def next_inputs(self, time, outputs, state, sample_ids):
        finished, base_next_inputs, state = super().next_inputs(
            time=time, outputs=outputs, state=state, sample_ids=sample_ids
        )
        sample_ids = ops.cast(sample_ids, "bool")

        def maybe_sample():
            fed_back = outputs if self.next_inputs_fn is None else self.next_inputs_fn(outputs)
            if self._auxiliary_input_tas is not None:
                auxiliary = tf.nest.map_structure(
                    lambda ta: ta.read(time + 1), self._auxiliary_input_tas
                )
                fed_back = tf.nest.map_structure(
                    lambda x, y: ops.concatenate([x, y], axis=-1), fed_back, auxiliary
                )
            return _where_rows(sample_ids, fed_back, base_next_inputs)

        skip = tf.logical_or(tf.reduce_all(finished), tf.logical_not(tf.reduce_any(sample_ids)))
        next_inputs = tf.cond(skip, lambda: base_next_inputs, maybe_sample)
        return finished, next_inputs, state

    def get_config(self):
        return {
            **super().get_config(),
            "sampling_probability": _probability_config(self.sampling_probability),
            "seed": self.seed,
            "next_inputs_fn": _serialize_callable(self.next_inputs_fn),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["next_inputs_fn"] = _deserialize_callable(config.get("next_inputs_fn"))
        return cls(**config)


@keras.saving.register_keras_serializable(package="Addons")
class GreedyEmbeddingSampler(Sampler):
    """Inference by argmax: the next input is the embedding of the most probable id.
    An entry finishes when it emits `end_token`.

    Args:
        embedding_fn: `ids -> embeddings` (e.g. a `keras.layers.Embedding`); without it,
            `initialize`'s `embedding` matrix is looked up.

    `initialize(embedding, start_tokens=None, end_token=None)`: `start_tokens` `[batch]`
    int32, `end_token` a scalar. An `embedding` given here serves this decode only (tfa
    kept the first one it was given for good).
    """

    def __init__(self, embedding_fn=None):
        if embedding_fn is not None and not callable(embedding_fn):
            raise TypeError(f"embedding_fn must be callable, got {embedding_fn!r}")
        self.embedding_fn = embedding_fn
        self._batch_size = None

    @property
    def batch_size(self):
        return self._checked_batch_size()

    @property
    def sample_ids_shape(self):
        return tf.TensorShape([])

    @property
    def sample_ids_dtype(self):
        return tf.int32

    def initialize(self, embedding, start_tokens=None, end_token=None):
        """Returns `(finished, start_inputs)`: all false, and the start tokens' embeddings."""
        if self.embedding_fn is not None:
            self._embed = self.embedding_fn
        elif embedding is not None:
            self._embed = _embedding_lookup(embedding)
        else:
            raise ValueError(f"{type(self).__name__} needs an embedding_fn or an embedding matrix")
        self.start_tokens = tf.convert_to_tensor(start_tokens, dtype=tf.int32, name="start_tokens")
        self.end_token = tf.convert_to_tensor(end_token, dtype=tf.int32, name="end_token")
        if self.start_tokens.shape.rank != 1:
            raise ValueError("start_tokens must be a vector")
        if self.end_token.shape.rank != 0:
            raise ValueError("end_token must be a scalar")
        self._batch_size = tf.size(self.start_tokens)
        self.start_inputs = self._embed(self.start_tokens)
        finished = tf.zeros([self._batch_size], dtype=tf.bool)
        return finished, self.start_inputs

    def sample(self, time, outputs, state):
        if not tf.is_tensor(outputs):
            raise TypeError(f"Expected outputs to be a single Tensor, got: {type(outputs)}")
        return ops.cast(ops.argmax(outputs, axis=-1), "int32")

    def next_inputs(self, time, outputs, state, sample_ids):
        finished = tf.equal(sample_ids, self.end_token)
        # Once every entry is done the next input is never used.
        next_inputs = tf.cond(
            tf.reduce_all(finished),
            lambda: self.start_inputs,
            lambda: self._embed(sample_ids),
        )
        return finished, next_inputs, state

    def get_config(self):
        return {"embedding_fn": _serialize_callable(self.embedding_fn)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["embedding_fn"] = _deserialize_callable(config.get("embedding_fn"))
        return cls(**config)


@keras.saving.register_keras_serializable(package="Addons")
class SampleEmbeddingSampler(GreedyEmbeddingSampler):
    """Inference by sampling: the next id is drawn from `softmax(outputs / temperature)`.

    Args:
        embedding_fn: as `GreedyEmbeddingSampler`.
        softmax_temperature: divides the logits (> 0; default 1).
        seed: op seed of the categorical draw.
    """

    def __init__(self, embedding_fn=None, softmax_temperature=None, seed=None):
        super().__init__(embedding_fn)
        self.softmax_temperature = softmax_temperature
        self.seed = seed

    def sample(self, time, outputs, state):
        if not tf.is_tensor(outputs):
            raise TypeError(f"Expected outputs to be a single Tensor, got: {type(outputs)}")
        logits = outputs
        if self.softmax_temperature is not None:
            logits = outputs / self.softmax_temperature
        return categorical_sample(logits=logits, seed=self.seed)

    def get_config(self):
        temperature = self.softmax_temperature
        if temperature is not None:
            temperature = _probability_config(temperature)
        return {
            **super().get_config(),
            "softmax_temperature": temperature,
            "seed": self.seed,
        }


@keras.saving.register_keras_serializable(package="Addons")
class InferenceSampler(Sampler):
    """Inference with user functions: `sample_ids = sample_fn(outputs)`, the next input is
    `next_inputs_fn(sample_ids)` (or the ids themselves), `finished = end_fn(sample_ids)`.

    Args:
        sample_fn: `outputs -> sample_ids`.
        sample_shape: shape of one entry's sample ids.
        sample_dtype: their dtype.
        end_fn: `sample_ids -> [batch] bool`.
        next_inputs_fn: `sample_ids -> next inputs` (optional).

    `initialize(start_inputs)`: the first inputs `[batch, ...]`.
    """

    def __init__(self, sample_fn, sample_shape, sample_dtype, end_fn, next_inputs_fn=None):
        for name, fn in (("sample_fn", sample_fn), ("end_fn", end_fn)):
            if not callable(fn):
                raise TypeError(f"{name} must be callable, got {fn!r}")
        self.sample_fn = sample_fn
        self.sample_shape = tf.TensorShape(sample_shape)
        self.sample_dtype = tf.as_dtype(sample_dtype)
        self.end_fn = end_fn
        self.next_inputs_fn = next_inputs_fn
        self._batch_size = None

    @property
    def batch_size(self):
        return self._checked_batch_size()

    @property
    def sample_ids_shape(self):
        return self.sample_shape

    @property
    def sample_ids_dtype(self):
        return self.sample_dtype

    def initialize(self, start_inputs):
        self.start_inputs = tf.convert_to_tensor(start_inputs, name="start_inputs")
        self._batch_size = tf.shape(self.start_inputs)[0]
        finished = tf.zeros([self._batch_size], dtype=tf.bool)
        return finished, self.start_inputs

    def sample(self, time, outputs, state):
        return self.sample_fn(outputs)

    def next_inputs(self, time, outputs, state, sample_ids):
        if self.next_inputs_fn is None:
            next_inputs = sample_ids
        else:
            next_inputs = self.next_inputs_fn(sample_ids)
        return self.end_fn(sample_ids), next_inputs, state

    def get_config(self):
        return {
            "sample_fn": _serialize_callable(self.sample_fn),
            "sample_shape": self.sample_shape.as_list(),
            "sample_dtype": self.sample_dtype.name,
            "end_fn": _serialize_callable(self.end_fn),
            "next_inputs_fn": _serialize_callable(self.next_inputs_fn),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for name in ("sample_fn", "end_fn", "next_inputs_fn"):
            config[name] = _deserialize_callable(config[name])
        return cls(**config)


def _where_rows(condition, x, y):
    """`x` in the entries (axis 0) where `condition` `[batch]` holds, else `y`."""
    condition = ops.reshape(condition, [-1] + [1] * (len(y.shape) - 1))
    return ops.where(condition, x, y)


def _call_sampler(sample_n_fn, sample_shape):
    """Draws `prod(sample_shape)` samples and shapes them `sample_shape + batch_shape`."""
    sample_shape = tf.reshape(tf.convert_to_tensor(sample_shape, dtype=tf.int32), [-1])
    samples = sample_n_fn(tf.reduce_prod(sample_shape))
    return tf.reshape(samples, tf.concat([sample_shape, tf.shape(samples)[1:]], 0))


def bernoulli_sample(probs=None, logits=None, dtype=tf.int32, sample_shape=(), seed=None):
    """Bernoulli draws `sample_shape + probs.shape` (tfa's TFP-like helper)."""
    if probs is None:
        probs = tf.sigmoid(logits, name="probs")
    else:
        probs = tf.convert_to_tensor(probs, name="probs")

    def sample_n(n):
        shape = tf.concat([[n], tf.shape(probs)], 0)
        uniform = tf.random.uniform(shape, seed=seed, dtype=probs.dtype)
        return tf.cast(tf.less(uniform, probs), dtype)

    return _call_sampler(sample_n, sample_shape)


def categorical_sample(logits, dtype=tf.int32, sample_shape=(), seed=None):
    """Categorical draws over the last axis of `logits` (tfa's TFP-like helper)."""
    logits = tf.convert_to_tensor(logits, name="logits")
    event_size = tf.shape(logits)[-1]
    batch_shape = tf.shape(logits)[:-1]

    def sample_n(n):
        logits_2d = logits if logits.shape.rank == 2 else tf.reshape(logits, [-1, event_size])
        draw_dtype = tf.int64 if logits.dtype.size > 4 else tf.int32
        draws = tf.random.categorical(logits_2d, n, dtype=draw_dtype, seed=seed)
        draws = tf.reshape(tf.transpose(draws), tf.concat([[n], batch_shape], 0))
        return tf.cast(draws, dtype)

    return _call_sampler(sample_n, sample_shape)


def _unstack_ta(inputs):
    return tf.TensorArray(
        dtype=inputs.dtype, size=tf.shape(inputs)[0], element_shape=inputs.shape[1:]
    ).unstack(inputs)


def _check_sequence_is_right_padded(mask, time_major):
    """An assertion that `mask` is right-padded (its trues precede its falses)."""
    mask = tf.convert_to_tensor(mask)
    if time_major:
        mask = tf.transpose(mask)
    lengths = tf.reduce_sum(tf.cast(mask, tf.int32), axis=1)
    right_padded = tf.sequence_mask(lengths, maxlen=tf.shape(mask)[1], dtype=tf.bool)
    return tf.debugging.Assert(
        tf.reduce_all(tf.equal(mask, right_padded)),
        ["The input sequence should be right padded."],
    )
