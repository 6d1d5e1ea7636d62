"""tfa.seq2seq.attention_wrapper under Keras 3: the Luong and Bahdanau attention
mechanisms, their monotonic forms, and `AttentionWrapper`, the RNN cell that attends to a
memory at each step, as tfa 0.23.

The math is `keras.ops`. TensorFlow is used in three places Keras has nothing for: the
`tf.TensorArray` of `alignment_history` (tfa's state, which its decoders and beam search
reorder), the graph shape that lets `keras.layers.RNN` grow a tensor history, and the
run-time check that every `memory_sequence_length` is positive.
"""

from __future__ import annotations

import collections
import functools
import inspect
import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops

_PROBABILITY_FNS = ("softmax", "hardmax")
_MONOTONIC_MODES = ("recursive", "parallel", "hard")


# --- functional pieces ---------------------------------------------------------------------


def _along(x, axis, start=None, stop=None):
    """`x[..., start:stop, ...]` on `axis`."""
    index = [slice(None)] * len(x.shape)
    index[axis] = slice(start, stop)
    return x[tuple(index)]


def _shift_right(x, axis, fill):
    """`x` moved one place along `axis`, `fill` coming in first: what turns a cumulative
    sum or product into tf's `exclusive=True` one."""
    first = ops.full_like(_along(x, axis, 0, 1), fill)
    return ops.concatenate([first, _along(x, axis, None, -1)], axis=axis)


def _cumulative(op, x, axis, exclusive, reverse, identity):
    axis = axis % len(x.shape)
    if reverse:
        x = ops.flip(x, axis=axis)
    if exclusive:
        x = _shift_right(x, axis, identity)
    y = op(x, axis=axis)
    return ops.flip(y, axis=axis) if reverse else y


def safe_cumprod(x, axis=0, exclusive: bool = False, reverse: bool = False, name=None):
    """Cumulative product of `x` computed as `exp(cumsum(log(x)))`, with `x` clipped to
    `[tiny, 1]` first, so that neither it nor its gradient underflows for small or zero
    entries (Raffel et al. 2017, "Online and Linear-Time Attention by Enforcing Monotonic
    Alignments", sec. 2). `axis`, `exclusive` and `reverse` are `tf.cumsum`'s (tfa
    passes its extra arguments on to it)."""
    del name
    x = ops.convert_to_tensor(x)
    tiny = np.finfo(keras.backend.standardize_dtype(x.dtype)).tiny
    logs = ops.log(ops.clip(x, tiny, 1.0))
    return ops.exp(_cumulative(ops.cumsum, logs, axis, exclusive, reverse, 0.0))


def hardmax(logits, name=None):
    """One-hot vectors at the maximum of `logits` along its last axis (the first maximum
    on ties), in `logits`' dtype."""
    del name
    logits = ops.convert_to_tensor(logits)
    depth = logits.shape[-1] if logits.shape[-1] is not None else ops.shape(logits)[-1]
    return ops.one_hot(ops.argmax(logits, axis=-1), depth, dtype=logits.dtype)


def monotonic_attention(p_choose_i, previous_attention, mode: str):
    """The monotonic attention distribution from choosing probabilities: the expected
    alignments Raffel et al. 2017 train with (sec. 2). Memory entries are read left to
    right, and once an entry is attended to, no earlier one can be at a later output step.

    Args:
      p_choose_i: `[batch_size, memory_time]` probabilities, in `[0, 1]`, of stopping at
        each memory entry.
      previous_attention: the `[batch_size, memory_time]` attention of the previous output
        step; `[1, 0, ..., 0]` for the first one.
      mode: "recursive" (the recurrence `q_i = (1 - p_{i-1}) q_{i-1} + a_i`, `attention_i =
        p_i q_i`, exact, with a scan), "parallel" (its closed form with cumulative sums and
        products; `safe_cumprod` and a clip at 1e-10 make it approximate where
        probabilities are near 0 or 1) or "hard" (for 0/1 probabilities: the first chosen
        entry at or after the previous one).

    Returns:
      The `[batch_size, memory_time]` attention.
    """
    p_choose_i = ops.convert_to_tensor(p_choose_i)
    previous_attention = ops.cast(previous_attention, p_choose_i.dtype)
    if mode == "recursive":
        stay = _shift_right(1.0 - p_choose_i, 1, 1.0)

        def step(q, stay_and_previous):
            stay_i, previous_i = stay_and_previous
            q = stay_i * q + previous_i
            return q, q

        time_major = (ops.transpose(stay), ops.transpose(previous_attention))
        _, q = ops.scan(step, ops.zeros_like(p_choose_i[:, 0]), time_major)
        return p_choose_i * ops.transpose(q)
    if mode == "parallel":
        cumprod_1mp = safe_cumprod(1.0 - p_choose_i, axis=1, exclusive=True)
        ratio = previous_attention / ops.clip(cumprod_1mp, 1e-10, 1.0)
        return p_choose_i * cumprod_1mp * ops.cumsum(ratio, axis=1)
    if mode == "hard":
        p_choose_i = p_choose_i * ops.cumsum(previous_attention, axis=1)
        return p_choose_i * _cumulative(ops.cumprod, 1.0 - p_choose_i, 1, True, False, 1.0)
    raise ValueError("mode must be 'recursive', 'parallel', or 'hard'.")


def _monotonic_probability_fn(score, previous_alignments, sigmoid_noise, mode, seed=None):
    """Monotonic attention from scores (Raffel et al. 2017, sec. 2): Gaussian noise of
    standard deviation `sigmoid_noise` added before the sigmoid pushes training towards
    discrete choices (set it to 0 at test time); "hard" mode chooses where `score > 0`."""
    if sigmoid_noise > 0:
        noise = keras.random.normal(ops.shape(score), dtype=score.dtype, seed=seed)
        score = score + sigmoid_noise * noise
    if mode == "hard":
        p_choose_i = ops.cast(score > 0, score.dtype)
    else:
        p_choose_i = ops.sigmoid(score)
    return monotonic_attention(p_choose_i, previous_alignments, mode)


def _sequence_mask(lengths, maxlen):
    return ops.expand_dims(ops.arange(maxlen, dtype="int32"), 0) < ops.expand_dims(
        ops.cast(lengths, "int32"), 1
    )


def _check_positive(lengths):
    if keras.backend.backend() == "tensorflow":
        tf.debugging.assert_positive(
            lengths, message="All values in memory_sequence_length must greater than zero."
        )
    elif np.any(ops.convert_to_numpy(lengths) <= 0):
        raise ValueError("All values in memory_sequence_length must greater than zero.")


# --- attention mechanisms ------------------------------------------------------------------


# Not registered, as in tfa: the base takes an arbitrary `probability_fn`; the concrete
# mechanisms below are registered and round-trip through their configs.
class AttentionMechanism(keras.layers.Layer):
    """Base class of the attention mechanisms: keeps the memory (`values`, masked past
    each row's length), its projection (`keys`, by `memory_layer`), and scores a query
    against it.

    The memory is given to the constructor or later to `setup_memory` (call it again for
    each new batch, e.g. inside a model's `call`); `mechanism([query, state])` then returns
    `(alignments, next_state)`. `mechanism(memory, setup_memory=True)` (optionally with a
    Keras `mask=`) sets the memory through `__call__`, as tfa. Subclasses implement
    `_calculate_attention(query, state)`.

    Args:
      memory: `[batch_size, max_time, ...]`, usually an encoder's outputs, or None.
      probability_fn: `probabilities = probability_fn(score, state)`.
      query_layer: optional layer projecting the query to the keys' depth.
      memory_layer: optional layer projecting the memory to the keys.
      memory_sequence_length: optional `[batch_size]` lengths: memory rows past them are
        zeroed and their scores masked to the dtype's minimum.

    Unlike tfa, the memory is cast to the layer's compute dtype, and setting up a memory
    without lengths after one with lengths drops the old lengths' score mask. A memory
    given as a symbolic `keras.Input` to the constructor is not supported: set it up in
    the `call` of a layer or model.
    """

    def __init__(
        self,
        memory,
        probability_fn,
        query_layer=None,
        memory_layer=None,
        memory_sequence_length=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.query_layer = query_layer
        self.memory_layer = memory_layer
        self.default_probability_fn = probability_fn
        self.probability_fn = probability_fn
        self.keys = None
        self.values = None
        self.batch_size = None
        self._alignments_size = None
        self._memory_initialized = False
        self._check_inner_dims_defined = True
        self.supports_masking = True
        if memory is not None:
            self.setup_memory(memory, memory_sequence_length=memory_sequence_length)

    @property
    def memory_initialized(self) -> bool:
        """Whether a memory has been set up."""
        return self._memory_initialized

    def build(self, input_shape=None):
        # The projections build on their first call (or from their own build config); the
        # mechanism's own weights depend on `units` only, so the shapes are not needed.
        self.built = True

    def call(self, inputs, mask=None, setup_memory=False, **kwargs):
        """With `setup_memory=True`: sets `inputs` (`memory` or `[memory,
        memory_sequence_length]`, or a Keras `mask`) up and returns the masked memory.
        Otherwise `inputs` is `[query, state]` (a third item, tfa's processed memory, is
        ignored) and the result `(alignments, next_state)`."""
        if setup_memory:
            if isinstance(inputs, (list, tuple)):
                if len(inputs) not in (1, 2):
                    raise ValueError(f"Expect inputs to have 1 or 2 tensors, got {len(inputs)}")
                memory = inputs[0]
                lengths = inputs[1] if len(inputs) == 2 else None
            else:
                memory, lengths = inputs, None
            self.setup_memory(memory, lengths, mask)
            return self.values
        if not self._memory_initialized:
            raise ValueError("Cannot query the attention before the setup of memory")
        if not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3):
            raise ValueError(
                "Expect the inputs to have query, state, and optional processed memory, "
                f"got {len(inputs) if isinstance(inputs, (list, tuple)) else 1} items"
            )
        return self._calculate_attention(inputs[0], inputs[1])

    def setup_memory(self, memory, memory_sequence_length=None, memory_mask=None):
        """Masks the memory, projects it to the keys and fixes the batch size and number
        of alignments. `memory_mask` (`[batch_size, max_time]`, False where to ignore) is
        the alternative to `memory_sequence_length`."""
        if memory_sequence_length is not None and memory_mask is not None:
            raise ValueError(
                "memory_sequence_length and memory_mask cannot be used at same time for attention."
            )
        memory = ops.cast(memory, self.compute_dtype)
        if self._check_inner_dims_defined and any(d is None for d in memory.shape[2:]):
            raise ValueError(
                f"Expected memory to have fully defined inner dims, but saw shape: {memory.shape}"
            )
        score_mask = None
        if memory_sequence_length is not None:
            memory_sequence_length = ops.convert_to_tensor(memory_sequence_length)
            _check_positive(memory_sequence_length)
            score_mask = _sequence_mask(memory_sequence_length, ops.shape(memory)[1])
        elif memory_mask is not None:
            score_mask = ops.cast(memory_mask, "bool")
        if score_mask is not None:
            row_mask = ops.cast(score_mask, memory.dtype)
            for _ in range(len(memory.shape) - 2):
                row_mask = ops.expand_dims(row_mask, -1)
            memory = memory * row_mask
        self.values = memory
        self.keys = self.memory_layer(memory) if self.memory_layer is not None else memory
        self.batch_size = self.keys.shape[0] or ops.shape(self.keys)[0]
        self._alignments_size = self.keys.shape[1] or ops.shape(self.keys)[1]
        if score_mask is None:
            self.probability_fn = self.default_probability_fn
        else:
            unmasked = self.default_probability_fn

            def masked_probability_fn(score, previous):
                lowest = ops.full_like(score, np.finfo(score.dtype.name).min)
                return unmasked(ops.where(score_mask, score, lowest), previous)

            self.probability_fn = masked_probability_fn
        self._memory_initialized = True

    def _calculate_attention(self, query, state):
        raise NotImplementedError("_calculate_attention need to be implemented by subclasses.")

    def compute_mask(self, inputs, mask=None):
        # The memory's mask is used up by the scores; the alignments carry none.
        return None

    def get_config(self):
        config = {"memory": None}
        if self.query_layer is not None:
            config["query_layer"] = keras.layers.serialize(self.query_layer)
        if self.memory_layer is not None:
            config["memory_layer"] = keras.layers.serialize(self.memory_layer)
        return {**super().get_config(), **config}

    def _process_probability_fn(self, func_name):
        """The probability function named `func_name` ("softmax" or "hardmax")."""
        if func_name not in _PROBABILITY_FNS:
            raise ValueError(
                f"Invalid probability function: {func_name}, options are {_PROBABILITY_FNS}"
            )
        return hardmax if func_name == "hardmax" else functools.partial(ops.softmax, axis=-1)

    @classmethod
    def deserialize_inner_layer_from_config(cls, config, custom_objects):
        """`config` with its serialized `query_layer` and `memory_layer` made layers."""
        config = dict(config)
        for key in ("query_layer", "memory_layer"):
            if config.get(key):
                config[key] = keras.layers.deserialize(config[key], custom_objects=custom_objects)
            else:
                config.pop(key, None)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**cls.deserialize_inner_layer_from_config(config, custom_objects))

    @property
    def alignments_size(self):
        """The memory's `max_time`; None while unknown (tfa: `TensorShape([None])`)."""
        return self._alignments_size if isinstance(self._alignments_size, int) else None

    @property
    def state_size(self):
        return self.alignments_size

    def initial_alignments(self, batch_size, dtype):
        """`[batch_size, alignments_size]` zeros: the alignments before the first step."""
        return ops.zeros((batch_size, self._alignments_size), dtype=dtype)

    def initial_state(self, batch_size, dtype):
        """The mechanism's state before the first step: `initial_alignments`."""
        return self.initial_alignments(batch_size, dtype)


def _luong_score(query, keys, scale):
    """`score[b, t] = scale * <query[b], keys[b, t]>` (Luong et al. 2015, "Effective
    Approaches to Attention-based Neural Machine Translation", eq. 8, "general" with the
    memory layer as `W_a`)."""
    depth, key_units = query.shape[-1], keys.shape[-1]
    if depth != key_units:
        raise ValueError(
            "Incompatible or unknown inner dimensions between query and keys. Query has "
            f"units: {depth}. Keys have units: {key_units}. Perhaps you need to set "
            f"num_units to the keys' dimension ({key_units})?"
        )
    score = ops.squeeze(ops.matmul(ops.expand_dims(query, 1), ops.transpose(keys, (0, 2, 1))), 1)
    return score if scale is None else scale * score


@keras.saving.register_keras_serializable(package="Addons")
class LuongAttention(AttentionMechanism):
    """Luong's multiplicative attention (Luong et al. 2015, eq. 8): `score = <query,
    W_a memory>`, with `scale=True` times a learned scalar `g` (initially 1, tfa's
    "attention_g", here `scale_weight`).

    Args:
      units: depth of the keys; must equal the query's depth.
      memory, memory_sequence_length: see `AttentionMechanism`.
      scale: learn the scalar `g`.
      probability_fn: "softmax" or "hardmax".
      dtype, name: the layer's.
    """

    def __init__(
        self,
        units: int,
        memory=None,
        memory_sequence_length=None,
        scale: bool = False,
        probability_fn: str = "softmax",
        dtype=None,
        name: str = "LuongAttention",
        **kwargs,
    ):
        probability = self._process_probability_fn(probability_fn)
        memory_layer = kwargs.pop("memory_layer", None) or keras.layers.Dense(
            units, name="memory_layer", use_bias=False, dtype=dtype
        )
        super().__init__(
            memory=None,
            probability_fn=lambda score, _: probability(score),
            query_layer=None,
            memory_layer=memory_layer,
            name=name,
            dtype=dtype,
            **kwargs,
        )
        self.units = units
        self.scale = scale
        self.probability_fn_name = probability_fn
        self.scale_weight = None
        if memory is not None:
            self.setup_memory(memory, memory_sequence_length=memory_sequence_length)

    def build(self, input_shape=None):
        if self.scale and self.scale_weight is None:
            self.scale_weight = self.add_weight(name="attention_g", shape=(), initializer="ones")
        super().build(input_shape)

    def _calculate_attention(self, query, state):
        score = _luong_score(query, self.keys, self.scale_weight)
        alignments = self.probability_fn(score, state)
        return alignments, alignments

    def get_config(self):
        config = {"units": self.units, "scale": self.scale}
        return {**super().get_config(), **config, "probability_fn": self.probability_fn_name}


def _bahdanau_score(processed_query, keys, attention_v, attention_g=None, attention_b=None):
    """`score[b, t] = v . tanh(keys[b, t] + processed_query[b])` (Bahdanau et al. 2015,
    "Neural Machine Translation by Jointly Learning to Align and Translate", appendix
    A.1.2); with `attention_g` and `attention_b`, `v` is weight-normalised to
    `g v / ||v||` and `b` added inside the tanh (Salimans & Kingma 2016, "Weight
    Normalization", eq. 2)."""
    processed_query = ops.expand_dims(processed_query, 1)
    if attention_g is not None and attention_b is not None:
        normed_v = attention_g * attention_v * ops.rsqrt(ops.sum(ops.square(attention_v)))
        return ops.sum(normed_v * ops.tanh(keys + processed_query + attention_b), axis=2)
    return ops.sum(attention_v * ops.tanh(keys + processed_query), axis=2)


def _bahdanau_weights(layer, normalize):
    layer.attention_v = layer.add_weight(
        name="attention_v", shape=(layer.units,), initializer=layer.kernel_initializer
    )
    if normalize:
        layer.attention_g = layer.add_weight(
            name="attention_g",
            shape=(),
            initializer=keras.initializers.Constant(math.sqrt(1.0 / layer.units)),
        )
        layer.attention_b = layer.add_weight(
            name="attention_b", shape=(layer.units,), initializer="zeros"
        )


@keras.saving.register_keras_serializable(package="Addons")
class BahdanauAttention(AttentionMechanism):
    """Bahdanau's additive attention (Bahdanau et al. 2015): `score = v . tanh(W_q query +
    W_m memory)`; `normalize=True` weight-normalises `v` (a learned scalar `g`, initially
    `sqrt(1 / units)`, and a bias `b` inside the tanh).

    Args:
      units: depth of the query and memory projections.
      memory, memory_sequence_length: see `AttentionMechanism`.
      normalize: use the weight-normalised form.
      probability_fn: "softmax" or "hardmax".
      kernel_initializer: initializer of `v`.
      dtype, name: the layer's.
    """

    def __init__(
        self,
        units: int,
        memory=None,
        memory_sequence_length=None,
        normalize: bool = False,
        probability_fn: str = "softmax",
        kernel_initializer="glorot_uniform",
        dtype=None,
        name: str = "BahdanauAttention",
        **kwargs,
    ):
        probability = self._process_probability_fn(probability_fn)
        query_layer = kwargs.pop("query_layer", None) or keras.layers.Dense(
            units, name="query_layer", use_bias=False, dtype=dtype
        )
        memory_layer = kwargs.pop("memory_layer", None) or keras.layers.Dense(
            units, name="memory_layer", use_bias=False, dtype=dtype
        )
        super().__init__(
            memory=None,
            probability_fn=lambda score, _: probability(score),
            query_layer=query_layer,
            memory_layer=memory_layer,
            name=name,
            dtype=dtype,
            **kwargs,
        )
        self.units = units
        self.normalize = normalize
        self.probability_fn_name = probability_fn
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.attention_v = self.attention_g = self.attention_b = None
        if memory is not None:
            self.setup_memory(memory, memory_sequence_length=memory_sequence_length)

    def build(self, input_shape=None):
        if self.attention_v is None:
            _bahdanau_weights(self, self.normalize)
        super().build(input_shape)

    def _calculate_attention(self, query, state):
        processed_query = self.query_layer(query) if self.query_layer else query
        score = _bahdanau_score(
            processed_query, self.keys, self.attention_v, self.attention_g, self.attention_b
        )
        alignments = self.probability_fn(score, state)
        return alignments, alignments

    def get_config(self):
        config = {
            "units": self.units,
            "normalize": self.normalize,
            "probability_fn": self.probability_fn_name,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        }
        return {**super().get_config(), **config}


class _BaseMonotonicAttentionMechanism(AttentionMechanism):
    """A monotonic mechanism starts from the Dirac alignments `[1, 0, ..., 0]`, which its
    probability function needs as the previous attention."""

    def _monotonic_setup(self, sigmoid_noise, sigmoid_noise_seed, score_bias_init, mode):
        if mode not in _MONOTONIC_MODES:
            raise ValueError("mode must be 'recursive', 'parallel', or 'hard'.")
        self.sigmoid_noise = sigmoid_noise
        self.sigmoid_noise_seed = sigmoid_noise_seed
        self.score_bias_init = score_bias_init
        self.mode = mode
        self.attention_score_bias = None
        # A seed generator (a state variable) only where noise is drawn.
        seed = keras.random.SeedGenerator(sigmoid_noise_seed) if sigmoid_noise > 0 else None
        self.noise_seed_generator = seed
        self.default_probability_fn = self.probability_fn = functools.partial(
            _monotonic_probability_fn, sigmoid_noise=sigmoid_noise, mode=mode, seed=seed
        )

    def _score_bias(self):
        self.attention_score_bias = self.add_weight(
            name="attention_score_bias",
            shape=(),
            initializer=keras.initializers.Constant(self.score_bias_init),
        )

    def _monotonic_config(self):
        return {
            "sigmoid_noise": self.sigmoid_noise,
            "sigmoid_noise_seed": self.sigmoid_noise_seed,
            "score_bias_init": self.score_bias_init,
            "mode": self.mode,
        }

    def initial_alignments(self, batch_size, dtype):
        """`[batch_size, alignments_size]` Dirac distributions `[1, 0, ..., 0]`."""
        first = ops.zeros((batch_size,), dtype="int32")
        return ops.one_hot(first, self._alignments_size, dtype=dtype)


@keras.saving.register_keras_serializable(package="Addons")
class BahdanauMonotonicAttention(_BaseMonotonicAttentionMechanism):
    """Monotonic attention with Bahdanau's score plus a learned scalar bias before the
    sigmoid (Raffel et al. 2017, "Online and Linear-Time Attention by Enforcing Monotonic
    Alignments", sec. 2).

    Args:
      units, memory, memory_sequence_length, normalize, kernel_initializer, dtype, name:
        as `BahdanauAttention`.
      sigmoid_noise: standard deviation of the noise added to the scores before the
        sigmoid (0: none).
      sigmoid_noise_seed: seed of that noise.
      score_bias_init: initial score bias; negative values suit long memories.
      mode: "parallel", "recursive" or "hard" (see `monotonic_attention`).
    """

    def __init__(
        self,
        units: int,
        memory=None,
        memory_sequence_length=None,
        normalize: bool = False,
        sigmoid_noise: float = 0.0,
        sigmoid_noise_seed=None,
        score_bias_init: float = 0.0,
        mode: str = "parallel",
        kernel_initializer="glorot_uniform",
        dtype=None,
        name: str = "BahdanauMonotonicAttention",
        **kwargs,
    ):
        query_layer = kwargs.pop("query_layer", None) or keras.layers.Dense(
            units, name="query_layer", use_bias=False, dtype=dtype
        )
        memory_layer = kwargs.pop("memory_layer", None) or keras.layers.Dense(
            units, name="memory_layer", use_bias=False, dtype=dtype
        )
        super().__init__(
            memory=None,
            probability_fn=None,
            query_layer=query_layer,
            memory_layer=memory_layer,
            name=name,
            dtype=dtype,
            **kwargs,
        )
        self.units = units
        self.normalize = normalize
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.attention_v = self.attention_g = self.attention_b = None
        self._monotonic_setup(sigmoid_noise, sigmoid_noise_seed, score_bias_init, mode)
        if memory is not None:
            self.setup_memory(memory, memory_sequence_length=memory_sequence_length)

    def build(self, input_shape=None):
        if self.attention_v is None:
            _bahdanau_weights(self, self.normalize)
            self._score_bias()
        super().build(input_shape)

    def _calculate_attention(self, query, state):
        processed_query = self.query_layer(query) if self.query_layer else query
        score = _bahdanau_score(
            processed_query, self.keys, self.attention_v, self.attention_g, self.attention_b
        )
        alignments = self.probability_fn(score + self.attention_score_bias, state)
        return alignments, alignments

    def get_config(self):
        config = {
            "units": self.units,
            "normalize": self.normalize,
            **self._monotonic_config(),
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        }
        return {**super().get_config(), **config}


@keras.saving.register_keras_serializable(package="Addons")
class LuongMonotonicAttention(_BaseMonotonicAttentionMechanism):
    """Monotonic attention with Luong's score plus a learned scalar bias before the
    sigmoid (Raffel et al. 2017, sec. 2); `scale=True` multiplies the score by a learned
    scalar `attention_g` (initially 1).

    Args:
      units, memory, memory_sequence_length, scale, dtype, name: as `LuongAttention`.
      sigmoid_noise, sigmoid_noise_seed, score_bias_init, mode: as
        `BahdanauMonotonicAttention`.
    """

    def __init__(
        self,
        units: int,
        memory=None,
        memory_sequence_length=None,
        scale: bool = False,
        sigmoid_noise: float = 0.0,
        sigmoid_noise_seed=None,
        score_bias_init: float = 0.0,
        mode: str = "parallel",
        dtype=None,
        name: str = "LuongMonotonicAttention",
        **kwargs,
    ):
        memory_layer = kwargs.pop("memory_layer", None) or keras.layers.Dense(
            units, name="memory_layer", use_bias=False, dtype=dtype
        )
        super().__init__(
            memory=None,
            probability_fn=None,
            query_layer=None,
            memory_layer=memory_layer,
            name=name,
            dtype=dtype,
            **kwargs,
        )
        self.units = units
        self.scale = scale
        self.attention_g = None
        self._monotonic_setup(sigmoid_noise, sigmoid_noise_seed, score_bias_init, mode)
        if memory is not None:
            self.setup_memory(memory, memory_sequence_length=memory_sequence_length)

    def build(self, input_shape=None):
        if self.attention_score_bias is None:
            if self.scale:
                self.attention_g = self.add_weight(name="attention_g", shape=(), initializer="ones")
            self._score_bias()
        super().build(input_shape)

    def _calculate_attention(self, query, state):
        score = _luong_score(query, self.keys, self.attention_g)
        alignments = self.probability_fn(score + self.attention_score_bias, state)
        return alignments, alignments

    def get_config(self):
        config = {"units": self.units, "scale": self.scale, **self._monotonic_config()}
        return {**super().get_config(), **config}


# --- the wrapper ---------------------------------------------------------------------------


class AttentionWrapperState(
    collections.namedtuple(
        "AttentionWrapperState",
        ("cell_state", "attention", "alignments", "alignment_history", "attention_state"),
    )
):
    """State of an `AttentionWrapper`.

    Attributes:
      cell_state: the wrapped cell's state after the previous step.
      attention: the attention emitted at the previous step.
      alignments: the previous step's alignments, one tensor per mechanism (a tuple when
        the wrapper was given a list of mechanisms).
      alignment_history: `()` unless `alignment_history=True`; then, per mechanism, the
        alignments of every step so far, time major: a `tf.TensorArray` (call `stack()`),
        or a `[steps, batch_size, memory_time]` tensor in the state `keras.layers.RNN`
        makes (see `AttentionWrapper.get_initial_state`).
      attention_state: each mechanism's own state (its alignments, for tfa's mechanisms).
    """

    __slots__ = ()

    def clone(self, **kwargs):
        """This state with the fields in `kwargs` replaced, e.g.
        `state.clone(cell_state=encoder_final_state)`. A replacing tensor must have the
        shape of the one it replaces where both are known (tfa also checks it at run time
        in a graph)."""
        for field, new in kwargs.items():
            old_leaves = keras.tree.flatten(getattr(self, field))
            new_leaves = keras.tree.flatten(new)
            if len(old_leaves) != len(new_leaves):
                continue
            for old, replacement in zip(old_leaves, new_leaves, strict=True):
                if ops.is_tensor(old) and ops.is_tensor(replacement):
                    _check_same_shape(old.shape, replacement.shape)
        return self._replace(**kwargs)


def _check_same_shape(old, new):
    old, new = tuple(old), tuple(new)
    if len(old) != len(new) or any(
        a is not None and b is not None and a != b for a, b in zip(old, new, strict=True)
    ):
        raise ValueError(
            "The shape of the AttentionWrapperState is expected to be same as the one to "
            f"clone. self.shape: {old}, input.shape: {new}"
        )


def _as_state(state):
    if isinstance(state, AttentionWrapperState):
        return state
    try:
        return AttentionWrapperState(*state)
    except TypeError as error:
        raise TypeError(
            "Expected state to be instance of AttentionWrapperState or values that can "
            f"construct AttentionWrapperState. Received type {type(state)} instead."
        ) from error


def _concatenate_inputs(inputs, attention):
    return ops.concatenate([inputs, attention], axis=-1)


def _compute_attention(attention_mechanism, cell_output, attention_state, attention_layer):
    """One mechanism's `(attention, alignments, next_attention_state)`: the context is the
    alignment-weighted sum of the memory; the attention is the context, or
    `attention_layer([cell_output, context])` (Luong et al. 2015, eq. 5, where the layer is
    `tanh(W_c [c; h])`; tfa's default is bias-free and linear)."""
    alignments, next_attention_state = attention_mechanism([cell_output, attention_state])
    context = ops.matmul(ops.expand_dims(alignments, 1), attention_mechanism.values)
    context = ops.squeeze(context, 1)
    if attention_layer is None:
        return context, alignments, next_attention_state
    attention = attention_layer(ops.concatenate([cell_output, context], axis=1))
    return attention, alignments, next_attention_state


def _initial_cell_state(cell, batch_size, dtype):
    get_initial_state = getattr(cell, "get_initial_state", None)
    if get_initial_state is None:
        state = keras.tree.map_structure(
            lambda size: ops.zeros((batch_size, size), dtype), cell.state_size
        )
    elif "dtype" in inspect.signature(get_initial_state).parameters:
        state = get_initial_state(batch_size=batch_size, dtype=dtype)
    else:  # Keras 3's cells take no dtype
        state = get_initial_state(batch_size=batch_size)
    return keras.tree.map_structure(lambda s: ops.cast(s, dtype), state)


def _empty_history(alignments, dtype, as_tensor):
    if not as_tensor:
        return tf.TensorArray(dtype, size=0, dynamic_size=True, element_shape=alignments.shape)
    empty = ops.zeros((0, *ops.shape(alignments)), dtype=dtype)
    # A graph's tf.while_loop keeps each loop variable's static shape: with the number of
    # steps unknown, keras.layers.RNN's loop may add one step per iteration.
    return tf.raw_ops.PlaceholderWithDefault(input=empty, shape=[None, *alignments.shape])


def _append_history(history, alignments):
    if isinstance(history, tf.TensorArray):
        return history.write(history.size(), alignments)
    return ops.concatenate([history, ops.expand_dims(ops.cast(alignments, history.dtype), 0)], 0)


@keras.saving.register_keras_serializable(package="Addons")
class AttentionWrapper(keras.layers.Layer):
    """An RNN cell wrapped with attention (Luong et al. 2015, sec. 3; Bahdanau et al.
    2015): at each step,

    1. the cell input is `cell_input_fn(inputs, previous attention)` (by default their
       concatenation);
    2. the wrapped cell steps;
    3. each mechanism scores the cell output against its memory into alignments;
    4. the context is the alignment-weighted memory;
    5. the attention is the context, or the attention layer of `[cell output, context]`
       (Luong's attentional hidden state), concatenated over the mechanisms.

    The step's output is the attention (`output_attention=True`, Luong) or the cell output
    (Bahdanau). The wrapper is a Keras 3 RNN cell: use it in `keras.layers.RNN`, or call
    `cell(inputs, state)` step by step, as tfa's decoders do. With beam search, tile the
    memory, its lengths and the initial cell state to `batch_size * beam_width` and ask
    `get_initial_state(batch_size=batch_size * beam_width, dtype=...)`.

    Args:
      cell: the RNN cell to wrap (a `state_size`, an `output_size`, callable).
      attention_mechanism: an `AttentionMechanism`, or a list of them.
      attention_layer_size: depth of the attention layer (a list: one per mechanism), a
        bias-free `Dense`; None: the context is the attention. Excludes `attention_layer`.
      alignment_history: keep every step's alignments in the state.
      cell_input_fn: `(inputs, attention) -> cell inputs`.
      output_attention: emit the attention (True) or the cell output (False).
      initial_cell_state: the cell state `get_initial_state` returns (not serialized).
      name: the layer's name.
      attention_layer: a layer (a list: one per mechanism) mapping `[cell output,
        context]` to the attention. Excludes `attention_layer_size`.
      attention_fn: `(mechanism, cell_output, attention_state, attention_layer) ->
        (attention, alignments, next_attention_state)`, replacing steps 3-5.

    The mechanisms' memories must be set up before the wrapper steps or gives its initial
    state; `state_size` and `output_size` are None where they depend on a memory not yet
    set up (tfa raises), since `keras.layers.RNN` reads them when it is constructed.

    Example:

    ```python
    from kerasdl.addons import seq2seq

    encoder_outputs = np.random.rand(4, 7, 16).astype("float32")
    mechanism = seq2seq.LuongAttention(32, encoder_outputs, memory_sequence_length=[7, 5, 7, 2])
    cell = seq2seq.AttentionWrapper(keras.layers.LSTMCell(32), mechanism, attention_layer_size=8)
    outputs = keras.layers.RNN(cell, return_sequences=True)(np.random.rand(4, 5, 3))
    assert outputs.shape == (4, 5, 8)  # the attention at each of the 5 steps
    state = cell.get_initial_state(batch_size=4, dtype="float32")  # or step by step
    output, state = cell(np.random.rand(4, 3).astype("float32"), state)
    ```
    """

    def __init__(
        self,
        cell,
        attention_mechanism,
        attention_layer_size=None,
        alignment_history: bool = False,
        cell_input_fn=None,
        output_attention: bool = True,
        initial_cell_state=None,
        name=None,
        attention_layer=None,
        attention_fn=None,
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        if not (hasattr(cell, "state_size") and hasattr(cell, "output_size") and callable(cell)):
            raise TypeError(
                f"The argument 'cell' ({cell}) is not an RNNCell: it needs a `state_size`, "
                "an `output_size` and to be callable."
            )
        self._is_multi = isinstance(attention_mechanism, (list, tuple))
        mechanisms = list(attention_mechanism) if self._is_multi else [attention_mechanism]
        for mechanism in mechanisms:
            if not isinstance(mechanism, AttentionMechanism):
                raise TypeError(
                    "attention_mechanism must be an AttentionMechanism or a list of them, "
                    f"saw: {type(mechanism).__name__}"
                )
        if attention_layer_size is not None and attention_layer is not None:
            raise ValueError("Only one of attention_layer_size and attention_layer should be set")
        if attention_layer_size is not None:
            sizes = (
                tuple(attention_layer_size)
                if isinstance(attention_layer_size, (list, tuple))
                else (attention_layer_size,)
            )
            if len(sizes) != len(mechanisms):
                raise ValueError(
                    "If provided, attention_layer_size must contain exactly one integer per "
                    f"attention_mechanism, saw: {len(sizes)} vs {len(mechanisms)}"
                )
            attention_layers = [
                keras.layers.Dense(
                    size, name="attention_layer", use_bias=False, dtype=self.dtype_policy
                )
                for size in sizes
            ]
        elif attention_layer is not None:
            attention_layers = (
                list(attention_layer)
                if isinstance(attention_layer, (list, tuple))
                else [attention_layer]
            )
            if len(attention_layers) != len(mechanisms):
                raise ValueError(
                    "If provided, attention_layer must contain exactly one layer per "
                    f"attention_mechanism, saw: {len(attention_layers)} vs {len(mechanisms)}"
                )
        else:
            attention_layers = None
        self._cell = cell
        self._attention_mechanisms = mechanisms
        self._attention_layers = attention_layers
        self._attention_layer_size_arg = attention_layer_size
        self._given_attention_layer = attention_layer is not None
        self._given_cell_input_fn = cell_input_fn
        self._given_attention_fn = attention_fn
        self._cell_input_fn = cell_input_fn or _concatenate_inputs
        self._attention_fn = attention_fn or _compute_attention
        self._output_attention = output_attention
        self._alignment_history = alignment_history
        self._attention_layer_size = None
        self._memory_depths = None  # from a build config, before any memory is set up
        if initial_cell_state is not None:
            final = keras.tree.flatten(initial_cell_state)[-1]
            self._check_batch_size(
                final.shape[0],
                f"When constructing AttentionWrapper {self.name}: Non-matching batch sizes "
                "between the memory (encoder output) and initial_cell_state. Are you using "
                "the BeamSearchDecoder? You may need to tile your initial state via the "
                "tfa.seq2seq.tile_batch function with argument multiple=beam_width.",
            )
        # A tuple keeps Keras from tracking (and wrapping) the structure.
        self._initial_cell_state = (initial_cell_state,)

    # -- sizes ----------------------------------------------------------------------------

    def _memory_depth(self, index):
        mechanism = self._attention_mechanisms[index]
        if mechanism.memory_initialized:
            return mechanism.values.shape[-1]
        return self._memory_depths[index] if self._memory_depths else None

    def _get_attention_layer_size(self):
        if self._attention_layer_size is not None:
            return self._attention_layer_size
        depths = [self._memory_depth(i) for i in range(len(self._attention_mechanisms))]
        if None in depths:
            return None
        if self._attention_layers is None:
            sizes = depths
        else:
            sizes = [
                layer.compute_output_shape((None, self._cell.output_size + depth))[-1]
                for layer, depth in zip(self._attention_layers, depths, strict=True)
            ]
        self._attention_layer_size = None if None in sizes else int(sum(sizes))
        return self._attention_layer_size

    def _item_or_tuple(self, seq):
        items = tuple(seq)
        return items if self._is_multi else items[0]

    @property
    def output_size(self):
        if self._output_attention:
            return self._get_attention_layer_size()
        return self._cell.output_size

    @property
    def state_size(self):
        """An `AttentionWrapperState` of the state's sizes (None where a memory not yet set
        up decides them)."""
        mechanisms = self._attention_mechanisms
        return AttentionWrapperState(
            cell_state=self._cell.state_size,
            attention=self._get_attention_layer_size(),
            alignments=self._item_or_tuple(m.alignments_size for m in mechanisms),
            attention_state=self._item_or_tuple(m.state_size for m in mechanisms),
            alignment_history=self._item_or_tuple(
                m.alignments_size if self._alignment_history else () for m in mechanisms
            ),
        )

    def _check_memory(self):
        for mechanism in self._attention_mechanisms:
            if not mechanism.memory_initialized:
                raise ValueError(
                    "The AttentionMechanism instances passed to this AttentionWrapper should "
                    "be initialized with a memory first, either by passing it to the "
                    "AttentionMechanism constructor or calling "
                    "attention_mechanism.setup_memory()"
                )

    def _check_batch_size(self, batch_size, message):
        for mechanism in self._attention_mechanisms:
            known = isinstance(batch_size, int) and isinstance(mechanism.batch_size, int)
            if known and batch_size != mechanism.batch_size:
                raise ValueError(f"{message} (batch size {batch_size} vs {mechanism.batch_size})")

    # -- Keras ----------------------------------------------------------------------------

    def build(self, input_shape):
        """Builds what the known sizes allow: the attention layers (with the memory's
        depth), the wrapped cell (for the default `cell_input_fn`) and the mechanisms; the
        rest builds on the first step."""
        output_size = self._cell.output_size
        for i, mechanism in enumerate(self._attention_mechanisms):
            depth = self._memory_depth(i)
            layer = self._attention_layers[i] if self._attention_layers else None
            if layer is not None and not layer.built and depth is not None:
                layer.build((None, output_size + depth))
            query_layer = mechanism.query_layer
            if query_layer is not None and not query_layer.built:
                query_layer.build((None, output_size))
            memory_layer = mechanism.memory_layer
            if memory_layer is not None and not memory_layer.built and depth is not None:
                memory_layer.build((None, None, depth))
            if not mechanism.built:
                mechanism.build(None)
        attention_size = self._get_attention_layer_size()
        if not self._cell.built and self._given_cell_input_fn is None and attention_size:
            self._cell.build((input_shape[0], input_shape[-1] + attention_size))
        self.built = True

    def get_build_config(self):
        config = super().get_build_config()
        if config is None:
            return None
        depths = [self._memory_depth(i) for i in range(len(self._attention_mechanisms))]
        return {**config, "memory_depths": depths}

    def build_from_config(self, config):
        self._memory_depths = config.get("memory_depths")
        if "input_shape" in config:
            self.build(config["input_shape"])

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        """The zero `AttentionWrapperState` (the cell's own initial state, or
        `initial_cell_state`), for `batch_size` rows (`inputs`' first dimension) of `dtype`
        (`inputs`' dtype; default: the layer's compute dtype).

        With `alignment_history=True` the history is an empty `tf.TensorArray`, as tfa,
        when a dtype or `inputs` is given (as tfa's decoders ask); asked for `batch_size`
        alone, as `keras.layers.RNN` asks (its states must be tensors), it is a `[0,
        batch_size, memory_time]` tensor that each step extends (TensorFlow only, and not
        through a masked RNN, where tfa failed too).

        Raises:
          ValueError: a memory is not set up, or `batch_size` is not the memory's (with beam
            search: tile the memory to `batch_size * beam_width`).
        """
        history_as_tensor = inputs is None and dtype is None
        if inputs is not None:
            inputs = ops.convert_to_tensor(inputs)
            batch_size = inputs.shape[0] or ops.shape(inputs)[0]
            dtype = inputs.dtype
        dtype = keras.backend.standardize_dtype(dtype or self.compute_dtype)
        self._check_memory()
        self._check_batch_size(
            batch_size,
            f"When calling get_initial_state of AttentionWrapper {self.name}: Non-matching "
            "batch sizes between the memory (encoder output) and the requested batch size. "
            "Are you using the BeamSearchDecoder? If so, make sure your encoder output has "
            "been tiled to beam_width via tfa.seq2seq.tile_batch, and the batch_size= "
            "argument passed to get_initial_state is batch_size * beam_width.",
        )
        (cell_state,) = self._initial_cell_state
        if cell_state is None:
            cell_state = _initial_cell_state(self._cell, batch_size, dtype)
        mechanisms = self._attention_mechanisms
        alignments = [m.initial_alignments(batch_size, dtype) for m in mechanisms]
        return AttentionWrapperState(
            cell_state=cell_state,
            attention=ops.zeros((batch_size, self._get_attention_layer_size()), dtype=dtype),
            alignments=self._item_or_tuple(alignments),
            attention_state=self._item_or_tuple(
                m.initial_state(batch_size, dtype) for m in mechanisms
            ),
            alignment_history=self._item_or_tuple(
                _empty_history(a, dtype, history_as_tensor) if self._alignment_history else ()
                for a in alignments
            ),
        )

    def __call__(self, inputs, state, **kwargs):
        # Keras refuses a call argument that mixes tensors and tf.TensorArrays: tfa's
        # alignment history goes around it, as a keyword argument of its own.
        state = _as_state(state)
        histories = state.alignment_history
        if any(isinstance(h, tf.TensorArray) for h in keras.tree.flatten(histories)):
            state = state._replace(alignment_history=())
            kwargs["tensor_array_history"] = histories
        return super().__call__(inputs, state, **kwargs)

    def call(self, inputs, state, training=None, tensor_array_history=None):
        """One step: `(attention or cell output, next AttentionWrapperState)`. `state` may
        be the five fields as a list, as `keras.layers.RNN` passes them."""
        state = _as_state(state)
        if tensor_array_history is not None:
            state = state._replace(alignment_history=tensor_array_history)
        cell_inputs = self._cell_input_fn(inputs, state.attention)
        cell_state = state.cell_state
        cell_output, next_cell_state = self._cell(cell_inputs, cell_state)
        next_cell_state = keras.tree.pack_sequence_as(
            cell_state, keras.tree.flatten(next_cell_state)
        )
        self._check_batch_size(
            cell_output.shape[0],
            f"When applying AttentionWrapper {self.name}: Non-matching batch sizes between "
            "the memory (encoder output) and the query (decoder output). Are you using the "
            "BeamSearchDecoder? You may need to tile your memory input via the "
            "tfa.seq2seq.tile_batch function with argument multiple=beam_width.",
        )
        if self._is_multi:
            previous_states, previous_histories = state.attention_state, state.alignment_history
        else:
            previous_states = [state.attention_state]
            previous_histories = [state.alignment_history]
        attentions, all_alignments, attention_states, histories = [], [], [], []
        for i, mechanism in enumerate(self._attention_mechanisms):
            attention, alignments, next_attention_state = self._attention_fn(
                mechanism,
                cell_output,
                previous_states[i],
                self._attention_layers[i] if self._attention_layers else None,
            )
            attentions.append(attention)
            all_alignments.append(alignments)
            attention_states.append(next_attention_state)
            histories.append(
                _append_history(previous_histories[i], alignments)
                if self._alignment_history
                else ()
            )
        attention = ops.concatenate(attentions, axis=1)
        next_state = AttentionWrapperState(
            cell_state=next_cell_state,
            attention=attention,
            alignments=self._item_or_tuple(all_alignments),
            attention_state=self._item_or_tuple(attention_states),
            alignment_history=self._item_or_tuple(histories),
        )
        return (attention if self._output_attention else cell_output), next_state

    def get_config(self):
        def serialize_layers(layers):
            layers = [keras.layers.serialize(layer) for layer in layers]
            return layers if self._is_multi else layers[0]

        config = {
            "cell": keras.layers.serialize(self._cell),
            "attention_mechanism": serialize_layers(self._attention_mechanisms),
            "attention_layer_size": self._attention_layer_size_arg,
            "alignment_history": self._alignment_history,
            "cell_input_fn": keras.saving.serialize_keras_object(self._given_cell_input_fn),
            "output_attention": self._output_attention,
            "attention_layer": (
                serialize_layers(self._attention_layers) if self._given_attention_layer else None
            ),
            "attention_fn": keras.saving.serialize_keras_object(self._given_attention_fn),
        }
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)

        def deserialize_layers(serialized):
            if serialized is None:
                return None
            if isinstance(serialized, list):
                return [keras.layers.deserialize(c, custom_objects) for c in serialized]
            return keras.layers.deserialize(serialized, custom_objects)

        cell = deserialize_layers(config.pop("cell"))
        mechanisms = deserialize_layers(config.pop("attention_mechanism"))
        config["attention_layer"] = deserialize_layers(config.get("attention_layer"))
        for key in ("cell_input_fn", "attention_fn"):
            if config.get(key) is not None:
                config[key] = keras.saving.deserialize_keras_object(
                    config[key], custom_objects=custom_objects
                )
        return cls(cell, mechanisms, **config)
