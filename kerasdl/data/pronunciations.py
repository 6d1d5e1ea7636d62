"""Pronunciation dictionaries for grapheme-to-phoneme conversion: reading, vocabularies,
batches and scoring.

- `read_pronunciations`: `word<TAB>phones` lines (the CMU Pronouncing Dictionary's
  ARPAbet, `AH0 B AW1 T`), one line per pronunciation, a word possibly on several lines;
  malformed lines are an `InputError` naming the file, the line and the problem.
- `PronunciationPreprocessor`: words -> character ids and phone strings <-> phone ids
  (`StringLookup`, in-graph), so a model that holds it takes raw words.
- `make_dataset`: teacher-forcing batches `({"characters", "phones"}, targets, weights)`.
- `error_rates`: word and phoneme error rates against every listed pronunciation of a
  word, with stress digits as written and with them removed.
"""

from __future__ import annotations

import collections
import dataclasses
import os
import re
from collections.abc import Iterable, Mapping, Sequence

import keras
import numpy as np
import tensorflow as tf

from kerasdl.data import sequence
from kerasdl.data.epochs import EpochShuffle
from kerasdl.data.errors import InputError

# An ARPAbet symbol: capital letters, and a vowel's stress digit (0 none, 1 primary,
# 2 secondary).
PHONE_PATTERN = re.compile(r"[A-Z]+[012]?")
END, START = "</s>", "<s>"


@dataclasses.dataclass
class Pronunciations(sequence.Examples):
    """Pronunciations read from `source`: `words[i]` (lower-cased) is pronounced
    `phones[i]` (a list of ARPAbet symbols); `lines[i]` is its line in the file. A word
    with several pronunciations appears once per pronunciation.

    Example:

    ```python
    from kerasdl.data.pronunciations import Pronunciations

    phones = [["R", "IY1", "D"], ["R", "EH1", "D"], ["AH0"]]
    data = Pronunciations(["read", "read", "a"], phones, "toy")
    data.lexicon()  # {"read": [["R", "IY1", "D"], ["R", "EH1", "D"]], "a": [["AH0"]]}
    ```
    """

    fields = ("words", "phones")
    words: list[str]
    phones: list[list[str]]
    source: str
    lines: list[int] | None = None

    def lexicon(self) -> dict[str, list[list[str]]]:
        """Every word's distinct pronunciations, in the order first read."""
        found: dict[str, list[list[str]]] = {}
        for word, phones in zip(self.words, self.phones, strict=True):
            listed = found.setdefault(word, [])
            if phones not in listed:
                listed.append(phones)
        return found

    def without_stress(self) -> Pronunciations:
        """The same pronunciations with the stress digits removed."""
        return dataclasses.replace(self, phones=[strip_stress(p) for p in self.phones])

    def split_by_word(self, fraction: float, seed: int) -> tuple[Pronunciations, Pronunciations]:
        """`(kept, held_out)`: a seeded `fraction` of the distinct words (at least one,
        and one kept when there are two) held out with all their pronunciations, so no
        word is in both parts; each part keeps the file order."""
        words = list(dict.fromkeys(self.words))
        if len(words) < 2:
            return self, self
        held = min(max(1, int(round(len(words) * fraction))), len(words) - 1)
        order = np.random.default_rng(seed).permutation(len(words))
        held_out = {words[i] for i in order[:held]}
        kept_rows = [i for i, w in enumerate(self.words) if w not in held_out]
        held_rows = [i for i, w in enumerate(self.words) if w in held_out]
        return self.subset(kept_rows), self.subset(held_rows)


def strip_stress(phones: Iterable[str]) -> list[str]:
    """ARPAbet symbols without their stress digits (`AH0` -> `AH`)."""
    return [phone.rstrip("012") for phone in phones]


def read_pronunciations(path: str | os.PathLike, encoding: str = "utf-8") -> Pronunciations:
    """Reads `word<TAB>phones` lines: a word (no whitespace; lower-cased), a tab, its
    ARPAbet symbols separated by spaces. Blank lines and `;;;` comment lines (CMUdict's)
    are skipped.

    Raises:
        InputError: naming the file and line, for a line without a tab or with more than
            one, an empty word or one with spaces, no phones, or a phone that is not an
            ARPAbet symbol (capital letters and an optional stress digit 0-2); and for a
            file with no pronunciations.

    Example:

    ```python
    from kerasdl.data.pronunciations import read_pronunciations

    with open("lexicon.tsv", "w") as f:
        f.write("about\\tAH0 B AW1 T\\nread\\tR IY1 D\\nread\\tR EH1 D\\n")
    data = read_pronunciations("lexicon.tsv")
    data.words, data.lines  # ["about", "read", "read"], [1, 2, 3]
    data.phones[0]  # ["AH0", "B", "AW1", "T"]
    ```
    """
    path = os.fspath(path)
    words, phones, lines = [], [], []
    for number, line in enumerate(
        sequence.split_lines(sequence.decode_file(path, encoding)), start=1
    ):
        if not line.strip() or line.startswith(";;;"):
            continue
        columns = line.split("\t")
        if len(columns) != 2:
            found = "no tab" if len(columns) == 1 else f"{len(columns)} columns"
            raise InputError(path, f"expected word<TAB>phones, found {found}", number)
        word, pronunciation = columns[0].strip(), columns[1].split()
        if not word:
            raise InputError(path, "empty word", number)
        if any(c.isspace() for c in word):
            raise InputError(path, f"word {word!r} contains whitespace", number)
        if not pronunciation:
            raise InputError(path, f"no phones for {word!r}", number)
        for phone in pronunciation:
            if not PHONE_PATTERN.fullmatch(phone):
                raise InputError(
                    path,
                    f"phone {phone!r} of {word!r} is not an ARPAbet symbol "
                    "(capital letters, optionally a stress digit 0-2)",
                    number,
                )
        words.append(word.lower())
        phones.append(pronunciation)
        lines.append(number)
    if not words:
        raise InputError(path, "no pronunciations (empty file)")
    return Pronunciations(words, phones, path, lines)


# --------------------------------------------------------------------------- vocabularies


@keras.saving.register_keras_serializable(package="kerasdl")
class PronunciationPreprocessor(keras.layers.Layer):
    """Words -> character ids, and phone strings <-> phone ids, in-graph.

    - `characters(words)`: string `[N]` -> int32 `[N, S]`, the lower-cased word's Unicode
      characters (0 padding, 1 unknown, 2.. the training characters, most frequent first);
      `S` is the longest word, at least 1 (an empty word is one padding column).
    - `phone_ids(phones)`: phone strings (any shape, ragged too) -> int32 ids: 0 padding
      (`""`), 1 unknown, 2 `END`, 3 `START`, 4.. the training phones, most frequent first.
    - `phone_strings(ids)`: int `[N, T]` -> string `[N]`, the phones before the first
      `END` (and before padding) joined by spaces.

    Build it from training data with `from_pronunciations`; the same layer makes the
    training batches (`make_dataset`) and sits inside the exported model.

    Example:

    ```python
    from kerasdl.data.pronunciations import Pronunciations, PronunciationPreprocessor

    data = Pronunciations(["ab", "ba"], [["AE1", "B"], ["B", "AA1"]], "toy")
    preprocessor = PronunciationPreprocessor.from_pronunciations(data)
    preprocessor.characters(tf.constant(["Bab", "c"]))  # [[2, 3, 2], [1, 0, 0]]: c unknown
    ids = preprocessor.phone_ids(tf.constant([["B", "AE1", "</s>"]]))
    preprocessor.phone_strings(ids)  # [b"B AE1"]
    ```
    """

    def __init__(self, characters: Sequence[str], phones: Sequence[str], **kwargs):
        super().__init__(**kwargs)
        self.character_list = list(characters)
        self.phone_list = list(phones)
        # An empty StringLookup cannot be called: keep a real entry no character matches.
        self.char_lookup = keras.layers.StringLookup(
            vocabulary=self.character_list or ["\x00<none>"],
            mask_token="",
            num_oov_indices=1,
            name="char_lookup",
        )
        self.phone_lookup = keras.layers.StringLookup(
            vocabulary=[END, START, *self.phone_list],
            mask_token="",
            num_oov_indices=1,
            name="phone_lookup",
        )
        self.phone_names = ["", "[UNK]", END, START, *self.phone_list]

    def build(self, input_shape=None):
        # The lookup tables are made in __init__ from the vocabularies; nothing to build.
        self.built = True

    @classmethod
    def from_pronunciations(cls, data: Pronunciations) -> PronunciationPreprocessor:
        """The character and phone vocabularies of the training pronunciations."""
        characters = collections.Counter(c for word in data.words for c in word)
        phones = collections.Counter(p for pronunciation in data.phones for p in pronunciation)
        return cls(sequence.vocabulary(characters), sequence.vocabulary(phones))

    @property
    def char_vocabulary_size(self) -> int:
        """Character ids including padding and unknown (an Embedding's `input_dim`)."""
        return self.char_lookup.vocabulary_size()

    @property
    def phone_vocabulary_size(self) -> int:
        """Phone ids including padding, unknown, `END` and `START`."""
        return len(self.phone_names)

    @property
    def end_id(self) -> int:
        return self.phone_names.index(END)

    @property
    def start_id(self) -> int:
        return self.phone_names.index(START)

    def character_rows(self, words) -> tf.RaggedTensor:
        """The character ids of each word, int32 `[N, (S)]` (unpadded)."""
        words = tf.strings.lower(tf.convert_to_tensor(words, tf.string), encoding="utf-8")
        return tf.cast(self.char_lookup(tf.strings.unicode_split(words, "UTF-8")), tf.int32)

    def characters(self, words):
        ids = self.character_rows(words).to_tensor(default_value=0)
        return tf.pad(ids, [[0, 0], [0, tf.maximum(1 - tf.shape(ids)[1], 0)]])

    def phone_ids(self, phones):
        return tf.cast(self.phone_lookup(phones), tf.int32)

    def phone_strings(self, ids):
        ids = tf.convert_to_tensor(ids)
        ended = tf.cumsum(tf.cast((ids == self.end_id) | (ids == 0), tf.int32), axis=1) > 0
        names = tf.gather(tf.constant(self.phone_names), tf.cast(ids, tf.int32))
        phones = tf.ragged.boolean_mask(names, tf.logical_not(ended))
        return tf.strings.reduce_join(phones, axis=1, separator=" ")

    def call(self, words):
        return self.characters(words)

    def get_config(self):
        return {
            **super().get_config(),
            "characters": self.character_list,
            "phones": self.phone_list,
        }


def make_dataset(
    data: Pronunciations,
    preprocessor: PronunciationPreprocessor,
    batch_size: int,
    shuffle: EpochShuffle | None = None,
    bucket_boundaries: sequence.Buckets = None,
) -> tf.data.Dataset:
    """Teacher-forcing batches of `data`: `({"characters": [B, S], "phones": [B, T]},
    targets [B, T], weights [B, T])`, where `targets` are a pronunciation's phone ids and
    `END`, `phones` the same shifted right behind `START` (what the decoder reads at each
    step), and `weights` 1 where a target is, 0 at padding.

    Args:
        shuffle: an `EpochShuffle` for training (an order keyed on its seed and the epoch);
            None keeps the order of `data`.
        bucket_boundaries: word-length boundaries, `"auto"` or None (see
            `sequence.batch_rows`); bucketing reorders, so use it for training only.
    """
    rows = [np.asarray(r, np.int32) for r in preprocessor.character_rows(data.words).to_list()]
    with_end = tf.ragged.constant([[*p, END] for p in data.phones], dtype=tf.string)
    targets = [np.asarray(r, np.int32) for r in preprocessor.phone_ids(with_end).to_list()]
    start = preprocessor.start_id

    def teacher_forcing(characters, targets):
        batch = tf.shape(targets)[0]
        present = targets != 0
        shifted = tf.concat([tf.fill([batch, 1], start), targets[:, :-1]], axis=1)
        phones = tf.where(present, shifted, 0)
        return {"characters": characters, "phones": phones}, targets, tf.cast(present, "float32")

    batches = sequence.batch_rows(
        rows, targets, batch_size, shuffle=shuffle, bucket_boundaries=bucket_boundaries
    )
    return batches.map(teacher_forcing).prefetch(tf.data.AUTOTUNE)


# --------------------------------------------------------------------------- scoring


def edit_distance(hypothesis: Sequence[str], reference: Sequence[str]) -> int:
    """Levenshtein distance: the fewest substitutions, insertions and deletions that turn
    `hypothesis` into `reference`."""
    previous = list(range(len(reference) + 1))
    for i, symbol in enumerate(hypothesis, start=1):
        current = [i]
        for j, wanted in enumerate(reference, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (symbol != wanted))
            )
        previous = current
    return previous[-1]


def error_rates(
    predictions: Mapping[str, Sequence[str]], lexicon: Mapping[str, Sequence[Sequence[str]]]
) -> dict[str, float]:
    """Word and phoneme error rates of `predictions` (word -> phones) against `lexicon`
    (word -> every listed pronunciation), over the words of `lexicon`.

    - word error rate: the share of words whose prediction equals none of their listed
      pronunciations;
    - phoneme error rate: the edit distances to each word's closest pronunciation (the
      first of the closest when several tie) summed, over the summed lengths of those
      pronunciations (Bisani & Ney 2008's measure, with several references).

    Each is given as written (`word_error_rate`, `phoneme_error_rate`) and with the stress
    digits removed from predictions and references (`..._without_stress`); also `words`,
    the number of words scored.

    Raises:
        KeyError: a word of `lexicon` has no prediction.

    Example:

    ```python
    from kerasdl.data.pronunciations import error_rates

    lexicon = {"read": [["R", "IY1", "D"], ["R", "EH1", "D"]], "a": [["AH0"]]}
    error_rates({"read": ["R", "EH1", "D"], "a": ["EY1"]}, lexicon)
    # word_error_rate 0.5 (a), phoneme_error_rate 0.25 (1 of 3 + 1 phones)
    ```
    """
    rates = {"words": float(len(lexicon))}
    for suffix, normalize in (("", list), ("_without_stress", strip_stress)):
        wrong = distance = length = 0
        for word, references in lexicon.items():
            predicted = normalize(predictions[word])
            references = [normalize(r) for r in references]
            wrong += predicted not in references
            distances = [edit_distance(predicted, r) for r in references]
            closest = int(np.argmin(distances))
            distance += distances[closest]
            length += len(references[closest])
        count = max(1, len(lexicon))
        rates[f"word_error_rate{suffix}"] = wrong / count
        rates[f"phoneme_error_rate{suffix}"] = distance / max(1, length)
    return rates
