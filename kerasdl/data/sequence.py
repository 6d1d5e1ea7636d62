"""What text classification and sequence labeling share: sequence data from files to batches.

- `Examples`: the container both kinds of examples build on (per-example lists, the
  `source` they came from and the line of each, `subset`); `read_splits` is the one rule
  for where a run's data comes from (a TFDS name or files).
- `decode_file`, `split_lines`: a file's text with editors' line numbers, and an
  `InputError` at the line of the first byte the encoding cannot read.
- `Vocabulary`: label or tag strings <-> ids 0..K-1.
- `standardize` / `Standardizer`: lower-casing, digit folding and punctuation options,
  in-graph; `count_tokens` and `vocabulary` count tokens with the same TF ops the
  preprocessing layers run, so a vocabulary matches what the layer will see.
- `batch_rows`: ragged rows (token ids or token strings, with optional targets) -> padded
  batches, in epoch order (`kerasdl.data.epochs`), optionally bucketed by length.
"""

from __future__ import annotations

import collections
import dataclasses
import os
from collections.abc import Callable, Sequence
from typing import ClassVar

import keras
import numpy as np
import tensorflow as tf

from kerasdl.data.epochs import EpochShuffle, epoch_order
from kerasdl.data.errors import InputError

# The batching options of `batch_rows` and of the make_dataset functions built on it.
Shuffle = bool | EpochShuffle  # True: an EpochShuffle(seed); or one keyed on the epoch
Buckets = Sequence[int] | str | None  # boundaries, "auto" (length quantiles) or None

# --------------------------------------------------------------------------- examples


class Examples:
    """Per-example lists (named in `fields`) read from `source`, with the 1-based line of
    each example (`lines`, `None` for TFDS). Subclasses are dataclasses.

    Example:

    ```python
    from kerasdl.data import text

    examples = text.TextExamples(["good", "bad", "fine"], ["+", "-", "+"], "toy.tsv", [1, 2, 3])
    picked = examples.subset([2, 0])  # an Examples subclass keeps its fields in step
    picked.texts, picked.labels, picked.line_of(0)  # ["fine", "good"], ["+", "+"], 3
    ```
    """

    fields: ClassVar[tuple[str, ...]]
    source: str
    lines: list[int] | None

    def __len__(self) -> int:
        return len(getattr(self, self.fields[0]))

    def subset(self, indices: Sequence[int] | np.ndarray):
        """The examples at `indices`, in that order (`splits.holdout`, `splits.kfold`)."""
        indices = [int(i) for i in indices]

        def pick(values):
            return None if values is None else [values[i] for i in indices]

        return dataclasses.replace(
            self, **{name: pick(getattr(self, name)) for name in (*self.fields, "lines")}
        )

    def line_of(self, index: int, offset: int = 0) -> int | None:
        """The line of example `index` (plus `offset` lines), `None` without lines."""
        return None if self.lines is None else self.lines[index] + offset


def read_splits(
    dataset: str | None,
    train_file: str | None,
    valid_file: str | None,
    test_file: str | None,
    read_file: Callable[[str], Examples],
    read_tfds: Callable[[str], Examples],
    test_split: str = "test",
) -> tuple[Examples, Examples | None, Examples | None]:
    """`(train, valid, test)` of a run: the `train` and `test_split` splits of the TFDS
    name `dataset` (`read_tfds(split)`; no validation split), or files (`read_file(path)`;
    validation and test files are optional). `InputError` for both a name and files, or
    neither.

    Example:

    ```python
    from kerasdl.data import sequence, text

    with open("train.tsv", "w") as f:
        f.write("+\\ta fine film\\n-\\ta dull one\\n")
    train, valid, test = sequence.read_splits(
        None, "train.tsv", None, None, read_file=text.read_tsv, read_tfds=None
    )
    len(train), valid, test  # (2, None, None)
    ```
    """
    if dataset and train_file:
        raise InputError(None, "give a dataset name or a training file, not both")
    if dataset:
        return read_tfds("train"), None, read_tfds(test_split)
    if not train_file:
        raise InputError(None, "no data: give a dataset name or a training file")
    train = read_file(train_file)
    valid = read_file(valid_file) if valid_file else None
    test = read_file(test_file) if test_file else None
    return train, valid, test


def decode_file(path: str | os.PathLike, encoding: str = "utf-8") -> str:
    """The text of `path` decoded with `encoding`; `InputError` with the line on bad bytes.

    A UTF-8 byte-order mark is dropped. Raises `InputError` for a missing file, an unknown
    encoding name, or bytes that are not valid under `encoding`.

    Example:

    ```python
    from kerasdl.data import sequence

    with open("notes.txt", "wb") as f:
        f.write("caf\\u00e9\\n".encode("latin-1"))
    sequence.decode_file("notes.txt", encoding="latin-1")  # "caf\\u00e9\\n"
    try:
        sequence.decode_file("notes.txt")  # not UTF-8
    except kerasdl.data.InputError as error:
        print(error)  # notes.txt:1: byte b'\\xe9' at offset 3 is not valid utf-8 ...
    ```
    """
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory, expected a file") from None
    except OSError as error:
        raise InputError(path, f"cannot read ({error.strerror})") from None
    try:
        text = data.decode(encoding)
    except LookupError:
        raise InputError(path, f"unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as error:
        # Decode the good prefix to count lines, so multi-byte encodings (UTF-16) count right.
        line = data[: error.start].decode(encoding, errors="replace").count("\n") + 1
        raise InputError(
            path,
            f"byte {data[error.start : error.start + 1]!r} at offset {error.start} is not valid "
            f"{encoding} ({error.reason}); give the file's encoding (e.g. latin-1)",
            line,
        ) from None
    return text.removeprefix("\ufeff")


def split_lines(text: str) -> list[str]:
    """Lines split on '\\n' only (with a trailing '\\r' dropped), so line numbers match editors.

    `str.splitlines` would also split on form feeds, U+2028 and friends, which shifts every
    later line number.

    Example:

    ```python
    from kerasdl.data import sequence

    sequence.split_lines("a\\r\\nb\\x0cc\\n")  # ["a", "b\\x0cc"]: the form feed is no line break
    ```
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


# --------------------------------------------------------------------------- vocabularies


class Vocabulary:
    """Strings <-> ids 0..K-1 in the order of `names`; `names[i]` is the string of id `i`
    (an exported model returns `tf.gather(names, ids)`).

    Example:

    ```python
    from kerasdl.data import sequence

    labels = sequence.Vocabulary(["negative", "positive"])
    len(labels), labels.decode(np.array([[1], [0]]))  # 2, ["positive", "negative"]
    ```
    """

    what = "names"  # for the duplicate error: "duplicate label names in [...]"

    def __init__(self, names: Sequence[str]):
        names = list(names)
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate {self.what} in {names}")
        self.names = names
        self._index = {n: i for i, n in enumerate(names)}

    def __len__(self) -> int:
        return len(self.names)

    def decode(self, ids: Sequence[int] | np.ndarray, length: int | None = None) -> list[str]:
        """The strings of `ids` (any shape, flattened), the first `length` of them."""
        ids = np.asarray(ids).reshape(-1)
        if length is not None:
            ids = ids[:length]
        return [self.names[int(i)] for i in ids]

    def get_config(self) -> dict:
        return {"names": list(self.names)}


def standardize(
    strings,
    lowercase: bool = False,
    normalize_digits: bool = False,
    strip_punctuation: bool = False,
    split_punctuation: bool = False,
):
    """String tensors of any shape, standardized in-graph, in this order:

    - `lowercase`: Unicode lower-casing (`tf.strings.lower(..., encoding="utf-8")`);
    - `normalize_digits`: every Unicode decimal digit becomes `0` (Lample et al. 2016), so
      `1997` and `2001` share one vocabulary entry;
    - `strip_punctuation`: delete ASCII punctuation (Keras's `strip_punctuation`);
    - `split_punctuation`: spaces around ASCII punctuation, so that it becomes separate
      tokens (`isn't.` -> `isn ' t .`), for raw, untokenized text such as IMDB.

    Example:

    ```python
    from kerasdl.data import sequence

    words = tf.constant(["Born", "in", "1997", "isn't."])
    sequence.standardize(words, lowercase=True, normalize_digits=True, split_punctuation=True)
    # [b"born", b"in", b"0000", b"isn ' t . "]
    ```
    """
    if lowercase:
        strings = tf.strings.lower(strings, encoding="utf-8")
    if normalize_digits:
        strings = tf.strings.regex_replace(strings, r"\p{Nd}", "0")
    if strip_punctuation:
        strings = tf.strings.regex_replace(strings, r"[[:punct:]]", "")
    if split_punctuation:
        strings = tf.strings.regex_replace(strings, r"([[:punct:]])", r" \1 ")
    return strings


# Registered under its first name, so saved models that hold it keep loading.
@keras.saving.register_keras_serializable(package="kerasdl", name="TextStandardizer")
class Standardizer:
    """`standardize` with fixed options, as a serializable callable: the `standardize` of
    `TextPreprocessor`'s `TextVectorization` and the word normalization of
    `TaggingPreprocessor`. Arguments as for `standardize` (lower-casing on by default).

    Example:

    ```python
    from kerasdl.data import sequence

    standardizer = sequence.Standardizer(normalize_digits=True)
    standardizer(tf.constant(["May 1997"]))  # [b"may 0000"]
    sequence.Standardizer.from_config(standardizer.get_config())  # the same options
    ```
    """

    def __init__(
        self,
        lowercase: bool = True,
        normalize_digits: bool = False,
        strip_punctuation: bool = False,
        split_punctuation: bool = False,
    ):
        if strip_punctuation and split_punctuation:
            raise ValueError("strip_punctuation and split_punctuation exclude each other")
        self.lowercase = lowercase
        self.normalize_digits = normalize_digits
        self.strip_punctuation = strip_punctuation
        self.split_punctuation = split_punctuation

    def __call__(self, strings: tf.Tensor) -> tf.Tensor:
        return standardize(strings, **self.get_config())

    def get_config(self) -> dict:
        return {
            "lowercase": self.lowercase,
            "normalize_digits": self.normalize_digits,
            "strip_punctuation": self.strip_punctuation,
            "split_punctuation": self.split_punctuation,
        }

    @classmethod
    def from_config(cls, config: dict) -> Standardizer:
        return cls(**config)


def count_tokens(values: Sequence[str], tokens_of) -> collections.Counter:
    """Counts of the (byte-string) tokens `tokens_of` makes of `values` in-graph: a string
    tensor `[n]` in, strings of any shape or ragged out. Run in chunks.

    Example:

    ```python
    from kerasdl.data import sequence

    counts = sequence.count_tokens(["a cat", "a dog"], tf.strings.split)
    counts[b"a"], counts[b"dog"]  # 2, 1
    ```
    """
    counts: collections.Counter = collections.Counter()
    for start in range(0, len(values), 8192):
        tokens = tokens_of(tf.constant(list(values[start : start + 8192]), dtype=tf.string))
        if isinstance(tokens, tf.RaggedTensor):
            tokens = tokens.flat_values
        counts.update(tokens.numpy().reshape(-1).tolist())
    return counts


def vocabulary(
    counts: collections.Counter, min_count: int = 1, max_size: int | None = None
) -> list[str]:
    """Tokens with count >= `min_count`, most frequent first (ties: alphabetical), at most
    `max_size` of them; the empty string and `[UNK]` are never entries.

    Example:

    ```python
    import collections

    from kerasdl.data import sequence

    counts = collections.Counter({b"a": 3, b"dog": 1, b"cat": 1, b"[UNK]": 5})
    sequence.vocabulary(counts)  # ["a", "cat", "dog"]
    sequence.vocabulary(counts, min_count=2)  # ["a"]
    ```
    """
    items = sorted(
        ((t, c) for t, c in counts.items() if c >= min_count and t and t != b"[UNK]"),
        key=lambda x: (-x[1], x[0]),
    )
    if max_size is not None:
        items = items[: max(0, max_size)]
    return [t.decode("utf-8") if isinstance(t, bytes) else t for t, _ in items]


# --------------------------------------------------------------------------- tf.data


def bucket_boundaries_for(lengths: Sequence[int] | np.ndarray, num_buckets: int = 8) -> list[int]:
    """Length boundaries at the quantiles of `lengths`, so buckets fill about equally.

    Example:

    ```python
    from kerasdl.data import sequence

    sequence.bucket_boundaries_for([3, 5, 8, 8, 12, 20, 25, 40], num_buckets=4)  # [8, 11, 22]
    ```
    """
    lengths = np.asarray(lengths)
    if lengths.size == 0 or num_buckets < 2:
        return []
    quantiles = np.quantile(lengths, np.linspace(0, 1, num_buckets + 1)[1:-1])
    return sorted({int(q) + 1 for q in quantiles if int(q) + 1 > 1})


def batch_by_length(
    dataset: tf.data.Dataset,
    length_fn,
    batch_size: int,
    boundaries: Sequence[int] | None,
    padded_shapes=None,
    padding_values=None,
    drop_remainder: bool = False,
) -> tf.data.Dataset:
    """`padded_batch`, or `bucket_by_sequence_length` when `boundaries` is a non-empty list.

    Every batch is padded to its own longest element (not to the bucket boundary), so
    bucketing only changes which examples share a batch.

    Example:

    ```python
    from kerasdl.data import sequence

    rows = tf.data.Dataset.from_generator(
        lambda: iter([[1], [1, 2, 3, 4, 5], [1, 2], [1, 2, 3, 4, 5, 6]]),
        output_signature=tf.TensorSpec([None], tf.int32),
    )
    batches = sequence.batch_by_length(rows, lambda row: tf.shape(row)[0], 2, boundaries=[4])
    [batch.shape for batch in batches]  # [(2, 2), (2, 6)]: short rows together, long together
    ```
    """
    if not boundaries:
        return dataset.padded_batch(
            batch_size, padded_shapes, padding_values, drop_remainder=drop_remainder
        )
    return dataset.bucket_by_sequence_length(
        element_length_func=length_fn,
        bucket_boundaries=list(boundaries),
        bucket_batch_sizes=[batch_size] * (len(boundaries) + 1),
        padded_shapes=padded_shapes,
        padding_values=padding_values,
        drop_remainder=drop_remainder,
    )


def row_lookup(rows: Sequence[np.ndarray]):
    """`row(i)`: the 1-D array `rows[i]` (all one dtype) as a tensor, for `tf.data` maps.

    The rows are stored once, concatenated; each lookup is a slice of them.

    Example:

    ```python
    from kerasdl.data import sequence

    row = sequence.row_lookup([np.array([1, 2, 3]), np.array([4])])
    row(tf.constant(1, tf.int64))  # [4]
    ```
    """
    lengths = np.array([len(r) for r in rows], np.int64)
    flat = tf.constant(np.concatenate(rows) if len(rows) else np.zeros([0], np.int32))
    starts = tf.constant(np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64))
    lengths = tf.constant(lengths)
    return lambda i: flat[starts[i] : starts[i] + lengths[i]]


def batch_rows(
    rows: Sequence[np.ndarray],
    targets: np.ndarray | Sequence[np.ndarray] | None = None,
    batch_size: int = 32,
    shuffle: EpochShuffle | None = None,
    bucket_boundaries: Buckets = None,
    drop_remainder: bool = False,
) -> tf.data.Dataset:
    """Batches of ragged `rows` padded to their longest row (0 or `''`): `rows [B, T]`, or
    `(rows [B, T], targets)` with `targets` an array `[N]` (one per row: `[B]` batches) or
    a list of N rows as long as `rows` (`[B, T]` batches, padded with 0).

    Args:
        shuffle: `None` keeps the order of `rows`; an `EpochShuffle` reshuffles every epoch
            in an order keyed on its seed and the epoch (training only).
        bucket_boundaries: `None` pads per batch in order; a list of lengths or `"auto"`
            (quantiles of these rows' lengths) groups rows of similar length into batches
            (`tf.data.Dataset.bucket_by_sequence_length`), which saves padding but reorders
            the rows, so use it for training only.

    Example:

    ```python
    from kerasdl.data import sequence

    rows = [np.array([5, 6, 7]), np.array([8]), np.array([9, 10])]
    batches = sequence.batch_rows(rows, targets=np.array([1, 0, 1]), batch_size=2)
    for token_ids, labels in batches:
        print(token_ids.numpy().tolist(), labels.numpy().tolist())
    # [[5, 6, 7], [8, 0, 0]] [1, 0]
    # [[9, 10]] [1]
    ```
    """
    row = row_lookup(rows)
    # One map over the order: each pass over an epoch-shuffled order draws the next epoch.
    order = epoch_order(len(rows), shuffle)
    if targets is None:
        dataset = order.map(row)
    elif isinstance(targets, np.ndarray):
        per_row = tf.constant(targets)
        dataset = order.map(lambda i: (row(i), tf.gather(per_row, i)))
    else:
        target_row = row_lookup(targets)
        dataset = order.map(lambda i: (row(i), target_row(i)))
    if bucket_boundaries == "auto":
        bucket_boundaries = bucket_boundaries_for([len(r) for r in rows])
    elif isinstance(bucket_boundaries, str):
        raise ValueError(f"bucket_boundaries must be a list, 'auto' or None: {bucket_boundaries}")

    def length_fn(row, *_):
        return tf.shape(row)[0]

    return batch_by_length(
        dataset, length_fn, batch_size, bucket_boundaries, drop_remainder=drop_remainder
    )
