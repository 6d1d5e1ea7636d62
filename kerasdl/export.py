"""SavedModel export with serving signatures that take raw inputs.

`export_saved_model` writes a SavedModel through `keras.export.ExportArchive` into a
temporary sibling folder and renames it into place, so a failed or killed export never
leaves a half-written SavedModel at `export_dir` (an older export stays whole until the
new one is complete). The exported graph needs TensorFlow only, not kerasdl.

Serving functions for each task live here too: `image_classifier_serving` takes uint8
images of any size.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Sequence

import keras
import tensorflow as tf

from kerasdl.faults import kill_point


def export_saved_model(
    export_dir: str,
    model: keras.Model,
    endpoints: dict[str, tuple[Callable, Sequence[tf.TensorSpec]]],
) -> str:
    """Exports `model` with the given endpoints; the first one is also `serving_default`.

    Args:
        export_dir: destination folder; its parent must exist.
        model: the model whose variables the endpoints use.
        endpoints: `{name: (fn, input_signature)}`; each `fn` maps tensors to a dict
            of named output tensors.

    Returns:
        `export_dir`.

    Example:

    ```python
    import os
    import tempfile

    model = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Rescaling(1 / 255), keras.layers.Flatten()]
        + [keras.layers.Dense(3, activation="softmax")]
    )
    serving = kerasdl.export.image_classifier_serving(model, ["cat", "dog", "fish"])
    export_dir = os.path.join(tempfile.mkdtemp(), "export")
    kerasdl.export.export_saved_model(export_dir, model, {"classify": serving})
    served = tf.saved_model.load(export_dir).signatures["serving_default"]
    outputs = served(tf.zeros((2, 12, 12, 1), tf.uint8))  # class_names [2], probabilities [2, 3]
    ```
    """
    export_dir = os.path.abspath(export_dir)
    parent = os.path.dirname(export_dir)
    partial_prefix = f".{os.path.basename(export_dir)}.partial-"
    for name in os.listdir(parent):  # left by a killed export of an earlier run
        if name.startswith(partial_prefix):
            shutil.rmtree(os.path.join(parent, name), ignore_errors=True)
    staging = tempfile.mkdtemp(dir=parent, prefix=partial_prefix)
    try:
        archive = keras.export.ExportArchive()
        archive.track(model)
        names = list(endpoints)
        for name in names:
            fn, signature = endpoints[name]
            archive.add_endpoint(name, fn, input_signature=list(signature))
        if "serving_default" not in endpoints:
            fn, signature = endpoints[names[0]]
            archive.add_endpoint("serving_default", fn, input_signature=list(signature))
        archive.write_out(staging, verbose=False)
        kill_point("export")
        _replace_folder(staging, export_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return export_dir


def _replace_folder(source: str, destination: str) -> None:
    """Moves `source` to `destination`; an existing destination is swapped out whole."""
    if not os.path.exists(destination):
        os.rename(source, destination)
        return
    retired = tempfile.mkdtemp(dir=os.path.dirname(destination), prefix=".retired-")
    os.rename(destination, os.path.join(retired, "old"))
    os.rename(source, destination)
    shutil.rmtree(retired, ignore_errors=True)


def image_classifier_serving(
    model: keras.Model, class_names: Sequence[str]
) -> tuple[Callable, list[tf.TensorSpec]]:
    """A serving function: uint8 images `[N, H, W, C]` of any size -> class scores.

    Images are resized (bilinear) to the model's input size inside the graph when their
    size differs; the channel count is the model's.

    Returns:
        `(fn, input_signature)` where `fn(images)` returns `probabilities` float32
        `[N, classes]`, `class_ids` int32 `[N]` and `class_names` string `[N]`.

    Example:

    ```python
    model = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(3)]
    )
    serve, signature = kerasdl.export.image_classifier_serving(model, ["cat", "dog", "fish"])
    outputs = serve(tf.zeros((2, 16, 16, 1), tf.uint8))  # resized to 8x8 in the graph
    ```
    """
    height, width, channels = model.input_shape[1:]
    names = tf.constant([str(name) for name in class_names])

    def serve(images):
        x = tf.cast(images, tf.float32)
        size = tf.shape(x)[1:3]
        x = tf.cond(
            tf.reduce_all(size == [height, width]),
            lambda: x,
            lambda: tf.image.resize(x, (height, width)),
        )
        probabilities = tf.cast(model(x, training=False), tf.float32)
        class_ids = tf.argmax(probabilities, axis=-1, output_type=tf.int32)
        return {
            "probabilities": probabilities,
            "class_ids": class_ids,
            "class_names": tf.gather(names, class_ids),
        }

    signature = [tf.TensorSpec([None, None, None, channels], tf.uint8, name="images")]
    return serve, signature


def text_classifier_serving(
    model: keras.Model, preprocessor: keras.layers.Layer, class_names: Sequence[str]
) -> tuple[Callable, list[tf.TensorSpec]]:
    """A serving function: raw strings `[N]` -> class scores.

    `preprocessor` (a `kerasdl.data.text.TextPreprocessor`, the one training used) turns
    the strings into token ids inside the graph; `model` maps token ids to probabilities.

    Returns:
        `(fn, input_signature)` where `fn(texts)` returns `probabilities` float32
        `[N, classes]`, `class_ids` int32 `[N]` and `class_names` string `[N]`.

    Example:

    ```python
    from kerasdl.data.text import TextPreprocessor

    preprocessor = TextPreprocessor.from_texts(["a good film", "a bad film"])
    model = kerasdl.models.mean_embedding(preprocessor.vocabulary_size, 2, embedding_dim=8)
    serve, signature = kerasdl.export.text_classifier_serving(model, preprocessor, ["neg", "pos"])
    outputs = serve(tf.constant(["a good film"]))  # probabilities, class_ids, class_names
    ```
    """
    names = tf.constant([str(name) for name in class_names])

    def serve(texts):
        token_ids = preprocessor(texts)
        probabilities = tf.cast(model(token_ids, training=False), tf.float32)
        class_ids = tf.argmax(probabilities, axis=-1, output_type=tf.int32)
        return {
            "probabilities": probabilities,
            "class_ids": class_ids,
            "class_names": tf.gather(names, class_ids),
        }

    return serve, [tf.TensorSpec([None], tf.string, name="texts")]


def text_attention_serving(
    attention_model: keras.Model, preprocessor: keras.layers.Layer
) -> tuple[Callable, list[tf.TensorSpec]]:
    """A serving function: raw strings `[N]` -> the attention weight of every token.

    `attention_model` maps token ids `[N, T]` to weights `[N, T]`
    (`kerasdl.models.attention_model(model)`).

    Returns:
        `(fn, input_signature)` where `fn(texts)` returns `tokens` string `[N, T]` (the
        standardized words, '' at padding), `token_ids` int32 `[N, T]` (1 = unknown word)
        and `attention_weights` float32 `[N, T]` (0 at padding; each row sums to 1 over
        its tokens).

    Example:

    ```python
    from kerasdl.data.text import TextPreprocessor

    preprocessor = TextPreprocessor.from_texts(["a good film", "a bad film"])
    model = kerasdl.models.rnn_attention(preprocessor.vocabulary_size, 2, embedding_dim=8, units=4)
    attention = kerasdl.models.attention_model(model)
    serve, signature = kerasdl.export.text_attention_serving(attention, preprocessor)
    outputs = serve(tf.constant(["a good film"]))  # tokens, token_ids, attention_weights
    ```
    """

    def serve(texts):
        token_ids = preprocessor(texts)
        weights = tf.cast(attention_model(token_ids, training=False), tf.float32)
        words = tf.strings.split(preprocessor.standardizer(texts))
        tokens = words.to_tensor(default_value="", shape=tf.shape(token_ids))
        return {"tokens": tokens, "token_ids": token_ids, "attention_weights": weights}

    return serve, [tf.TensorSpec([None], tf.string, name="texts")]


def tagger_serving(
    model: keras.Model,
    preprocessor: keras.layers.Layer,
    tag_names: Sequence[str],
    column_names: Sequence[str] = (),
) -> tuple[Callable, list[tf.TensorSpec]]:
    """A serving function: token strings `[N, T]` (`""` = padding) -> tag strings.

    `preprocessor` (a `kerasdl.data.tagging.TaggingPreprocessor`, the one training used)
    maps the tokens to word ids, character ids and lengths inside the graph; `model` maps
    those to tag ids `[N, T]` (a `CRF` output: Viterbi decoding runs in the graph) or to
    tag scores `[N, T, K]` (argmax is taken). `tag_names[i]` is the string served for id
    `i` (e.g. `TagVocabulary.names_in("BIOES", "IOB2")`). A preprocessor with feature
    columns takes them as more string inputs `[N, T]`, one per column, named
    `column_names` (default `column_1`, `column_2`, ...).

    Returns:
        `(fn, input_signature)` where `fn(tokens, *columns)` returns `tags` string `[N, T]` (`""`
        at padding), `tag_ids` int32 `[N, T]` (0 at padding) and `lengths` int32 `[N]`.

    Example:

    ```python
    from kerasdl.data.tagging import TaggedCorpus, TaggingPreprocessor

    corpus = TaggedCorpus([["John", "runs"]], [["B-PER", "O"]], source="example")
    preprocessor = TaggingPreprocessor.from_corpus(corpus)
    model = kerasdl.models.bilstm_crf(
        preprocessor.word_vocabulary_size,
        3,
        preprocessor.char_vocabulary_size,
        word_dim=8,
        char_units=4,
        lstm_units=4,
    )
    serve, signature = kerasdl.export.tagger_serving(model, preprocessor, ["O", "B-PER", "I-PER"])
    outputs = serve(tf.constant([["John", "runs", ""]]))  # tags [1, 3] strings, "" at padding
    ```
    """
    names = tf.constant([str(name) for name in tag_names])
    count = getattr(preprocessor, "num_columns", 0)
    column_names = list(column_names) or [f"column_{i + 1}" for i in range(count)]
    if len(column_names) != count:
        raise ValueError(f"{count} feature columns, {len(column_names)} column names")

    def serve(tokens, *columns):
        # A request of zero tokens per sentence runs on one padding column: Keras'
        # recurrent layers cannot loop over zero time steps.
        max_length = tf.shape(tokens)[1]
        padding = tf.fill([tf.shape(tokens)[0], tf.maximum(1 - max_length, 0)], "")
        tokens, *columns = (tf.concat([t, padding], axis=1) for t in (tokens, *columns))
        features = preprocessor(tokens, columns) if count else preprocessor(tokens)
        outputs = model(features, training=False)[:, :max_length]
        if len(outputs.shape) == 3:
            outputs = tf.argmax(outputs, axis=-1)
        present = tf.sequence_mask(features["lengths"], max_length)
        tag_ids = tf.where(present, tf.cast(outputs, tf.int32), 0)
        tags = tf.where(present, tf.gather(names, tag_ids), "")
        return {"tags": tags, "tag_ids": tag_ids, "lengths": features["lengths"]}

    signature = [tf.TensorSpec([None, None], tf.string, name=n) for n in ["tokens", *column_names]]
    return serve, signature
