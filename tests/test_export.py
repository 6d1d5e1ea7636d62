"""kerasdl.export in one process: a tiny model per serving signature, exported, loaded back
with `tf.saved_model.load` and called; and the all-or-nothing replacement of an export.

The trainers' exports served by a process without kerasdl are checked end to end in
tests/test_saved_model_contracts.py.
"""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasdl import export
from kerasdl.data.tagging import TaggingPreprocessor
from kerasdl.data.text import TextPreprocessor


def load(export_dir, signature="serving_default"):
    return tf.saved_model.load(str(export_dir)).signatures[signature]


def image_model(classes=3):
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(classes, "softmax")]
    )


@pytest.fixture(scope="module")
def image_export(tmp_path_factory):
    model = image_model()
    path = tmp_path_factory.mktemp("image") / "export"
    serving = export.image_classifier_serving(model, ["a", "b", "c"])
    export.export_saved_model(str(path), model, {"classify": serving})
    return model, path


def test_image_serving_takes_uint8_images_of_any_size(image_export):
    model, path = image_export
    serve = load(path)
    images = np.random.default_rng(0).integers(0, 255, (5, 8, 8, 1), dtype=np.uint8)
    outputs = serve(images=tf.constant(images))
    expected = model(images.astype("float32")).numpy()
    np.testing.assert_allclose(outputs["probabilities"].numpy(), expected, atol=1e-5, rtol=0)
    np.testing.assert_array_equal(outputs["class_ids"].numpy(), expected.argmax(-1))
    names = outputs["class_names"].numpy().astype(str)
    assert list(names) == [["a", "b", "c"][i] for i in expected.argmax(-1)]

    large = np.repeat(np.repeat(images, 2, axis=1), 2, axis=2)  # 16x16, resized in the graph
    resized = tf.image.resize(large.astype("float32"), (8, 8)).numpy()
    np.testing.assert_allclose(
        serve(images=tf.constant(large))["probabilities"].numpy(),
        model(resized).numpy(),
        atol=1e-5,
        rtol=0,
    )
    (spec,) = serve.structured_input_signature[1].values()
    assert spec.dtype == tf.uint8 and spec.shape.as_list() == [None, None, None, 1]


def test_the_first_endpoint_is_also_serving_default(image_export):
    _, path = image_export
    loaded = tf.saved_model.load(str(path))
    assert set(loaded.signatures) == {"classify", "serving_default"}
    images = tf.zeros([2, 8, 8, 1], tf.uint8)
    np.testing.assert_array_equal(
        loaded.signatures["classify"](images=images)["probabilities"].numpy(),
        loaded.signatures["serving_default"](images=images)["probabilities"].numpy(),
    )


class Attention(keras.Model):
    """Token ids [N, T] -> a softmax over each row's tokens (0 at padding)."""

    def __init__(self, vocabulary_size):
        super().__init__()
        self.score = keras.layers.Embedding(vocabulary_size, 1)

    def call(self, token_ids):
        scores = self.score(token_ids)[..., 0]
        return keras.ops.softmax(keras.ops.where(token_ids > 0, scores, -1e9), axis=-1)


def test_text_serving_and_attention_take_raw_strings(tmp_path):
    preprocessor = TextPreprocessor.from_texts(["a good film", "a dull film", "good"])
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            keras.layers.Embedding(preprocessor.vocabulary_size, 4, mask_zero=True),
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(2, "softmax"),
        ]
    )
    attention = Attention(preprocessor.vocabulary_size)
    texts = ["A good film", "zzz unseen", ""]
    attention(preprocessor(tf.constant(texts)))  # built before export
    endpoints = {
        "serving_default": export.text_classifier_serving(model, preprocessor, ["neg", "pos"]),
        "attention_weights": export.text_attention_serving(attention, preprocessor),
    }
    # The export tracks one model holding the preprocessor's lookup tables and the weights,
    # as the trainer's end-to-end model does.
    strings = keras.Input(shape=(), dtype="string")
    end_to_end = keras.Model(
        strings, [model(preprocessor(strings)), attention(preprocessor(strings))]
    )
    export.export_saved_model(str(tmp_path / "export"), end_to_end, endpoints)

    served = load(tmp_path / "export")(texts=tf.constant(texts))
    expected = model(preprocessor(tf.constant(texts))).numpy()
    np.testing.assert_allclose(served["probabilities"].numpy(), expected, atol=1e-5, rtol=0)
    names = served["class_names"].numpy().astype(str)
    assert list(names) == [["neg", "pos"][i] for i in expected.argmax(-1)]

    weights = load(tmp_path / "export", "attention_weights")(texts=tf.constant(texts))
    tokens = weights["tokens"].numpy().astype(str)
    assert tokens.tolist() == [["a", "good", "film"], ["zzz", "unseen", ""], ["", "", ""]]
    ids = weights["token_ids"].numpy()
    assert ids[1, 0] == 1 and ids[1, 2] == 0  # unknown word; padding
    attention_weights = weights["attention_weights"].numpy()
    np.testing.assert_allclose(attention_weights.sum(-1), 1, atol=1e-5)
    assert attention_weights[1, 2] == 0


class Tagger(keras.Model):
    """Preprocessor features -> tag scores [N, T, K], or tag ids [N, T] as a CRF decodes."""

    def __init__(self, vocabulary_size, tags, decode):
        super().__init__()
        self.decode = decode
        self.scores = keras.layers.Embedding(vocabulary_size, tags)

    def call(self, features):
        scores = self.scores(features["token_ids"])
        return keras.ops.argmax(scores, axis=-1) if self.decode else scores


@pytest.mark.parametrize("decode", [False, True], ids=["scores", "decoded"])
def test_tagger_serving_takes_token_strings(decode, tmp_path):
    preprocessor = TaggingPreprocessor(["He", "reckons", "the", "deficit"], list("Hdefkt"))
    keras.utils.set_random_seed(0)
    tagger = Tagger(len(preprocessor.words) + 2, 3, decode)
    tokens = tf.constant([["He", "reckons", "the", "deficit"], ["the", "zzz", "", ""]])
    tagger(preprocessor(tokens))
    names = ["O", "B-NP", "I-NP"]
    serving = export.tagger_serving(tagger, preprocessor, names)
    strings = keras.Input(shape=(None,), dtype="string")
    end_to_end = keras.Model(strings, tagger(preprocessor(strings)))
    export.export_saved_model(str(tmp_path / "export"), end_to_end, {"serving_default": serving})
    serve = load(tmp_path / "export")

    served = serve(tokens=tokens)
    scores = tagger.scores(preprocessor(tokens)["token_ids"]).numpy()
    assert served["lengths"].numpy().tolist() == [4, 2]
    ids = served["tag_ids"].numpy()
    np.testing.assert_array_equal(ids[0], scores[0].argmax(-1))
    np.testing.assert_array_equal(ids[1], [*scores[1, :2].argmax(-1), 0, 0])
    tags = served["tags"].numpy().astype(str)
    assert tags[1].tolist() == [names[ids[1, 0]], names[ids[1, 1]], "", ""]

    # A request whose sentences have one token, or none.
    assert serve(tokens=tf.constant([["He"], ["the"]]))["tags"].shape == (2, 1)
    empty = serve(tokens=tf.zeros([2, 0], tf.string))
    assert empty["tags"].shape == (2, 0) and empty["lengths"].numpy().tolist() == [0, 0]


def test_a_new_export_replaces_the_old_one_whole(image_export, tmp_path, monkeypatch):
    old_model, _ = image_export
    path = tmp_path / "export"
    export.export_saved_model(
        str(path), old_model, {"serving_default": export.image_classifier_serving(old_model, "abc")}
    )
    (tmp_path / ".export.partial-stale").mkdir()  # left by an export killed in an earlier run

    def fail_at(name):
        if name == "export":
            raise RuntimeError("killed")

    new_model = image_model(classes=2)
    endpoints = {"serving_default": export.image_classifier_serving(new_model, ["x", "y"])}
    monkeypatch.setattr(export, "kill_point", fail_at)
    with pytest.raises(RuntimeError, match="killed"):
        export.export_saved_model(str(path), new_model, endpoints)
    assert sorted(os.listdir(tmp_path)) == ["export"], "the stale and the failed partials go"
    images = tf.zeros([1, 8, 8, 1], tf.uint8)
    assert load(path)(images=images)["probabilities"].shape == (1, 3), "the old export stays"

    monkeypatch.undo()
    assert export.export_saved_model(str(path), new_model, endpoints) == str(path)
    assert sorted(os.listdir(tmp_path)) == ["export"]
    assert load(path)(images=images)["probabilities"].shape == (1, 2)
