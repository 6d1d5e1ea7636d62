"""The odd-input sweep, text and tagging: unusual but valid files that the text classifier
and the sequence tagger must take in their stride (issue 15; the image half is
test_odd_inputs_images.py).

Every case writes tiny train/test (sometimes validation) files, trains for one epoch with a
small network, and checks what the run leaves: exit status 0 and no traceback, a
`metrics.json` with the test figures in range, and a SavedModel that
`tf.saved_model.load` loads and whose `serving_default` answers the raw inputs of the test
file (strings, or token lists for the tagger) plus an empty and a punctuation-only string
(for the tagger, a row of padding only).

The cases of one trainer run one after another in one Python process (`sweep.run_sweep`),
so TensorFlow is imported once per trainer rather than once per case. The cases marked slow
run in a second process per trainer.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable

import pytest
from sweep import run_sweep

TEXT = "applications.text_classification"
TAGGING = "applications.sequence_labeling"
# Small networks: one epoch of a tiny file should cost seconds, not minutes.
SMALL = {
    TEXT: ["--epochs=1", "--batch_size=8", "--embedding_dim=8", "--filters=4"],
    TAGGING: ["--epochs=1", "--batch_size=8", "--word_dim=8", "--char_units=4", "--lstm_units=8"],
}
# Served besides the test file's texts: empty, and punctuation only. (Tagging requests get
# a row of padding only.)
EXTRA_TEXTS = ["", "?!"]


@dataclasses.dataclass
class Case:
    """One odd input: the files (flag -> content; str is written as UTF-8, bytes as they
    are), extra flags, whether it is slow, and an optional `check(metrics, served)`."""

    trainer: str
    files: dict[str, str | bytes]
    flags: tuple[str, ...] = ()
    slow: bool = False
    check: Callable[[dict, dict], None] | None = None


# --------------------------------------------------------------------------- text files


def tsv(rows, newline: str = "\n", final_newline: bool = True) -> str:
    """`label<TAB>text` lines."""
    body = newline.join(f"{label}\t{text}" for label, text in rows)
    return body + newline if final_newline else body


MOVIES = [
    ("pos", "a gorgeous witty film"),
    ("neg", "dull and slow plot"),
    ("pos", "great cast and fun"),
    ("neg", "awful boring mess"),
] * 3


def words(count: int, seed: int) -> str:
    vocabulary = ["good", "bad", "film", "plot", "cast", "slow", "fun", "dull", "great", "mess"]
    return " ".join(vocabulary[(seed + 7 * i) % len(vocabulary)] for i in range(count))


def accuracy_in_range(metrics, served):
    assert 0.0 <= metrics["test"]["accuracy"] <= 1.0


def classes(count: int):
    def check(metrics, served):
        assert len(metrics["class_names"]) == count

    return check


def one_class_is_always_right(metrics, served):
    assert metrics["class_names"] == ["pos"]
    assert metrics["test"]["accuracy"] == metrics["valid"]["accuracy"] == 1.0
    assert set(served["class_names"]) == {"pos"}


TEXT_CASES = {
    "one_token_texts": Case(
        TEXT,
        {
            "train_file": tsv(
                [("pos", "good"), ("neg", "bad"), ("pos", "fun"), ("neg", "dull")] * 3
            ),
            "test_file": tsv([("pos", "good"), ("neg", "dull"), ("neg", "unseen")]),
        },
    ),
    "one_character_texts": Case(
        TEXT,
        {
            "train_file": tsv([("pos", "a"), ("neg", "b"), ("pos", "!"), ("neg", "é")] * 3),
            "test_file": tsv([("pos", "a"), ("neg", "z")]),
        },
        slow=True,
    ),
    "300_token_texts": Case(
        TEXT,
        {
            "train_file": tsv([*MOVIES, ("pos", words(300, 1)), ("neg", words(300, 2))]),
            "test_file": tsv([("pos", words(300, 3)), ("neg", "slow")]),
        },
        slow=True,
    ),
    "texts_longer_than_max_length": Case(
        TEXT,
        {
            "train_file": tsv([(label, words(60, i)) for i, (label, _) in enumerate(MOVIES)]),
            "test_file": tsv([("pos", words(500, 3)), ("neg", words(61, 4))]),
        },
        flags=("--max_length=20",),
        slow=True,
    ),
    "punctuation_only_texts": Case(
        TEXT,
        {
            "train_file": tsv([*MOVIES, ("pos", "!!!"), ("neg", "... ?"), ("pos", "!")]),
            "test_file": tsv([("neg", "?"), ("pos", "!!! !"), ("neg", "dull")]),
        },
        flags=("--split_punctuation",),
        slow=True,
    ),
    "tabs_inside_the_text": Case(
        TEXT,
        {
            "train_file": tsv([(label, text.replace(" ", "\t", 1)) for label, text in MOVIES]),
            "test_file": tsv([("pos", "great\tfun\tfilm"), ("neg", "dull \t slow")]),
        },
        slow=True,
    ),
    "no_final_newline": Case(
        TEXT,
        {
            "train_file": tsv(MOVIES, final_newline=False),
            "test_file": tsv(MOVIES[:2], final_newline=False),
        },
        slow=True,
    ),
    "crlf_line_ends": Case(
        TEXT,
        {"train_file": tsv(MOVIES, "\r\n"), "test_file": tsv(MOVIES[:3], "\r\n")},
        check=classes(2),
        slow=True,
    ),
    "utf8_bom": Case(
        TEXT,
        {
            "train_file": "\ufeff" + tsv(MOVIES),
            "test_file": "\ufeff" + tsv(MOVIES[:2]),
        },
        check=classes(2),  # the BOM is not part of the first label
    ),
    "unicode_texts_and_labels": Case(
        TEXT,
        {
            "train_file": tsv(
                [
                    ("積極的", "素晴らしい 映画 です"),
                    ("négatif", "ennuyeux et lent"),
                    ("😀", "🎬 👍 great"),
                    ("積極的", "最高 の 演技"),
                    ("négatif", "très ennuyeux"),
                    ("😀", "👍 👍"),
                ]
                * 2
            ),
            "test_file": tsv([("négatif", "lent"), ("😀", "👍"), ("積極的", "映画")]),
        },
        check=classes(3),
    ),
    "two_classes": Case(
        TEXT,
        {"train_file": tsv(MOVIES), "test_file": tsv(MOVIES[:4])},
        check=classes(2),
        slow=True,
    ),
    "100_classes": Case(
        TEXT,
        {
            "train_file": tsv([(f"c{k:03d}", f"word{k} {words(3, k)}") for k in range(100)] * 2),
            "test_file": tsv([(f"c{k:03d}", f"word{k}") for k in range(0, 100, 7)]),
        },
        check=classes(100),
        slow=True,
    ),
    "one_example_class": Case(
        TEXT,
        {
            "train_file": tsv([*MOVIES, ("rare", "a single odd example")]),
            "test_file": tsv([("rare", "odd example"), ("pos", "fun")]),
        },
        check=classes(3),
    ),
    "one_example_training_file": Case(
        TEXT,
        {"train_file": tsv([("pos", "good fun")]), "test_file": tsv([("pos", "fun film")])},
        check=one_class_is_always_right,
    ),
    "single_example_validation_file": Case(
        TEXT,
        {
            "train_file": tsv(MOVIES),
            "valid_file": tsv([("neg", "slow")]),
            "test_file": tsv(MOVIES[:4]),
        },
        slow=True,
    ),
    "test_labels_a_subset_of_train": Case(
        TEXT,
        {
            "train_file": tsv([*MOVIES, ("meh", "so so"), ("meh", "fine i guess")]),
            "test_file": tsv([("pos", "fun cast"), ("pos", "great")]),
        },
        check=classes(3),
    ),
    "transformer_on_texts_longer_than_max_length": Case(
        TEXT,
        {
            "train_file": tsv([*MOVIES, ("pos", words(40, 1))]),
            "test_file": tsv([("pos", words(100, 3)), ("neg", "dull")]),
        },
        flags=("--model=transformer", "--max_length=16", "--num_layers=1", "--num_heads=1"),
        slow=True,
    ),
    "rnn_attention_on_one_token_texts": Case(
        TEXT,
        {
            "train_file": tsv([("pos", "good"), ("neg", "bad")] * 4),
            "test_file": tsv([("pos", "good"), ("neg", "x")]),
        },
        flags=("--model=rnn_attention", "--units=4"),
        slow=True,
    ),
    "mean_embedding_on_one_character_texts": Case(
        TEXT,
        {
            "train_file": tsv([("pos", "a"), ("neg", "b")] * 4),
            "test_file": tsv([("pos", "a"), ("neg", "?")]),
        },
        flags=("--model=mean_embedding",),
        slow=True,
    ),
}


# --------------------------------------------------------------------------- CoNLL files


def conll(sentences, newline: str = "\n", final_newline: bool = True, columns: int = 3) -> str:
    """Sentences of `(token, tag)` pairs as CoNLL lines (`token POS tag` with 3 columns),
    a blank line between sentences."""

    middle = " NN " if columns == 3 else " "
    blocks = [newline.join(f"{token}{middle}{tag}" for token, tag in s) for s in sentences]
    body = (newline * 2).join(blocks)
    return body + newline if final_newline else body


NEWS = [
    [("John", "B-PER"), ("lives", "O"), ("in", "O"), ("Paris", "B-LOC"), (".", "O")],
    [("The", "O"), ("Acme", "B-ORG"), ("Corp", "I-ORG"), ("hired", "O"), ("Mary", "B-PER")],
    [("Rain", "O"), ("fell", "O"), ("on", "O"), ("New", "B-LOC"), ("York", "I-LOC")],
    [("Bob", "B-PER"), ("Smith", "I-PER"), ("left", "O")],
] * 2


def tokens_of(sentence_count: int, length: int, seed: int):
    vocabulary = ["the", "rain", "fell", "on", "Paris", "John", "left", "and", "it", "was"]
    tags = ["O", "O", "O", "O", "B-LOC", "B-PER", "O", "O", "O", "O"]
    return [
        [
            (vocabulary[(seed + s + 3 * i) % 10], tags[(seed + s + 3 * i) % 10])
            for i in range(length)
        ]
        for s in range(sentence_count)
    ]


def f1_in_range(metrics, served):
    for key in ("f1", "precision", "recall", "accuracy"):
        assert 0.0 <= metrics["test"][key] <= 1.0, (key, metrics["test"])


def unseen_type_is_a_miss(chunk_type: str):
    def check(metrics, served):
        per_type = metrics["per_type"][chunk_type]
        assert per_type["support"] >= 1 and per_type["found"] == 0, per_type
        assert metrics["test"]["recall"] < 1.0
        assert not any(chunk_type in tag for tag in metrics["tags"])

    return check


DOCSTART = "-DOCSTART- -X- -X- O\n\n"

TAGGING_CASES = {
    "one_token_sentences": Case(
        TAGGING,
        {
            "train_file": conll([[(t, g)] for t, g in [("Paris", "B-LOC"), ("ran", "O")] * 6]),
            "test_file": conll([[("Paris", "B-LOC")], [("Rome", "B-LOC")], [("ran", "O")]]),
        },
    ),
    "300_token_sentence": Case(
        TAGGING,
        {
            "train_file": conll([*NEWS, *tokens_of(1, 300, 0)]),
            "test_file": conll([*tokens_of(1, 300, 5), NEWS[0]]),
        },
        slow=True,
    ),
    "docstart_lines": Case(
        TAGGING,
        {
            "train_file": DOCSTART + conll(NEWS[:4]) + "\n" + DOCSTART + conll(NEWS[4:]),
            "test_file": DOCSTART + conll(NEWS[:2]),
        },
        slow=True,
    ),
    "token_pos_tag_columns": Case(
        TAGGING,
        {"train_file": conll(NEWS, columns=3), "test_file": conll(NEWS[:3], columns=3)},
        slow=True,
    ),
    "token_tag_columns_only": Case(
        TAGGING,
        {"train_file": conll(NEWS, columns=2), "test_file": conll(NEWS[:3], columns=2)},
        slow=True,
    ),
    "all_o_sentences": Case(
        TAGGING,
        {
            "train_file": conll([*NEWS, *[[("it", "O"), ("was", "O"), ("late", "O")]] * 3]),
            "test_file": conll([[("it", "O"), ("rained", "O")], NEWS[1]]),
        },
        slow=True,
    ),
    "no_chunks_at_all": Case(
        TAGGING,
        {
            "train_file": conll([[(t, "O") for t, _ in s] for s in NEWS]),
            "test_file": conll([[(t, "O") for t, _ in s] for s in NEWS[:2]]),
        },
        slow=True,
    ),
    "one_sentence_training_file": Case(
        TAGGING,
        {"train_file": conll(NEWS[:1]), "test_file": conll(NEWS[:2])},
    ),
    "test_chunk_type_unseen_in_training": Case(
        TAGGING,
        {
            "train_file": conll(NEWS),
            "test_file": conll([NEWS[0], [("the", "O"), ("Olympics", "B-MISC"), ("ended", "O")]]),
        },
        check=unseen_type_is_a_miss("MISC"),
    ),
    "test_pos_tag_unseen_in_training": Case(
        TAGGING,
        {
            "train_file": "The DT\ncat NN\n\nA DT\ndog NN\n" * 3,
            "test_file": "The DT\ncat NN\nran VBD\n",
        },
        slow=True,
    ),
    "unicode_tokens_and_tags": Case(
        TAGGING,
        {
            "train_file": conll(
                [
                    [("東京", "B-地名"), ("に", "O"), ("住む", "O")],
                    [("Zürich", "B-地名"), ("🙂", "O"), ("Ångström", "B-人名")],
                    [("Ибрагим", "B-人名"), ("Ахмед", "I-人名"), ("уехал", "O")],
                ]
                * 3
            ),
            "test_file": conll([[("大阪", "B-地名"), ("に", "O")], [("Ахмед", "B-人名")]]),
        },
        slow=True,
    ),
    "crlf_line_ends": Case(
        TAGGING,
        {"train_file": conll(NEWS, "\r\n"), "test_file": conll(NEWS[:2], "\r\n")},
        slow=True,
    ),
    "no_final_newline": Case(
        TAGGING,
        {
            "train_file": conll(NEWS, final_newline=False),
            "test_file": conll(NEWS[:2], final_newline=False),
        },
        slow=True,
    ),
    "utf8_bom": Case(
        TAGGING,
        {"train_file": "\ufeff" + conll(NEWS), "test_file": "\ufeff" + conll(NEWS[:2])},
        slow=True,
    ),
    "single_sentence_validation_file_with_an_unseen_type": Case(
        TAGGING,
        {
            "train_file": conll(NEWS),
            "valid_file": conll([[("the", "O"), ("Olympics", "B-MISC"), ("ended", "O")]]),
            "test_file": conll(NEWS[:2]),
        },
        slow=True,
    ),
    "softmax_tagger_on_one_token_sentences": Case(
        TAGGING,
        {
            "train_file": conll([[("Paris", "B-LOC")], [("ran", "O")]] * 3),
            "test_file": conll([[("Rome", "B-LOC")]]),
        },
        flags=("--model=bilstm_softmax", "--char_features=none"),
        slow=True,
    ),
}

CASES = {
    **{f"text_{name}": case for name, case in TEXT_CASES.items()},
    **{f"tagging_{name}": case for name, case in TAGGING_CASES.items()},
}


# --------------------------------------------------------------------------- serving inputs


def file_lines(content: str | bytes) -> list[str]:
    if isinstance(content, bytes):
        content = content.decode("utf-8")
    return [line.rstrip("\r") for line in content.removeprefix("\ufeff").split("\n")]


def raw_texts(content) -> list[str]:
    """The text column of a .tsv file: everything after the first tab."""
    return [line.split("\t", 1)[1] for line in file_lines(content) if line.strip()]


def token_lists(content) -> list[list[str]]:
    """The first column of a CoNLL file, one list per sentence."""
    sentences, current = [], []
    for line in [*file_lines(content), ""]:
        if not line.strip():
            if current:
                sentences.append(current)
            current = []
        elif not line.startswith("-DOCSTART-"):
            current.append(line.split()[0])
    return sentences


# --------------------------------------------------------------------------- the runs


def write_case(name: str, case: Case, folder) -> dict:
    """Writes the files of `case` under `folder`; returns its spec for the runner."""
    folder.mkdir(parents=True)
    suffix = ".tsv" if case.trainer == TEXT else ".txt"
    argv = [f"--model_dir={folder / 'model'}", *SMALL[case.trainer], *case.flags]
    for flag, content in case.files.items():
        path = folder / (flag.removesuffix("_file") + suffix)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        argv.append(f"--{flag}={path}")
    test = case.files["test_file"]
    if case.trainer == TEXT:
        serve = raw_texts(test) + EXTRA_TEXTS
    else:
        sentences = [*token_lists(test), []]  # and a request row of padding only
        width = max(len(s) for s in sentences)
        serve = [s + [""] * (width - len(s)) for s in sentences]
    return {"name": name, "argv": argv, "serve": serve, "model_dir": str(folder / "model")}


def run_cases(trainer: str, slow: bool, tmp_path_factory) -> dict:
    names = [n for n, c in CASES.items() if c.trainer == trainer and c.slow == slow]
    folder = tmp_path_factory.mktemp(f"{trainer.split('.')[-1]}_{'slow' if slow else 'fast'}")
    specs = [write_case(name, CASES[name], folder / name) for name in names]
    return run_sweep(trainer.split(".")[-1], specs, folder)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Runs each group of cases (trainer x fast/slow) once, when its first case asks."""
    cache = {}

    def get(name: str) -> dict:
        case = CASES[name]
        key = (case.trainer, case.slow)
        if key not in cache:
            cache[key] = run_cases(case.trainer, case.slow, tmp_path_factory)
        return cache[key][name]

    return get


def check_text(case: Case, result: dict, metrics: dict) -> None:
    names = metrics["class_names"]
    assert 0.0 <= metrics["test"]["accuracy"] <= 1.0
    assert 0.0 <= metrics["valid"]["accuracy"] <= 1.0
    served = result["served"]
    count = len(raw_texts(case.files["test_file"])) + len(EXTRA_TEXTS)
    probabilities = served["probabilities"]
    assert len(probabilities) == count and all(len(row) == len(names) for row in probabilities)
    for row in probabilities:
        assert all(math.isfinite(p) for p in row) and abs(sum(row) - 1.0) < 1e-4, row
    assert set(served["class_names"]) <= set(names)


def check_tagging(case: Case, result: dict, metrics: dict) -> None:
    f1_in_range(metrics, None)
    served = result["served"]
    sentences = [*token_lists(case.files["test_file"]), []]
    assert served["lengths"] == [len(s) for s in sentences]
    for tokens, tags in zip(sentences, served["tags"], strict=True):
        assert all(tag in metrics["tags"] for tag in tags[: len(tokens)]), tags
        assert all(tag == "" for tag in tags[len(tokens) :]), tags


def check_case(name: str, result: dict) -> None:
    case = CASES[name]
    assert result["exit"] == 0, result["stderr"][-3000:]
    assert "Traceback" not in result["stderr"], result["stderr"][-3000:]
    metrics = result["metrics"]
    assert metrics is not None, "exit status 0 but no metrics.json"
    assert metrics["task"] == case.trainer.split(".")[-1]
    assert os.path.exists(os.path.join(result["export_dir"], "saved_model.pb"))
    (check_text if case.trainer == TEXT else check_tagging)(case, result, metrics)
    if case.check is not None:
        case.check(metrics, result["served"])


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if not c.slow))
def test_odd_but_valid_input_trains_evaluates_exports_and_serves(name, results):
    check_case(name, results(name))


@pytest.mark.slow
@pytest.mark.timeout(1800)  # the first case of a group waits for the whole group
@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c.slow))
def test_odd_but_valid_input_trains_evaluates_exports_and_serves_slow(name, results):
    check_case(name, results(name))


def test_the_sweep_covers_at_least_18_cases_of_both_trainers():
    assert len(CASES) >= 18
    assert {case.trainer for case in CASES.values()} == {TEXT, TAGGING}
    assert sum(not case.slow for case in CASES.values()) >= 8  # the rest: pytest -m slow
