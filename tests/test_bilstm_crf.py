"""`kerasdl.models.bilstm_crf` / `bilstm_softmax`: shapes, masks, character features,
scheme constraints, training on a toy task, and `.keras` save/load."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasdl
from kerasdl.data import tagging
from kerasdl.models.bilstm_crf import CharacterBiLSTM, CharacterCNN, transition_constraints

TAGS = ["O", "B-NP", "I-NP", "B-VP", "I-VP"]


def toy_corpus(n=64, seed=0):
    """Determiner-adjective-noun NPs and verbs: tags follow from the words."""
    rng = np.random.default_rng(seed)
    tokens, tags = [], []
    for _ in range(n):
        words, labels = [], []
        for _ in range(rng.integers(1, 4)):
            np_words = (
                ["the"] + ["big"] * int(rng.integers(0, 2)) + [str(rng.choice(["cat", "Dog"]))]
            )
            words += np_words
            labels += ["B-NP"] + ["I-NP"] * (len(np_words) - 1)
            words.append(str(rng.choice(["runs", "sleeps"])))
            labels.append("B-VP")
            if rng.random() < 0.5:
                words.append(".")
                labels.append("O")
        tokens.append(words)
        tags.append(labels)
    return tagging.TaggedCorpus(tokens, tags, "toy")


def features(preprocessor, sentences):
    width = max(len(s) for s in sentences)
    rows = [list(s) + [""] * (width - len(s)) for s in sentences]
    return preprocessor(tf.constant(rows))


def test_transition_constraints_iob2_and_bioes():
    allowed = transition_constraints(TAGS, "IOB2")
    index = {t: i for i, t in enumerate(TAGS)}
    assert allowed[index["B-NP"], index["I-NP"]] and allowed[index["I-NP"], index["I-NP"]]
    assert not allowed[index["O"], index["I-NP"]] and not allowed[index["B-VP"], index["I-NP"]]
    bioes = ["O", "B-NP", "I-NP", "E-NP", "S-NP"]
    allowed = transition_constraints(bioes, "BIOES")
    i = {t: k for k, t in enumerate(bioes)}
    assert allowed[i["B-NP"], i["E-NP"]] and allowed[i["I-NP"], i["I-NP"]]
    assert not allowed[i["B-NP"], i["O"]] and not allowed[i["E-NP"], i["I-NP"]]
    assert not allowed[i["S-NP"], i["E-NP"]] and allowed[i["S-NP"], i["B-NP"]]
    assert transition_constraints(TAGS, None) is None
    assert transition_constraints(TAGS, "IOB1") is None


def test_character_cnn_ignores_padding():
    layer = CharacterCNN(10, embedding_dim=4, filters=5, dropout=0.0)
    chars = np.array([[[2, 3, 0, 0], [0, 0, 0, 0]]], "int32")
    wider = np.concatenate([chars, np.zeros((1, 2, 3), "int32")], axis=2)
    out = keras.ops.convert_to_numpy(layer(chars))
    assert out.shape == (1, 2, 5)
    np.testing.assert_allclose(out, keras.ops.convert_to_numpy(layer(wider)), atol=1e-6)
    np.testing.assert_array_equal(out[0, 1], 0.0)  # a padded word has no features
    assert (np.abs(out[0, 0]) <= 1).all()


def test_character_bilstm_ignores_padding():
    layer = CharacterBiLSTM(10, embedding_dim=4, units=3)
    chars = np.array([[[2, 3, 4, 0], [0, 0, 0, 0]]], "int32")
    wider = np.concatenate([chars, np.zeros((1, 2, 2), "int32")], axis=2)
    out = keras.ops.convert_to_numpy(layer(chars))
    assert out.shape == (1, 2, 6)
    np.testing.assert_allclose(out, keras.ops.convert_to_numpy(layer(wider)), atol=1e-6)
    np.testing.assert_array_equal(out[0, 1], 0.0)


# Learning the toy task takes 10 epochs (50 s): that case runs with `pytest -m slow`; the
# fast tier checks the wiring of each character feature in one epoch.
@pytest.mark.parametrize(
    "char_features, epochs",
    [pytest.param("cnn", 10, marks=pytest.mark.slow), ("cnn", 1), ("lstm", 1), ("none", 1)],
)
def test_bilstm_crf_trains_on_toy_task_and_pads_with_zero(char_features, epochs):
    keras.utils.set_random_seed(0)
    corpus = toy_corpus()
    vocabulary = tagging.TagVocabulary.from_corpus(corpus, "IOB2")
    pre = tagging.TaggingPreprocessor.from_corpus(corpus, min_word_length=3)
    allowed = transition_constraints(vocabulary.names, "IOB2")
    model = kerasdl.models.bilstm_crf(
        pre.word_vocabulary_size,
        vocabulary.num_tags,
        pre.char_vocabulary_size,
        word_dim=16,
        char_features=char_features,
        char_units=8,
        lstm_units=16,
        dropout=0.1,
        allowed_transitions=allowed,
    )
    model.compile(
        keras.optimizers.Adam(0.02),
        loss=kerasdl.layers.CRFLoss(),
        metrics=[kerasdl.metrics.MaskedTokenAccuracy()],
    )
    data = tagging.make_dataset(corpus, pre, vocabulary, batch_size=16, shuffle=True, seed=0)
    history = model.fit(data, epochs=epochs, verbose=0)
    sentences = [["the", "big", "Dog", "sleeps"], ["the", "cat"]]
    tags = keras.ops.convert_to_numpy(model.predict_on_batch(features(pre, sentences)))
    assert tags.shape == (2, 4)
    assert tags[1, 2:].tolist() == [0, 0]  # padding
    if epochs > 1:  # one configuration learns the task; the others only check the wiring
        assert history.history["token_accuracy"][-1] > 0.95
        assert vocabulary.decode(tags[0]) == ["B-NP", "I-NP", "I-NP", "B-VP"]


def test_bilstm_softmax_masks_padding_and_learns():
    keras.utils.set_random_seed(0)
    corpus = toy_corpus()
    vocabulary = tagging.TagVocabulary.from_corpus(corpus, "IOB2")
    pre = tagging.TaggingPreprocessor.from_corpus(corpus, min_word_length=3)
    model = kerasdl.models.bilstm_softmax(
        pre.word_vocabulary_size,
        vocabulary.num_tags,
        pre.char_vocabulary_size,
        16,
        char_units=8,
        lstm_units=16,
        dropout=0.1,
    )
    model.compile(
        keras.optimizers.Adam(0.02),
        "sparse_categorical_crossentropy",
        metrics=[kerasdl.metrics.MaskedTokenAccuracy()],
    )
    data = tagging.make_dataset(corpus, pre, vocabulary, batch_size=16, shuffle=True, seed=0)
    history = model.fit(data, epochs=10, verbose=0)
    assert history.history["token_accuracy"][-1] > 0.9
    probabilities = model(features(pre, [["the", "cat", "runs"], ["the"]]))
    assert probabilities.shape == (2, 3, vocabulary.num_tags)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(probabilities).sum(-1), 1.0, rtol=1e-5)


def test_save_and_load_round_trip(tmp_path):
    corpus = toy_corpus(8)
    pre = tagging.TaggingPreprocessor.from_corpus(corpus, min_word_length=3)
    for char_features in ("cnn", "lstm"):
        model = kerasdl.models.bilstm_crf(
            pre.word_vocabulary_size,
            5,
            pre.char_vocabulary_size,
            8,
            char_features=char_features,
            char_units=4,
            lstm_units=8,
        )
        tokens = keras.Input((None,), dtype="string")
        end_to_end = keras.Model(tokens, model(pre(tokens)))
        path = str(tmp_path / f"{char_features}.keras")
        end_to_end.save(path)
        loaded = keras.models.load_model(path)
        batch = tf.constant([["the", "Dog", "runs"], ["a", "", ""]])
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(end_to_end(batch)), keras.ops.convert_to_numpy(loaded(batch))
        )


def test_feature_columns_and_casing_change_the_tags_and_round_trip(tmp_path):
    sentences = [["the", "Dog", "runs"], ["a", "cat"]] * 4
    columns = [[("DT",), ("NN",), ("VBZ",)], [("DT",), ("NN",)]] * 4
    corpus = tagging.TaggedCorpus(
        sentences, [["O"] * len(s) for s in sentences], "toy", None, columns
    )
    pre = tagging.TaggingPreprocessor.from_corpus(corpus, lowercase=True, casing=True)
    model = kerasdl.models.bilstm_softmax(  # words alone, so that only the casing sees case
        pre.word_vocabulary_size,
        3,
        word_dim=4,
        char_features="none",
        lstm_units=4,
        column_vocabulary_sizes=pre.column_vocabulary_sizes,
        casing=True,
        feature_dim=3,
    )
    assert model.get_layer("column_embedding_0").input_dim == 5  # padding, OOV, 3 tags
    assert model.get_layer("word_features").output.shape[-1] == 4 + 3 + 3
    tokens, column = (keras.Input((None,), dtype="string") for _ in range(2))
    end_to_end = keras.Model([tokens, column], model(pre(tokens, [column])))
    path = str(tmp_path / "features.keras")
    end_to_end.save(path)
    loaded = keras.models.load_model(path)
    batch = tf.constant([["the", "Dog", "runs"], ["a", "", ""]])
    noun, verb = tf.constant([["NN"] * 3, ["NN", "", ""]]), tf.constant([["VBZ"] * 3] * 2)
    expected = keras.ops.convert_to_numpy(end_to_end([batch, noun]))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded([batch, noun])), expected, 1e-6)
    other = keras.ops.convert_to_numpy(end_to_end([batch, verb]))
    assert not np.allclose(other, expected)  # the column reaches the output
    shouting = keras.ops.convert_to_numpy(end_to_end([tf.strings.upper(batch), noun]))
    assert not np.allclose(shouting[0, 0], expected[0, 0])  # the casing does too (same words)


def test_bad_arguments():
    with pytest.raises(ValueError, match="char_features"):
        kerasdl.models.bilstm_crf(10, 3, 10, char_features="gru")
    with pytest.raises(ValueError, match="char_vocabulary_size"):
        kerasdl.models.bilstm_crf(10, 3, None, char_features="cnn")
    with pytest.raises(ValueError, match="rows"):
        kerasdl.models.bilstm_crf(10, 3, 10, embeddings=np.zeros((4, 3)))
    model = kerasdl.models.bilstm_crf(10, 3, 10, embeddings=np.ones((10, 7)), char_features="none")
    assert model.get_layer("word_embedding").output_dim == 7
