"""kerasdl.data.pronunciations: the `word<TAB>phones` reader and its errors, the
vocabularies, the teacher-forcing batches, and the word and phoneme error rates on
hand-made cases (several pronunciations, stress digits)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasdl.data import pronunciations as pr
from kerasdl.data.errors import InputError

LEXICON = "about\tAH0 B AW1 T\nread\tR IY1 D\nread\tR EH1 D\nA\tAH0\n"


def write(tmp_path, text, name="lexicon.tsv"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def test_reads_words_phones_and_lines(tmp_path):
    text = ";;; a CMUdict comment\n\n" + LEXICON.replace("read\tR EH1 D\n", "read\tR  EH1 D \r\n")
    data = pr.read_pronunciations(write(tmp_path, text))
    assert data.words == ["about", "read", "read", "a"]  # lower-cased
    assert data.phones == [["AH0", "B", "AW1", "T"], ["R", "IY1", "D"], ["R", "EH1", "D"], ["AH0"]]
    assert data.lines == [3, 4, 5, 6]
    assert data.lexicon() == {
        "about": [["AH0", "B", "AW1", "T"]],
        "read": [["R", "IY1", "D"], ["R", "EH1", "D"]],
        "a": [["AH0"]],
    }


def test_lexicon_lists_a_repeated_pronunciation_once_and_strips_stress():
    data = pr.Pronunciations(["x", "x", "x"], [["EH1", "K", "S"], ["EH1", "K", "S"], ["EH2"]], "t")
    assert data.lexicon() == {"x": [["EH1", "K", "S"], ["EH2"]]}
    assert data.without_stress().phones == [["EH", "K", "S"], ["EH", "K", "S"], ["EH"]]
    assert pr.strip_stress(["AH0", "ER1", "OY2", "NG"]) == ["AH", "ER", "OY", "NG"]


@pytest.mark.parametrize(
    "text, line, problem",
    [
        ("about AH0 B AW1 T\n", 1, "expected word<TAB>phones, found no tab"),
        ("ok\tOW1 K EY1\nbad\tB AE1\tD\n", 2, "found 3 columns"),
        ("\tAH0\n", 1, "empty word"),
        ("new york\tN UW1 Y AO1 R K\n", 1, "word 'new york' contains whitespace"),
        ("ok\tOW1\nempty\t  \n", 2, "no phones for 'empty'"),
        ("ok\tOW1\nlow\tl ow1\n", 2, "phone 'l' of 'low' is not an ARPAbet symbol"),
        ("stress\tS T R EH3 S\n", 1, "phone 'EH3' of 'stress' is not an ARPAbet symbol"),
        ("dash\tD-AE1 SH\n", 1, "phone 'D-AE1'"),
        ("\n;;; only comments\n\n", None, "no pronunciations (empty file)"),
    ],
)
def test_malformed_lines_name_file_line_and_problem(tmp_path, text, line, problem):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as raised:
        pr.read_pronunciations(path)
    assert raised.value.path == str(path) and raised.value.line == line
    assert problem in str(raised.value)
    assert str(raised.value).startswith(f"{path}:{line}:" if line else f"{path}:")


def test_missing_file_and_bad_bytes(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        pr.read_pronunciations(tmp_path / "nope.tsv")
    path = write(tmp_path, b"ok\tOW1\ncaf\xe9\tK AE1 F EY1\n")
    with pytest.raises(InputError, match=r"lexicon.tsv:2: byte b'\\xe9'"):
        pr.read_pronunciations(path)
    assert pr.read_pronunciations(path, encoding="latin-1").words[1] == "caf\u00e9"


def test_split_by_word_keeps_every_pronunciation_of_a_word_on_one_side():
    words = [f"w{i // 2}" for i in range(40)]  # 20 words, 2 pronunciations each
    data = pr.Pronunciations(words, [["AH0"]] * 40, "t", list(range(1, 41)))
    kept, held = data.split_by_word(0.25, seed=3)
    assert len(set(held.words)) == 5 and len(set(kept.words)) == 15
    assert not set(kept.words) & set(held.words)
    assert len(kept) + len(held) == 40 and held.lines == sorted(held.lines)
    assert data.split_by_word(0.25, seed=3)[1].words == held.words  # seeded
    single = pr.Pronunciations(["a", "a"], [["AH0"], ["EY1"]], "t")
    assert single.split_by_word(0.5, seed=0) == (single, single)


def preprocessor():
    data = pr.Pronunciations(["abba", "cab"], [["AE1", "B", "AH0"], ["K", "AE1", "B"]], "t")
    return pr.PronunciationPreprocessor.from_pronunciations(data)


def test_vocabularies_most_frequent_first():
    layer = preprocessor()
    assert layer.character_list == ["a", "b", "c"]  # 3, 3 (ties alphabetical), 1
    assert layer.phone_list == ["AE1", "B", "AH0", "K"]
    assert layer.phone_names[:4] == ["", "[UNK]", pr.END, pr.START]
    assert (layer.end_id, layer.start_id) == (2, 3)
    assert layer.char_vocabulary_size == 5 and layer.phone_vocabulary_size == 8


def test_characters_lower_case_pad_and_mark_unknown():
    layer = preprocessor()
    ids = layer.characters(tf.constant(["CAB", "xa", ""])).numpy()
    np.testing.assert_array_equal(ids, [[4, 2, 3], [1, 2, 0], [0, 0, 0]])
    assert layer.characters(tf.constant(["", ""])).shape == (2, 1)  # one padding column
    assert layer.characters(tf.constant([], tf.string)).shape == (0, 1)


def test_phone_ids_and_strings_round_trip_up_to_the_end_mark():
    layer = preprocessor()
    ids = layer.phone_ids(tf.constant([["K", "AE1", "B", pr.END], ["ZH", "", "", ""]]))
    np.testing.assert_array_equal(ids, [[7, 4, 5, 2], [1, 0, 0, 0]])
    extra = tf.constant([[7, 4, 2, 5, 5], [6, 0, 7, 7, 7], [2, 4, 4, 4, 4]])
    strings = layer.phone_strings(extra).numpy().tolist()
    assert strings == [b"K AE1", b"AH0", b""]


def test_preprocessor_config_round_trip():
    layer = preprocessor()
    again = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert again.character_list == layer.character_list
    assert again.phone_names == layer.phone_names
    words = tf.constant(["cab", "bac"])
    np.testing.assert_array_equal(again.characters(words), layer.characters(words))


def test_teacher_forcing_batches():
    data = pr.Pronunciations(["abba", "cab"], [["AE1", "B", "AH0"], ["K", "AE1"]], "t")
    layer = pr.PronunciationPreprocessor.from_pronunciations(data)
    ((inputs, targets, weights),) = list(pr.make_dataset(data, layer, batch_size=2))
    start, end = layer.start_id, layer.end_id
    ae, b, ah, k = (layer.phone_names.index(p) for p in ["AE1", "B", "AH0", "K"])
    np.testing.assert_array_equal(inputs["characters"], [[2, 3, 3, 2], [4, 2, 3, 0]])
    np.testing.assert_array_equal(targets, [[ae, b, ah, end], [k, ae, end, 0]])
    np.testing.assert_array_equal(inputs["phones"], [[start, ae, b, ah], [start, k, ae, 0]])
    np.testing.assert_array_equal(weights, [[1, 1, 1, 1], [1, 1, 1, 0]])


@pytest.mark.parametrize(
    "hypothesis, reference, distance",
    [
        ([], [], 0),
        ([], ["A", "B"], 2),
        (["A", "B"], [], 2),
        (["K", "AE1", "T"], ["K", "AE1", "T"], 0),
        (["K", "AE1", "T"], ["K", "AH0", "T"], 1),  # substitution
        (["K", "T"], ["K", "AE1", "T"], 1),  # deletion
        (["K", "AE1", "AE1", "T"], ["K", "AE1", "T"], 1),  # insertion
        (["A", "B", "C", "D"], ["B", "C", "D", "E"], 2),
        (["S", "IH1", "T", "IH0", "NG"], ["K", "IH1", "T", "AH0", "N"], 3),
    ],
)
def test_edit_distance(hypothesis, reference, distance):
    assert pr.edit_distance(hypothesis, reference) == distance
    assert pr.edit_distance(reference, hypothesis) == distance


def test_error_rates_against_several_pronunciations_with_and_without_stress():
    lexicon = {
        "read": [["R", "IY1", "D"], ["R", "EH1", "D"]],
        "either": [["IY1", "DH", "ER0"], ["AY1", "DH", "ER0"]],
        "a": [["AH0"], ["EY1"]],
        "cat": [["K", "AE1", "T"]],
    }
    predictions = {
        "read": ["R", "EH1", "D"],  # the second pronunciation: right
        "either": ["AY1", "DH", "ER1"],  # 1 from the second; right without stress
        "a": ["AH1"],  # 1 from AH0; right without stress
        "cat": ["K", "AE1"],  # 1 deletion, wrong either way
        "unscored": ["AH0"],  # not in the lexicon: ignored
    }
    rates = pr.error_rates(predictions, lexicon)
    assert rates["words"] == 4
    assert rates["word_error_rate"] == 3 / 4
    assert rates["phoneme_error_rate"] == pytest.approx(3 / (3 + 3 + 1 + 3))
    assert rates["word_error_rate_without_stress"] == 1 / 4
    assert rates["phoneme_error_rate_without_stress"] == pytest.approx(1 / 10)


def test_phoneme_error_rate_uses_the_closest_pronunciation_and_the_first_of_ties():
    # 2 edits from the short form, 1 from the long one: the long one counts.
    lexicon = {"tomato": [["T", "AH0", "M", "EY1"], ["T", "AH0", "M", "EY1", "T", "OW2"]]}
    rates = pr.error_rates({"tomato": ["T", "AH0", "M", "EY1", "T", "OW1"]}, lexicon)
    assert rates["phoneme_error_rate"] == pytest.approx(1 / 6)
    # Two references one edit away: the first listed (length 2) is the closest.
    lexicon = {"ab": [["AE1", "B"], ["AE1", "B", "IY0"]]}
    assert pr.error_rates({"ab": ["AE1", "P"]}, lexicon)["phoneme_error_rate"] == 1 / 2


def test_error_rates_need_a_prediction_for_every_word():
    with pytest.raises(KeyError):
        pr.error_rates({}, {"a": [["AH0"]]})
