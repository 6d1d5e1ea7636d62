"""tfa.seq2seq.BasicDecoder: an RNN cell stepped by a sampler, as a Keras 3 layer."""

from __future__ import annotations

import collections
import inspect

import keras
import tensorflow as tf

from kerasdl._keras_private import get_keras_mask
from kerasdl.addons.seq2seq import decoder
from kerasdl.addons.seq2seq import sampler as sampler_py


class BasicDecoderOutput(collections.namedtuple("BasicDecoderOutput", ("rnn_output", "sample_id"))):
    """One step's (or, stacked, every step's) output of a `BasicDecoder`.

    Attributes:
        rnn_output: the cell output, through `output_layer` if there is one.
        sample_id: the ids the sampler chose from it.
    """


def _check_cell(name, cell):
    if not (hasattr(cell, "output_size") and hasattr(cell, "state_size") and callable(cell)):
        raise TypeError(
            f"The argument {name!r} ({cell}) is not an RNNCell: it needs `output_size`, "
            "`state_size` and a call `(inputs, states) -> (outputs, new_states)`."
        )


@keras.saving.register_keras_serializable(package="Addons")
class BasicDecoder(decoder.BaseDecoder):
    """Decoding with a sampler: at each step the cell reads the sampler's input, the
    optional `output_layer` maps its output, and the sampler picks the sample ids and the
    next input (teacher forcing, scheduled sampling, greedy or sampled inference).

    Args:
        cell: an RNN cell (`keras.layers.LSTMCell`, `GRUCell`, an `AttentionWrapper`...).
        sampler: a `Sampler`.
        output_layer: optional layer applied to the cell output (e.g. `Dense(vocab)`).
        **kwargs: `BaseDecoder`'s (`output_time_major`, `impute_finished`,
            `maximum_iterations`, ...) and Keras layer arguments.

    Call arguments:
        inputs: the sampler's input: `[batch, time, depth]` for the training samplers, the
            embedding matrix (or None with an `embedding_fn`) for the embedding samplers,
            the start inputs for `InferenceSampler`.
        initial_state: the cell's initial state; None starts from the cell's zero state
            (tfa required it).
        training: passed to the cell.
        **kwargs: the sampler's `initialize` arguments (`sequence_length`, `mask`,
            `start_tokens`, `end_token`, `embedding`, `auxiliary_inputs`). A Keras mask on
            `inputs` (e.g. from `Embedding(mask_zero=True)`) serves as `mask` when neither
            `mask` nor `sequence_length` is given, as it did under tf.keras 2.

    Returns:
        `(BasicDecoderOutput(rnn_output [batch, time, ...], sample_id [batch, time]),
        final_state, sequence_lengths [batch])`.

    Layers used by the sampler (an `Embedding` as `embedding_fn`) are tracked by the
    decoder, so their weights are the decoder's and are saved with it.
    """

    def __init__(self, cell, sampler, output_layer=None, **kwargs):
        _check_cell("cell", cell)
        if not isinstance(sampler, sampler_py.Sampler):
            raise TypeError(f"sampler must be a tfa Sampler, got {type(sampler).__name__}")
        if output_layer is not None and not isinstance(output_layer, keras.layers.Layer):
            raise TypeError(f"output_layer must be a Keras layer, got {output_layer!r}")
        super().__init__(**kwargs)
        self.cell = cell
        self.sampler = sampler
        self.output_layer = output_layer
        self._sampler_layers = [
            value for value in vars(sampler).values() if isinstance(value, keras.layers.Layer)
        ]

    def call(
        self,
        inputs,
        initial_state=None,
        training=None,
        *,
        sequence_length=None,
        start_tokens=None,
        end_token=None,
        embedding=None,
        auxiliary_inputs=None,
        **kwargs,
    ):
        # The samplers' arguments are named so that Keras sees each one alone: it refuses a
        # `**kwargs` that mixes tensors (`start_tokens`) with Python values (`end_token`).
        named = dict(
            sequence_length=sequence_length,
            start_tokens=start_tokens,
            end_token=end_token,
            embedding=embedding,
            auxiliary_inputs=auxiliary_inputs,
        )
        kwargs.update({name: value for name, value in named.items() if value is not None})
        return super().call(inputs, initial_state=initial_state, training=training, **kwargs)

    def initialize(self, inputs, initial_state=None, **kwargs):
        """Returns `(finished, first_inputs, initial_state)`."""
        if (
            kwargs.get("mask") is None
            and kwargs.get("sequence_length") is None
            and tf.is_tensor(inputs)
            and "mask" in inspect.signature(self.sampler.initialize).parameters
        ):
            mask = get_keras_mask(inputs)
            if mask is not None:
                kwargs["mask"] = mask
        finished, first_inputs = self.sampler.initialize(inputs, **kwargs)
        if initial_state is None:
            dtype = tf.nest.flatten(first_inputs)[0].dtype
            if not dtype.is_floating:
                dtype = None
            initial_state = decoder._initial_cell_state(self.cell, self.batch_size, dtype)
        self._cell_dtype = tf.nest.flatten(initial_state)[0].dtype
        return finished, first_inputs, initial_state

    @property
    def batch_size(self):
        return self.sampler.batch_size

    def _rnn_output_size(self):
        size = tf.TensorShape(self.cell.output_size)
        if self.output_layer is None:
            return size
        shape = self.output_layer.compute_output_shape((None, *size.as_list()))
        return tf.TensorShape(shape[1:])

    @property
    def output_size(self):
        return BasicDecoderOutput(
            rnn_output=self._rnn_output_size(), sample_id=self.sampler.sample_ids_shape
        )

    @property
    def output_dtype(self):
        return BasicDecoderOutput(self._cell_dtype, self.sampler.sample_ids_dtype)

    def step(self, time, inputs, state, training=None):
        """Returns `(BasicDecoderOutput, next_state, next_inputs, finished)`."""
        cell_outputs, cell_state = self.cell(inputs, state, training=training)
        # Keras cells return their state as a list; keep the structure we were given.
        cell_state = tf.nest.pack_sequence_as(state, tf.nest.flatten(cell_state))
        if self.output_layer is not None:
            cell_outputs = self.output_layer(cell_outputs)
        sample_ids = self.sampler.sample(time=time, outputs=cell_outputs, state=cell_state)
        finished, next_inputs, next_state = self.sampler.next_inputs(
            time=time, outputs=cell_outputs, state=cell_state, sample_ids=sample_ids
        )
        return BasicDecoderOutput(cell_outputs, sample_ids), next_state, next_inputs, finished

    def get_config(self):
        output_layer = self.output_layer
        return {
            **super().get_config(),
            "cell": keras.saving.serialize_keras_object(self.cell),
            "sampler": keras.saving.serialize_keras_object(self.sampler),
            "output_layer": None
            if output_layer is None
            else keras.saving.serialize_keras_object(output_layer),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for name in ("cell", "sampler", "output_layer"):
            if config.get(name) is not None:
                config[name] = keras.saving.deserialize_keras_object(config[name])
        return cls(**config)
