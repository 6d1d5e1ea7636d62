"""The tensorflow-addons 0.23 side of `benchmarks/run_all.py`; runs in the reference
interpreter (TensorFlow 2.15 + tensorflow-addons 0.23, see benchmarks/README.md).

A long-lived worker, so that `run_all.py` can alternate kerasdl and tfa measurements
round by round: it reads one JSON request per line on stdin and answers one JSON line
on stdout.

- `{"task": "versions"}` -> TensorFlow and tfa versions.
- `{"task": "crf", "batch_size": B, "max_length": T, "num_tags": K, "seed": S,
  "warmup": W, "repeats": R}` -> median ms of tfa's CRF NLL + gradient and Viterbi
  decode (`crf_tfa_reference.py`'s problem and timing).
- `{"task": "tagger_setup", "batches": PATH, "config": {...}}` builds the BiLSTM-CRF a
  tfa user writes (the kerasdl tagger's network, with `tfa.text.CRFModelWrapper` for the
  CRF) over the batches saved in PATH (`run_all.py` writes them) and trains one warm-up
  epoch -> parameter count.
- `{"task": "tagger_epoch"}` -> seconds of one training epoch over those batches
  (`fit_seconds`).

It imports neither kerasdl nor Keras 3.
"""

import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crf_tfa_reference import make_inputs, median_ms  # noqa: E402

BATCH_ARRAYS = ("token_ids", "char_ids", "lengths", "tags")


def fit_seconds(model, data, **fit_kwargs):
    """Seconds from a one-epoch `model.fit(data)` call to the end of its last step.

    Not to the call's return: on the 2-core benchmark machine a `fit` call often waits
    after its last step until a multiple of 5.12 s since it began (5.11, 10.23, 20.48 s),
    on TF 2.15 and 2.21 alike; turning tf.data's autotuning off removes the wait (the
    iterator's end waits out the autotuning thread's sleep, whose period doubles to 5.12
    s and beyond). Shared by both sides of `run_all.py` (`tf.keras` is Keras 3 there).
    """

    class LastStep(tf.keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.end = time.perf_counter()

    last_step = LastStep()
    start = time.perf_counter()
    model.fit(data, epochs=1, verbose=0, callbacks=[last_step], **fit_kwargs)
    return last_step.end - start


def save_batches(path, batches):
    """Writes `[(token_ids, char_ids, lengths, tags), ...]` to one `.npz`."""
    arrays = {
        f"{name}_{i}": array
        for i, batch in enumerate(batches)
        for name, array in zip(BATCH_ARRAYS, batch, strict=True)
    }
    np.savez(path, count=len(batches), **arrays)


def load_batches(path):
    """The batches `save_batches` wrote."""
    arrays = np.load(path)
    return [
        tuple(arrays[f"{name}_{i}"] for name in BATCH_ARRAYS) for i in range(int(arrays["count"]))
    ]


def batch_dataset(batches):
    def generate():
        for token_ids, char_ids, lengths, tags in batches:
            yield {"token_ids": token_ids, "char_ids": char_ids, "lengths": lengths}, tags

    signature = (
        {
            "token_ids": tf.TensorSpec([None, None], tf.int32),
            "char_ids": tf.TensorSpec([None, None, None], tf.int32),
            "lengths": tf.TensorSpec([None], tf.int32),
        },
        tf.TensorSpec([None, None], tf.int32),
    )
    return tf.data.Dataset.from_generator(generate, output_signature=signature).prefetch(2)


def tagger(config):
    """kerasdl's default tagger network in tf.keras 2.15 with tfa's CRF: 100-d word
    vectors, a character CNN (30 filters of width 3, tanh, max over the word's
    characters), dropout 0.5, a BiLSTM of 200 units per direction, and
    `CRFModelWrapper` (tfa's CRF layer: a projection to the tags, transitions, boundary
    potentials; its train step computes `-crf_log_likelihood` and decodes)."""
    import tensorflow_addons as tfa

    layers = tf.keras.layers
    token_ids = tf.keras.Input((None,), dtype=tf.int32, name="token_ids")
    char_ids = tf.keras.Input((None, None), dtype=tf.int32, name="char_ids")
    lengths = tf.keras.Input((), dtype=tf.int32, name="lengths")
    words = layers.Embedding(config["words"], config["word_dim"], mask_zero=True)(token_ids)
    chars = layers.Embedding(config["chars"], config["char_dim"])(char_ids)
    chars = layers.Dropout(config["dropout"])(chars)
    chars = layers.Conv2D(config["char_units"], (1, 3), padding="same", activation="tanh")(chars)
    present = tf.expand_dims(tf.not_equal(char_ids, 0), -1)
    chars = tf.reduce_max(tf.where(present, chars, -2.0), axis=2)
    chars = tf.where(chars < -1.5, 0.0, chars)
    x = layers.Concatenate()([words, chars])
    x = layers.Dropout(config["dropout"])(x)
    x = layers.Bidirectional(layers.LSTM(config["lstm_units"], return_sequences=True))(x)
    x = layers.Dropout(config["dropout"])(x)
    base = tf.keras.Model({"token_ids": token_ids, "char_ids": char_ids, "lengths": lengths}, x)
    model = tfa.text.CRFModelWrapper(base, config["num_tags"])
    model.compile(
        optimizer=tf.keras.optimizers.Adam(config["learning_rate"], clipnorm=config["clipnorm"])
    )
    return model


def main():
    import tensorflow_addons as tfa

    state = {}
    for line in sys.stdin:
        request = json.loads(line)
        task = request["task"]
        if task == "versions":
            answer = {"tensorflow": tf.__version__, "tensorflow_addons": tfa.__version__}
        elif task == "crf":
            shape = [request[k] for k in ("batch_size", "max_length", "num_tags", "seed")]
            inputs, tags, lengths, transitions = (tf.constant(a) for a in make_inputs(*shape))

            @tf.function
            def nll_grad(inputs, tags, lengths, transitions):
                with tf.GradientTape() as tape:
                    tape.watch([inputs, transitions])
                    likelihood, _ = tfa.text.crf_log_likelihood(inputs, tags, lengths, transitions)
                    loss = -tf.reduce_mean(likelihood)
                return loss, tape.gradient(loss, [inputs, transitions])

            @tf.function
            def decode(inputs, transitions, lengths):
                return tfa.text.crf_decode(inputs, transitions, lengths)

            timing = (request["warmup"], request["repeats"])
            answer = {
                "nll_grad_ms": median_ms(nll_grad, (inputs, tags, lengths, transitions), *timing),
                "decode_ms": median_ms(decode, (inputs, transitions, lengths), *timing),
            }
        elif task == "tagger_setup":
            tf.keras.utils.set_random_seed(0)
            state["dataset"] = batch_dataset(load_batches(request["batches"]))
            state["model"] = tagger(request["config"])
            state["model"].fit(state["dataset"], epochs=1, verbose=0)
            answer = {"parameters": int(state["model"].count_params())}
        elif task == "tagger_epoch":
            answer = {"seconds": fit_seconds(state["model"], state["dataset"])}
        else:
            answer = {"error": f"unknown task {task!r}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
