"""Text classification input: .tsv/.csv files and TFDS names, in-graph tokenization, buckets.

The pieces, in the order a trainer uses them:

1. `load_text_classification(...)` (or `read_text_file`, `load_tfds_text`) reads raw
   `TextExamples`: strings and string labels, each with the file line it came from.
2. `LabelVocabulary.from_examples(train)` fixes the label set from training data;
   `encode` turns labels into int32 ids and raises `InputError` (file:line) for a label
   never seen in training.
3. `TextPreprocessor.from_texts(train.texts, ...)` adapts a `keras.layers.TextVectorization`
   vocabulary on training text only. The layer maps raw strings `[B]` to token ids `[B, T]`
   in-graph, so the same object runs in tf.data and inside an exported SavedModel.
4. `make_dataset(examples, preprocessor, labels, ...)` gives `(token_ids [B, T] int32,
   label_ids [B] int32)` batches, padded per batch, optionally bucketed by length.
5. `kerasdl.data.splits`: `holdout(examples, fraction, seed)` for a validation split,
   `kfold(examples, folds, seed)` for the k-fold protocol used for MR and Subj (Kim 2014).

File format (DESIGN.md): `.tsv` lines `label<TAB>text` (the label ends at the first tab;
later tabs belong to the text), UTF-8 unless `encoding` says otherwise; blank lines are
skipped. `.csv` files have a header with `label` and `text` columns (or two columns
`label,text` without a header).
"""

from __future__ import annotations

import collections
import csv
import dataclasses
import io
import os
import re
from collections.abc import Sequence
from typing import ClassVar

import keras
import numpy as np
import tensorflow as tf

from kerasdl.data import sequence
from kerasdl.data.epochs import epoch_shuffle
from kerasdl.data.errors import InputError, tfds_errors
from kerasdl.data.parallel import parallel_map
from kerasdl.data.sequence import Buckets, Examples, Shuffle, Vocabulary

PAD_ID = 0  # TextVectorization's mask token ''
OOV_ID = 1  # TextVectorization's '[UNK]'


# --------------------------------------------------------------------------- examples


@dataclasses.dataclass
class TextExamples(Examples):
    """Raw text-classification examples (`sequence.Examples`).

    Attributes:
        texts: one string per example.
        labels: one label string per example (`None` for unlabelled input).
        source: the file path or `tfds:NAME/SPLIT`, for error messages.
        lines: the 1-based line of each example in `source` (`None` for TFDS).

    Example:

    ```python
    from kerasdl.data import text

    examples = text.TextExamples(["a fine film", "a dull one"], ["pos", "neg"], "in memory")
    len(examples), examples.subset([1]).texts  # 2, ["a dull one"]
    ```
    """

    fields: ClassVar[tuple[str, ...]] = ("texts", "labels")
    texts: list[str]
    labels: list[str] | None
    source: str
    lines: list[int] | None = None


def _append(found: list, path: str, label: str, text: str, line: int) -> None:
    """Adds one example, label and text stripped; `InputError` at `line` if either is empty."""
    label, text = label.strip(), text.strip()
    if not label:
        raise InputError(path, "empty label", line)
    if not text:
        raise InputError(path, "empty text", line)
    found.append((label, text, line))


def _examples(found: list, path: str) -> TextExamples:
    if not found:
        raise InputError(path, "no examples (empty file)")
    labels, texts, lines = (list(column) for column in zip(*found, strict=True))
    return TextExamples(texts, labels, path, lines)


def read_tsv(path: str | os.PathLike, encoding: str = "utf-8") -> TextExamples:
    """Reads `label<TAB>text` lines.

    The label ends at the first tab; the text is the rest of the line, so a tab inside
    the text is part of it (whitespace, to the tokenizer). Blank (whitespace-only) lines
    are skipped. Raises `InputError` with the line for a line without a tab, an empty
    label or empty text, and for an empty file.

    Example:

    ```python
    from kerasdl.data import text

    with open("train.tsv", "w") as f:
        f.write("pos\\ta fine film\\nneg\\ta dull one\\n")
    examples = text.read_tsv("train.tsv")
    examples.labels, examples.texts, examples.lines  # ["pos", "neg"], [...], [1, 2]
    ```
    """
    path = os.fspath(path)
    found: list[tuple[str, str, int]] = []  # (label, text, line)
    for number, line in enumerate(
        sequence.split_lines(sequence.decode_file(path, encoding)), start=1
    ):
        if not line.strip():
            continue
        columns = line.split("\t", 1)
        if len(columns) != 2:
            raise InputError(
                path, "expected 2 tab-separated columns (label<TAB>text), found 1", number
            )
        _append(found, path, columns[0], columns[1], number)
    return _examples(found, path)


def read_csv(
    path: str | os.PathLike,
    encoding: str = "utf-8",
    label_column: str | int = "label",
    text_column: str | int = "text",
) -> TextExamples:
    """Reads a CSV file (RFC 4180 quoting, fields may span lines).

    If the first row names both `label_column` and `text_column` (case-insensitive) it is a
    header and those columns are used; otherwise every row must be `label,text` (or the
    integer column indices given). Raises `InputError` with the line for a wrong column
    count, empty label or text, a malformed quote, and for a file without examples.

    Example:

    ```python
    from kerasdl.data import text

    with open("train.csv", "w") as f:
        f.write('text,label\\n"a fine, warm film",pos\\na dull one,neg\\n')
    text.read_csv("train.csv").texts  # ["a fine, warm film", "a dull one"]
    ```
    """
    path = os.fspath(path)
    reader = csv.reader(io.StringIO(sequence.decode_file(path, encoding), newline=""), strict=True)
    found: list[tuple[str, str, int]] = []  # (label, text, line)
    label_index = label_column if isinstance(label_column, int) else 0
    text_index = text_column if isinstance(text_column, int) else 1
    width = None
    try:
        first = True
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            if not any(field.strip() for field in row):
                continue
            if first:
                first = False
                names = [field.strip().lower() for field in row]
                if (
                    isinstance(label_column, str)
                    and isinstance(text_column, str)
                    and label_column.lower() in names
                    and text_column.lower() in names
                ):
                    label_index = names.index(label_column.lower())
                    text_index = names.index(text_column.lower())
                    width = len(row)
                    continue
                if isinstance(label_column, str) and isinstance(text_column, str) and len(row) != 2:
                    raise InputError(
                        path,
                        f"no header naming {label_column!r} and {text_column!r} columns, so "
                        f"expected 2 columns (label,text), found {len(row)}",
                        start,
                    )
            if width is None:
                width = len(row)
            if len(row) != width or max(label_index, text_index) >= len(row):
                raise InputError(
                    path, f"expected {width} comma-separated columns, found {len(row)}", start
                )
            _append(found, path, row[label_index], row[text_index], start)
    except csv.Error as error:
        raise InputError(path, f"malformed CSV ({error})", reader.line_num or None) from None
    return _examples(found, path)


def read_text_file(path: str | os.PathLike, encoding: str = "utf-8") -> TextExamples:
    """`read_csv` for `.csv` files, `read_tsv` for anything else (`.tsv`, `.txt`).

    Example:

    ```python
    from kerasdl.data import text

    with open("train.csv", "w") as f:
        f.write("pos,a fine film\\nneg,a dull one\\n")
    text.read_text_file("train.csv").labels  # ["pos", "neg"], read as CSV
    ```
    """
    if os.fspath(path).lower().endswith(".csv"):
        return read_csv(path, encoding)
    return read_tsv(path, encoding)


# --------------------------------------------------------------------------- TFDS

# (text feature(s), label feature, test split) for TFDS names whose defaults need help.
# Several text features are joined with " . " (ag_news: title then description).
TFDS_TEXT_KEYS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "imdb_reviews": (("text",), "label", "test"),
    "ag_news_subset": (("title", "description"), "label", "test"),
    "trec": (("text",), "label-coarse", "test"),
    "glue/sst2": (("sentence",), "label", "validation"),  # GLUE test labels are hidden (-1)
    "glue/cola": (("sentence",), "label", "validation"),
    "yelp_polarity_reviews": (("text",), "label", "test"),
}


def _tfds_keys(name: str, features) -> tuple[tuple[str, ...], str]:
    import tensorflow_datasets as tfds

    base = name.split(":")[0]
    if base in TFDS_TEXT_KEYS:
        text_keys, label_key, _ = TFDS_TEXT_KEYS[base]
        return text_keys, label_key
    text_keys = tuple(k for k, f in features.items() if isinstance(f, tfds.features.Text))
    label_keys = [k for k, f in features.items() if isinstance(f, tfds.features.ClassLabel)]
    if not text_keys or not label_keys:
        raise InputError(
            f"tfds:{name}",
            f"cannot tell the text and label features apart in {sorted(features)}; "
            "pass text_keys and label_key",
        )
    return text_keys[:1], label_keys[0]


def load_tfds_text(
    name: str,
    split: str = "train",
    data_dir: str | None = None,
    text_keys: Sequence[str] | None = None,
    label_key: str | None = None,
    download: bool = True,
) -> TextExamples:
    """A TFDS text-classification split as `TextExamples` with label *names* as labels.

    `name` is a TFDS name such as `imdb_reviews`, `ag_news_subset`, `trec`, `glue/sst2`;
    the text and label features come from `TFDS_TEXT_KEYS` or, for other names, the first
    `Text` and `ClassLabel` features. Unlabelled examples (GLUE test, label -1) raise
    `InputError`: use the validation split as test data there.

    Example:

    ```python
    from kerasdl.data import text

    # text.load_tfds_text("trec", "train") downloads TREC once into ~/tensorflow_datasets.
    try:
        text.load_tfds_text("trec", "test", data_dir="no_tfds_here", download=False)
    except kerasdl.data.InputError as error:
        print(error)  # tfds:trec/test: cannot load (...)
    ```
    """
    import tensorflow_datasets as tfds

    source = f"tfds:{name}/{split}"
    with tfds_errors(source):
        dataset, info = tfds.load(
            name, split=split, data_dir=data_dir, with_info=True, download=download
        )
    features = info.features
    if text_keys is None or label_key is None:
        found_text, found_label = _tfds_keys(name, features)
        text_keys = tuple(text_keys or found_text)
        label_key = label_key or found_label
    missing = [k for k in (*text_keys, label_key) if k not in features]
    if missing:
        raise InputError(source, f"no feature(s) {missing}; features are {sorted(features)}")
    label_feature = features[label_key]
    names = getattr(label_feature, "names", None)
    texts, labels = [], []
    for number, example in enumerate(tfds.as_numpy(dataset), start=1):
        parts = [example[k].decode("utf-8", errors="replace").strip() for k in text_keys]
        label = int(example[label_key])
        if label < 0:
            raise InputError(source, f"example {number} is unlabelled (label {label})")
        texts.append(" . ".join(p for p in parts if p))
        labels.append(names[label] if names else str(label))
    if not texts:
        raise InputError(source, "no examples")
    return TextExamples(texts, labels, source, None)


# --------------------------------------------------------------------------- labels


class LabelVocabulary(Vocabulary):
    """Label strings <-> ids 0..K-1, fixed from training data (sorted, so runs agree).

    `names[i]` is the label of id `i`; an exported model returns `tf.gather(names, ids)`.

    Example:

    ```python
    from kerasdl.data import text

    examples = text.TextExamples(["fine", "dull", "good"], ["pos", "neg", "pos"], "in memory")
    labels = text.LabelVocabulary.from_examples(examples)
    labels.names, labels.encode(examples)  # ["neg", "pos"], [1, 0, 1]
    ```
    """

    what = "label names"

    @classmethod
    def from_examples(cls, examples: TextExamples) -> LabelVocabulary:
        if examples.labels is None:
            raise InputError(examples.source, "no labels to build the label set from")
        return cls(sorted(set(examples.labels)))

    @property
    def num_classes(self) -> int:
        return len(self.names)

    def encode(self, examples: TextExamples) -> np.ndarray:
        """Label ids `[N]` int32; `InputError` at the line of a label not seen in training."""
        if examples.labels is None:
            raise InputError(examples.source, "no labels")
        ids = np.empty(len(examples.labels), np.int32)
        for i, label in enumerate(examples.labels):
            index = self._index.get(label)
            if index is None:
                shown = ", ".join(self.names[:20]) + (" ..." if len(self.names) > 20 else "")
                raise InputError(
                    examples.source,
                    f"label {label!r} does not occur in the training data (labels: {shown})",
                    examples.line_of(i),
                )
            ids[i] = index
        return ids


# --------------------------------------------------------------------------- tokenization


@keras.saving.register_keras_serializable(package="kerasdl")
class TextPreprocessor(keras.layers.Layer):
    """Raw strings `[B]` -> token ids `[B, T]` int32, in-graph, via `TextVectorization`.

    Ids: 0 padding, 1 out-of-vocabulary (`[UNK]`), 2.. the vocabulary (most frequent
    first). `T` is the longest text of the batch (whitespace tokens after
    standardization), cut to `max_length` and padded to at least `min_length` (a TextCNN
    needs `min_length` >= its widest filter). A text without tokens (`""`, or one that
    standardization empties) is one unknown word: `[1, 0, ...]`. The same layer runs
    inside `make_dataset` and inside an exported model whose `serving_default` takes raw
    strings.

    Build it with `from_texts(train_texts, ...)`: the vocabulary comes from training
    text only.

    Args:
        vocabulary: tokens without the padding and OOV entries.
        lowercase, normalize_digits, strip_punctuation, split_punctuation: see
            `sequence.standardize`.
        max_length: cut longer texts to their first `max_length` tokens (`None`: keep all).
        min_length: pad batches to at least this many positions.

    Example:

    ```python
    from kerasdl.data import text

    preprocessor = text.TextPreprocessor.from_texts(["a fine film", "a dull film"])
    preprocessor.get_vocabulary()  # ["", "[UNK]", "a", "film", "dull", "fine"]
    preprocessor(tf.constant(["A fine film", "a new one"]))  # [[2, 5, 3], [2, 1, 1]]
    ```
    """

    def __init__(
        self,
        vocabulary: Sequence[str],
        lowercase: bool = True,
        normalize_digits: bool = False,
        strip_punctuation: bool = False,
        split_punctuation: bool = False,
        max_length: int | None = None,
        min_length: int = 1,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if max_length is not None and max_length < min_length:
            raise ValueError(f"max_length {max_length} < min_length {min_length}")
        self.vocabulary = list(vocabulary)
        self.standardizer = sequence.Standardizer(
            lowercase, normalize_digits, strip_punctuation, split_punctuation
        )
        self.max_length = max_length
        self.min_length = max(1, int(min_length))
        self.vectorizer = keras.layers.TextVectorization(
            standardize=self.standardizer,
            split="whitespace",
            output_mode="int",
            vocabulary=self.vocabulary or None,
            name="vectorizer",
        )
        if not self.vocabulary:
            self.vectorizer.set_vocabulary(["[UNK]"])  # no tokens: everything is OOV

    def build(self, input_shape=None):
        # The lookup tables are made in __init__ from the vocabulary; nothing to build.
        self.built = True

    @classmethod
    def from_texts(
        cls,
        texts: Sequence[str],
        min_count: int = 1,
        max_tokens: int | None = None,
        **kwargs,
    ) -> TextPreprocessor:
        """Adapts the vocabulary on `texts` (the training texts only).

        Args:
            texts: training strings.
            min_count: drop tokens seen fewer times (they become OOV).
            max_tokens: keep at most this many ids including padding and OOV.
            **kwargs: the constructor's standardization and length options.
        """
        standardizer = sequence.Standardizer(
            kwargs.get("lowercase", True),
            kwargs.get("normalize_digits", False),
            kwargs.get("strip_punctuation", False),
            kwargs.get("split_punctuation", False),
        )
        counts = sequence.count_tokens(texts, lambda chunk: tf.strings.split(standardizer(chunk)))
        # TextVectorization's max_tokens counts the padding and OOV ids too.
        size = None if max_tokens is None else max_tokens - 2
        return cls(sequence.vocabulary(counts, min_count, size), **kwargs)

    @property
    def vocabulary_size(self) -> int:
        """Number of ids, padding and OOV included (the `input_dim` of an Embedding)."""
        return len(self.vocabulary) + 2

    def get_vocabulary(self) -> list[str]:
        """Token of each id: `['', '[UNK]', *vocabulary]`."""
        return [str(t) for t in self.vectorizer.get_vocabulary()]

    def call(self, texts):
        texts = tf.convert_to_tensor(texts, dtype=tf.string)
        if texts.shape.rank == 0:
            texts = tf.reshape(texts, [1])
        elif texts.shape.rank == 2:
            texts = tf.squeeze(texts, axis=-1)
        ids = tf.cast(self.vectorizer(texts), tf.int32)
        ids = tf.reshape(ids, [tf.shape(texts)[0], -1])  # empty batches keep rank 2
        if self.max_length is not None:
            ids = ids[:, : self.max_length]
        short = tf.maximum(self.min_length - tf.shape(ids)[1], 0)
        ids = tf.pad(ids, [[0, 0], [0, short]])
        # A text without tokens (empty, or emptied by standardization) reads as one unknown
        # word, so that every model pools over at least one position (a masked mean or
        # attention over no positions is 0/0: NaN probabilities).
        empty = tf.reduce_all(tf.equal(ids, PAD_ID), axis=1, keepdims=True)
        first = tf.equal(tf.range(tf.shape(ids)[1]), 0)
        return tf.where(empty & first, OOV_ID, ids)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], None)

    def compute_output_spec(self, texts):
        return keras.KerasTensor((texts.shape[0], None), dtype="int32")

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(self.standardizer.get_config())
        config.update(
            {
                "vocabulary": list(self.vocabulary),
                "max_length": self.max_length,
                "min_length": self.min_length,
            }
        )
        return config


# --------------------------------------------------------------------------- tf.data


def token_ids(examples: TextExamples | Sequence[str], preprocessor: TextPreprocessor) -> list:
    """Per-example token ids (no padding), computed by `preprocessor` in chunks.

    Example:

    ```python
    from kerasdl.data import text

    preprocessor = text.TextPreprocessor.from_texts(["a fine film", "a dull film"])
    text.token_ids(["a film", "dull"], preprocessor)  # [array([2, 3]), array([4])]
    ```
    """
    texts = examples.texts if isinstance(examples, TextExamples) else list(examples)
    rows: list[np.ndarray] = []
    for start in range(0, len(texts), 4096):
        chunk = tf.constant(texts[start : start + 4096], dtype=tf.string)
        ids = preprocessor.vectorizer(chunk).numpy().astype(np.int32)
        if preprocessor.max_length is not None:
            ids = ids[:, : preprocessor.max_length]
        lengths = (ids != PAD_ID).sum(axis=1)
        # As in `TextPreprocessor.call`: a text without tokens is one unknown word.
        empty = np.array([OOV_ID], np.int32)
        rows.extend(row[:n] if n else empty for row, n in zip(ids, lengths, strict=True))
    return rows


def make_dataset(
    examples: TextExamples,
    preprocessor: TextPreprocessor,
    labels: LabelVocabulary | None = None,
    batch_size: int = 50,
    shuffle: Shuffle = False,
    seed: int | None = None,
    bucket_boundaries: Buckets = None,
    drop_remainder: bool = False,
) -> tf.data.Dataset:
    """Batches of `(token_ids [B, T] int32, label_ids [B] int32)`, or `token_ids` alone
    when `labels` is None.

    Tokenization is `preprocessor` (the in-graph TextVectorization), run once over the
    examples; batches are padded with 0 to their longest text (at least
    `preprocessor.min_length`). `InputError` (file:line) if a label is not in `labels`.

    Args:
        shuffle, seed, bucket_boundaries, drop_remainder: the batching of
            `sequence.batch_rows` (`shuffle=True`: an `EpochShuffle(seed)`).

    Example:

    ```python
    from kerasdl.data import text

    examples = text.TextExamples(["a fine film", "dull", "a good one"], ["+", "-", "+"], "toy")
    preprocessor = text.TextPreprocessor.from_texts(examples.texts)
    labels = text.LabelVocabulary.from_examples(examples)
    dataset = text.make_dataset(examples, preprocessor, labels, batch_size=2)
    token_ids, label_ids = next(iter(dataset))  # [2, 3] int32 (padded with 0), [2] int32
    ```
    """
    rows = token_ids(examples, preprocessor)
    label_ids = None if labels is None else labels.encode(examples)
    shuffle = epoch_shuffle(shuffle, seed)
    dataset = sequence.batch_rows(
        rows, label_ids, batch_size, shuffle, bucket_boundaries, drop_remainder
    )
    min_length = preprocessor.min_length

    def pad_to_min(ids, *rest):
        ids = tf.pad(ids, [[0, 0], [0, tf.maximum(min_length - tf.shape(ids)[1], 0)]])
        return (ids, *rest) if rest else ids

    return parallel_map(dataset, pad_to_min).prefetch(tf.data.AUTOTUNE)


# --------------------------------------------------------------------------- splits


@dataclasses.dataclass
class TextClassificationData:
    """Train/valid/test examples plus the label set taken from the training data.

    Example:

    ```python
    from kerasdl.data import text

    train = text.TextExamples(["a fine film", "a dull one"], ["pos", "neg"], "in memory")
    data = text.TextClassificationData(train, None, text.LabelVocabulary.from_examples(train))
    data.labels.num_classes  # 2
    ```
    """

    train: TextExamples
    test: TextExamples | None
    labels: LabelVocabulary
    valid: TextExamples | None = None


def load_text_classification(
    dataset: str | None = None,
    train_file: str | None = None,
    valid_file: str | None = None,
    test_file: str | None = None,
    encoding: str = "utf-8",
    data_dir: str | None = None,
    download: bool = True,
) -> TextClassificationData:
    """The data of a text-classification run: files or a TFDS name (`sequence.read_splits`).

    Test and validation labels are checked against the training labels here, so an unseen
    label stops the run before training with `path:line: label 'x' does not occur ...`.

    Example:

    ```python
    from kerasdl.data import text

    with open("train.tsv", "w") as f:
        f.write("pos\\ta fine film\\nneg\\ta dull one\\npos\\ta good one\\n")
    with open("test.tsv", "w") as f:
        f.write("neg\\tnot good\\n")
    data = text.load_text_classification(train_file="train.tsv", test_file="test.tsv")
    len(data.train), len(data.test), data.labels.names  # 3, 1, ["neg", "pos"]
    ```
    """
    test_split = TFDS_TEXT_KEYS.get((dataset or "").split(":")[0], ((), "", "test"))[2]
    train, valid, test = sequence.read_splits(
        dataset,
        train_file,
        valid_file,
        test_file,
        lambda path: read_text_file(path, encoding),
        lambda split: load_tfds_text(dataset, split, data_dir, download=download),
        test_split,
    )
    labels = LabelVocabulary.from_examples(train)
    for split in (valid, test):
        if split is not None:
            labels.encode(split)
    return TextClassificationData(train, test, labels, valid)


def describe(examples: TextExamples) -> str:
    """One line: count, label counts, mean tokens (whitespace), for logs.

    Example:

    ```python
    from kerasdl.data import text

    examples = text.TextExamples(["a fine film", "dull", "a good one"], ["+", "-", "+"], "toy")
    text.describe(examples)  # "toy: 3 examples, 2.3 tokens/example; + 2, - 1"
    ```
    """
    counts = collections.Counter(examples.labels or [])
    mean = np.mean([len(re.split(r"\s+", t.strip())) for t in examples.texts])
    top = ", ".join(f"{k} {v}" for k, v in counts.most_common(8))
    return f"{examples.source}: {len(examples)} examples, {mean:.1f} tokens/example; {top}"
