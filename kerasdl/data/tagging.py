"""Sequence-labeling input: CoNLL readers, tag schemes, vocabularies and padded batches.

The pieces, in the order a trainer uses them:

1. `read_conll(path, token_column=0, tag_column=-1, encoding="utf-8")` (or `load_tfds_tagging`)
   gives a `TaggedCorpus`: token and tag lists per sentence, with the line of every token.
2. `check_scheme(corpus, scheme)` validates tags against IOB1, IOB2 or BIOES (file:line of
   the first bad tag); `convert_corpus(corpus, source, target)` rewrites them; `infer_scheme`
   guesses one. `spans` / `render_spans` / `convert_tags` work on one sentence.
3. `TagVocabulary.from_corpus(train)` fixes the tag set; `unseen(corpus)` lists the
   validation or test tags it lacks (scored as misses, as conlleval scores them).
4. `TaggingPreprocessor.from_corpus(train, lowercase=..., normalize_digits=...)` holds the word
   and character vocabularies as `keras.layers.StringLookup` layers: token strings `[B, T]`
   (`''` = padding) -> `{"token_ids" [B, T], "char_ids" [B, T, C], "lengths" [B]}` in-graph,
   so an exported model takes raw token strings.
5. `make_dataset(corpus, preprocessor, tags, ...)` gives `(features, tag_ids [B, T])` batches.

CoNLL format (DESIGN.md): one token per line, columns separated by whitespace (or by
`separator`), token in `token_column` (default first), tag in `tag_column` (default last),
a blank line between sentences (runs of blank lines are one break), `-DOCSTART-` lines
skipped, the last sentence may lack a final blank line.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import os
import re
from collections.abc import Sequence
from typing import ClassVar

import keras
import numpy as np
import tensorflow as tf

from kerasdl.data.epochs import epoch_shuffle
from kerasdl.data.errors import InputError, tfds_errors
from kerasdl.data.parallel import parallel_map
from kerasdl.data.sequence import (
    Buckets,
    Examples,
    Shuffle,
    Standardizer,
    Vocabulary,
    batch_rows,
    count_tokens,
    decode_file,
    read_splits,
    split_lines,
    standardize,
    vocabulary,
)

SCHEMES = ("IOB1", "IOB2", "BIOES")
SCHEME_ALIASES = {"BIO": "IOB2", "IOBES": "BIOES", "IOB": "IOB1"}
DOCSTART = "-DOCSTART-"
_PREFIXES = {"IOB1": "BI", "IOB2": "BI", "BIOES": "BIES"}
_TAG = re.compile(r"^([BIES])(?:-(.+))?$", re.DOTALL)


# --------------------------------------------------------------------------- corpus


@dataclasses.dataclass
class TaggedCorpus(Examples):
    """Sentences of tokens and tags (`sequence.Examples`).

    Attributes:
        tokens: one list of token strings per sentence.
        tags: one list of tag strings per sentence, same lengths (`None` if untagged).
        source: the file path or `tfds:NAME/SPLIT`, for error messages.
        lines: 1-based line of each sentence's first token (`None` for TFDS); token `j`
            of sentence `i` is on line `lines[i] + j` (`line_of(i, j)`).
        columns: the feature columns read with the tokens (`read_conll(feature_columns=...)`,
            e.g. part-of-speech tags): per sentence, per token, one string per column;
            `None` without.

    Example:

    ```python
    from kerasdl.data import tagging

    corpus = tagging.TaggedCorpus(
        [["Ann", "ran"], ["Bob", "sat", "down"]], [["B-NP", "B-VP"], ["B-NP", "B-VP", "B-ADVP"]],
        "in memory",
    )
    len(corpus), corpus.num_tokens, corpus.subset([1]).tokens  # 2, 5, [["Bob", "sat", "down"]]
    ```
    """

    fields: ClassVar[tuple[str, ...]] = ("tokens", "tags", "columns")
    tokens: list[list[str]]
    tags: list[list[str]] | None
    source: str
    lines: list[int] | None = None
    columns: list[list[tuple[str, ...]]] | None = None

    def where(self, sentence: int, token: int = 0) -> tuple[int | None, str]:
        """(line, prefix) for an error message: a line for files, a sentence number for TFDS."""
        if self.lines is None:
            return None, f"sentence {sentence + 1}, token {token + 1}: "
        return self.lines[sentence] + token, ""

    @property
    def num_tokens(self) -> int:
        return sum(len(s) for s in self.tokens)

    @property
    def num_columns(self) -> int:
        """Feature columns per token (0 without)."""
        return len(self.columns[0][0]) if self.columns else 0


def read_conll(
    path: str | os.PathLike,
    token_column: int = 0,
    tag_column: int | None = -1,
    encoding: str = "utf-8",
    separator: str | None = None,
    feature_columns: Sequence[int] = (),
) -> TaggedCorpus:
    """Reads a CoNLL column file.

    Args:
        path: the file.
        token_column: column of the token (0-based; negative counts from the end).
        tag_column: column of the tag (default the last); `None` reads tokens only.
        encoding: the file's encoding (`--encoding`), e.g. `latin-1` for CoNLL-2002/2003.
        separator: `None` splits on runs of whitespace; a string (e.g. `"\\t"`) splits on
            exactly that, so empty fields are caught as errors.
        feature_columns: more columns to read with each token (e.g. `[1]`, the
            part-of-speech tags of CoNLL-2000 and CoNLL-2002), into `corpus.columns`.

    Every token line must have the same number of columns as the first one. Raises
    `InputError` with the line for: bytes not valid under `encoding`, a wrong column count,
    an empty token or tag, and a file without any sentence.

    Example:

    ```python
    from kerasdl.data import tagging

    with open("train.txt", "w") as f:
        f.write("Ann NNP B-NP\\nran VBD B-VP\\n\\nBob NNP B-NP\\nsat VBD B-VP\\ndown RB B-ADVP\\n")
    corpus = tagging.read_conll("train.txt")  # tokens from column 0, tags from the last
    corpus.tokens[1], corpus.tags[1], corpus.lines  # ["Bob", "sat", "down"], [...], [1, 4]
    pos = tagging.read_conll("train.txt", tag_column=1)  # part-of-speech tags instead
    with_pos = tagging.read_conll("train.txt", feature_columns=[1])
    with_pos.columns[0]  # [("NNP",), ("VBD",)]: column 1 of each token of sentence 1
    ```
    """
    path = os.fspath(path)
    feature_columns = [int(c) for c in feature_columns]
    need = max(_column_need(c) for c in (token_column, tag_column, *feature_columns))
    tokens: list[list[str]] = []
    tags: list[list[str]] = []
    lines: list[int] = []
    feature_rows: list[list[tuple[str, ...]]] = []
    sentence_tokens: list[str] = []
    sentence_tags: list[str] = []
    sentence_columns: list[tuple[str, ...]] = []
    width = None

    def close_sentence():
        if sentence_tokens:
            tokens.append(list(sentence_tokens))
            tags.append(list(sentence_tags))
            feature_rows.append(list(sentence_columns))
            sentence_tokens.clear()
            sentence_tags.clear()
            sentence_columns.clear()

    for number, line in enumerate(split_lines(decode_file(path, encoding)), start=1):
        columns = line.split() if separator is None else line.split(separator)
        if not line.strip():
            close_sentence()
            continue
        if columns[0].strip() == DOCSTART:
            close_sentence()  # a document break is also a sentence break
            continue
        if width is None:
            width = len(columns)
            same = tag_column is not None and token_column % width == tag_column % width
            if width < need or same:
                need = max(need, 2)
                features = f", feature_columns={feature_columns}" if feature_columns else ""
                raise InputError(
                    path,
                    f"expected at least {need} columns (token_column={token_column}, "
                    f"tag_column={tag_column}{features}), found {width}",
                    number,
                )
            labelled = {token_column % width}
            if tag_column is not None:
                labelled.add(tag_column % width)
            overlap = sorted(c for c in feature_columns if c % width in labelled)
            if overlap:
                raise InputError(
                    path,
                    f"feature column {overlap[0]} is the token or the tag column "
                    f"(token_column={token_column}, tag_column={tag_column})",
                    number,
                )
        elif len(columns) != width:
            raise InputError(
                path,
                f"expected {width} columns like the lines before, found {len(columns)}",
                number,
            )
        token = columns[token_column]
        if separator is not None:
            token = token.strip()
        if not token:
            raise InputError(path, f"empty token in column {token_column}", number)
        if tag_column is not None:
            tag = columns[tag_column].strip()
            if not tag:
                raise InputError(path, f"empty tag in column {tag_column}", number)
            sentence_tags.append(tag)
        if feature_columns:
            values = tuple(columns[c].strip() for c in feature_columns)
            if not all(values):
                empty = next(c for c, v in zip(feature_columns, values, strict=True) if not v)
                raise InputError(path, f"empty value in feature column {empty}", number)
            sentence_columns.append(values)
        if not sentence_tokens:
            lines.append(number)
        sentence_tokens.append(token)
    close_sentence()
    if not tokens:
        raise InputError(path, "no sentences (empty file)")
    return TaggedCorpus(
        tokens,
        tags if tag_column is not None else None,
        path,
        lines,
        feature_rows if feature_columns else None,
    )


def _column_need(column: int | None) -> int:
    if column is None:
        return 1
    return column + 1 if column >= 0 else -column


# TFDS tagging datasets: (tokens feature, default tag feature, test split).
TFDS_TAGGING_KEYS: dict[str, tuple[str, str, str]] = {
    "conll2003": ("tokens", "ner", "test"),
    "conll2002": ("tokens", "ner", "test"),
    "wikiann": ("tokens", "tags", "test"),
}


def load_tfds_tagging(
    name: str,
    split: str = "train",
    data_dir: str | None = None,
    tag_key: str | None = None,
    tokens_key: str = "tokens",
    download: bool = True,
) -> TaggedCorpus:
    """A TFDS sequence-labeling split (conll2003, conll2002/es, wikiann/en, ...) as a corpus.

    Tags are the `ClassLabel` names (`tag_key`, default `ner` or `tags`; `pos` or `chunks`
    for conll2003's other tasks). Raises `InputError` when tokens and tags differ in length.

    Example:

    ```python
    from kerasdl.data import tagging

    # tagging.load_tfds_tagging("conll2003", "train") downloads CoNLL-2003 once.
    try:
        tagging.load_tfds_tagging("conll2003", "test", data_dir="no_tfds_here", download=False)
    except kerasdl.data.InputError as error:
        print(error)  # tfds:conll2003/test: cannot load (...)
    ```
    """
    import tensorflow_datasets as tfds

    source = f"tfds:{name}/{split}"
    base = name.split("/")[0].split(":")[0]
    if tag_key is None:
        tag_key = TFDS_TAGGING_KEYS.get(base, ("tokens", "tags", "test"))[1]
    with tfds_errors(source):
        dataset, info = tfds.load(
            name, split=split, data_dir=data_dir, with_info=True, download=download
        )
    features = info.features
    for key in (tokens_key, tag_key):
        if key not in features:
            raise InputError(source, f"no feature {key!r}; features are {sorted(features)}")
    names = getattr(getattr(features[tag_key], "feature", None), "names", None)
    tokens, tags = [], []
    for number, example in enumerate(tfds.as_numpy(dataset), start=1):
        words = [t.decode("utf-8", errors="replace") for t in example[tokens_key]]
        labels = [names[int(i)] if names else str(i) for i in example[tag_key]]
        if len(words) != len(labels):
            raise InputError(
                source, f"sentence {number} has {len(words)} tokens but {len(labels)} tags"
            )
        if any(not w.strip() for w in words):
            raise InputError(source, f"sentence {number} has an empty token")
        if words:
            tokens.append(words)
            tags.append(labels)
    if not tokens:
        raise InputError(source, "no sentences")
    return TaggedCorpus(tokens, tags, source, None)


# --------------------------------------------------------------------------- tag schemes


def normalize_scheme(scheme: str) -> str:
    """`IOB1`, `IOB2` or `BIOES` from any case or alias (`BIO` = IOB2, `IOBES` = BIOES).

    Example:

    ```python
    from kerasdl.data import tagging

    tagging.normalize_scheme("bio"), tagging.normalize_scheme("iobes")  # "IOB2", "BIOES"
    ```
    """
    upper = scheme.upper()
    upper = SCHEME_ALIASES.get(upper, upper)
    if upper not in SCHEMES:
        raise ValueError(f"unknown tag scheme {scheme!r}; expected one of {', '.join(SCHEMES)}")
    return upper


@functools.lru_cache(maxsize=65536)
def split_tag(tag: str) -> tuple[str, str]:
    """`"B-NP"` -> `("B", "NP")`, `"O"` -> `("O", "")`, `"I"` -> `("I", "")`.

    Raises `ValueError` for anything else (e.g. a POS tag such as `NN`).
    """
    if tag == "O":
        return "O", ""
    match = _TAG.match(tag)
    if not match:
        raise ValueError(f"tag {tag!r} is neither O nor PREFIX-TYPE")
    return match.group(1), match.group(2) or ""


def _join(prefix: str, chunk_type: str) -> str:
    return f"{prefix}-{chunk_type}" if chunk_type else prefix


class TagSchemeError(ValueError):
    """A tag sequence that breaks a scheme's rules; `index` is the offending position.

    Example:

    ```python
    from kerasdl.data import tagging

    try:
        tagging.spans(["O", "I-NP"], "IOB2")  # IOB2 chunks start with B-
    except tagging.TagSchemeError as error:
        error.index  # 1
    ```
    """

    def __init__(self, index: int, message: str):
        self.index = index
        super().__init__(message)


def spans(tags: Sequence[str], scheme: str, strict: bool = True) -> list[tuple[str, int, int]]:
    """The chunks of a tag sequence as `(type, start, end)` with `end` exclusive.

    IOB1 (Ramshaw & Marcus 1995): chunks are runs of `I-X`; `B-X` starts a chunk only right
    after a chunk of the same type. IOB2: every chunk starts with `B-X`. BIOES: `B-X I-X*
    E-X` or a single `S-X`.

    With `strict`, a sequence that breaks the scheme raises `TagSchemeError`; without it
    the sequence is repaired the way conlleval reads predictions (an `I-X` after `O` or
    after another type starts a chunk; in BIOES a chunk ends at `E`, `S`, `O` or a change
    of type), so model output always decodes.

    Example:

    ```python
    from kerasdl.data import tagging

    tags = ["B-NP", "I-NP", "B-VP", "O", "B-NP"]
    tagging.spans(tags, "IOB2")  # [("NP", 0, 2), ("VP", 2, 3), ("NP", 4, 5)]
    tagging.spans(["O", "I-NP", "I-NP"], "IOB2", strict=False)  # [("NP", 1, 3)], as conlleval
    ```
    """
    scheme = normalize_scheme(scheme)
    allowed = _PREFIXES[scheme]
    result: list[tuple[str, int, int]] = []
    open_type: str | None = None  # type of the chunk being read, None outside chunks
    start = 0
    previous = "O"

    def fail(i: int, why: str):
        if strict:
            raise TagSchemeError(i, f"{tags[i]!r} after {previous!r}: {why}")

    for i, tag in enumerate(tags):
        try:
            prefix, chunk_type = split_tag(tag)
        except ValueError as error:
            raise TagSchemeError(i, f"{error} (scheme {scheme})") from None
        if prefix != "O" and prefix not in allowed:
            raise TagSchemeError(i, f"tag {tag!r}: prefix {prefix}- is not used in {scheme}")
        continues = open_type is not None and open_type == chunk_type
        if scheme == "BIOES":
            if prefix in ("B", "S", "O") and open_type is not None:
                fail(i, "the chunk before was not closed by E-")
            elif prefix in ("I", "E") and not continues:
                fail(i, f"BIOES needs B-{chunk_type} before {prefix}-{chunk_type}")
            begins = prefix in ("B", "S") or (prefix in ("I", "E") and not continues)
        else:
            if scheme == "IOB2" and prefix == "I" and not continues:
                fail(i, f"IOB2 chunks start with B-{chunk_type}")
            if scheme == "IOB1" and prefix == "B" and not continues:
                fail(i, "IOB1 uses B- only right after a chunk of the same type")
            begins = prefix == "B" or (prefix == "I" and not continues)
        if open_type is not None and (prefix == "O" or begins):
            result.append((open_type, start, i))
            open_type = None
        if begins:
            open_type, start = chunk_type, i
        if scheme == "BIOES" and prefix in ("E", "S"):
            result.append((chunk_type, start, i + 1))
            open_type = None
        previous = tag
    if open_type is not None:
        if scheme == "BIOES" and strict:
            raise TagSchemeError(
                len(tags) - 1,
                f"the sentence ends inside a chunk ({tags[-1]!r}): BIOES ends with E-",
            )
        result.append((open_type, start, len(tags)))
    return result


def render_spans(spans_: Sequence[tuple[str, int, int]], length: int, scheme: str) -> list[str]:
    """Tags of `length` tokens with the chunks `spans_` in `scheme` (inverse of `spans`).

    Example:

    ```python
    from kerasdl.data import tagging

    tagging.render_spans([("NP", 0, 2), ("VP", 2, 3)], 4, "BIOES")  # ["B-NP", "E-NP", "S-VP", "O"]
    ```
    """
    scheme = normalize_scheme(scheme)
    tags = ["O"] * length
    previous_end, previous_type = -1, None
    for chunk_type, start, end in sorted(spans_, key=lambda s: s[1]):
        if scheme == "IOB2":
            tags[start] = _join("B", chunk_type)
            for i in range(start + 1, end):
                tags[i] = _join("I", chunk_type)
        elif scheme == "IOB1":
            adjacent = previous_end == start and previous_type == chunk_type
            for i in range(start, end):
                tags[i] = _join("I", chunk_type)
            if adjacent:
                tags[start] = _join("B", chunk_type)
        else:
            if end - start == 1:
                tags[start] = _join("S", chunk_type)
            else:
                tags[start] = _join("B", chunk_type)
                for i in range(start + 1, end - 1):
                    tags[i] = _join("I", chunk_type)
                tags[end - 1] = _join("E", chunk_type)
        previous_end, previous_type = end, chunk_type
    return tags


def convert_tags(tags: Sequence[str], source: str, target: str, strict: bool = True) -> list[str]:
    """One sentence's tags from scheme `source` to `target` (via `spans`).

    Example:

    ```python
    from kerasdl.data import tagging

    tagging.convert_tags(["B-NP", "I-NP", "B-VP"], "IOB2", "BIOES")  # ["B-NP", "E-NP", "S-VP"]
    tagging.convert_tags(["I-NP", "I-NP", "B-NP"], "IOB1", "IOB2")  # ["B-NP", "I-NP", "B-NP"]
    ```
    """
    return render_spans(spans(tags, source, strict), len(tags), target)


def check_scheme(corpus: TaggedCorpus, scheme: str) -> None:
    """Raises `InputError` at the line of the first tag that breaks `scheme`.

    Example:

    ```python
    from kerasdl.data import tagging

    corpus = tagging.TaggedCorpus([["Ann", "ran"]], [["O", "I-VP"]], "train.txt", [1])
    try:
        tagging.check_scheme(corpus, "IOB2")
    except kerasdl.data.InputError as error:
        print(error)  # train.txt:2: ... (the line of "ran")
    ```
    """
    if corpus.tags is None:
        return
    for i, sentence in enumerate(corpus.tags):
        try:
            spans(sentence, scheme, strict=True)
        except TagSchemeError as error:
            line, prefix = corpus.where(i, error.index)
            raise InputError(
                corpus.source, f"{prefix}bad tag for {scheme}: {error}", line
            ) from None


def convert_corpus(corpus: TaggedCorpus, source: str, target: str) -> TaggedCorpus:
    """The corpus with tags rewritten from `source` to `target`; `InputError` on bad tags.

    Example:

    ```python
    from kerasdl.data import tagging

    corpus = tagging.TaggedCorpus([["Bob", "sat", "down"]], [["B-NP", "B-VP", "I-VP"]], "toy")
    tagging.convert_corpus(corpus, "IOB2", "BIOES").tags  # [["S-NP", "B-VP", "E-VP"]]
    ```
    """
    check_scheme(corpus, source)
    if corpus.tags is None or normalize_scheme(source) == normalize_scheme(target):
        return corpus
    tags = [convert_tags(s, source, target) for s in corpus.tags]
    return dataclasses.replace(corpus, tags=tags)


def infer_scheme(tag_sequences: Sequence[Sequence[str]]) -> str | None:
    """The first of BIOES (if E-/S- tags occur), IOB2, IOB1 that every sequence satisfies;
    `None` when the tags are no chunk scheme (e.g. POS tags).

    Example:

    ```python
    from kerasdl.data import tagging

    tagging.infer_scheme([["B-NP", "I-NP", "O"]])  # "IOB2"
    tagging.infer_scheme([["S-NP", "O"]])  # "BIOES"
    tagging.infer_scheme([["NNP", "VBD"]])  # None: part-of-speech tags
    ```
    """
    candidates = ["IOB2", "IOB1"]
    for sentence in tag_sequences:
        for tag in sentence:
            if tag[:2] in ("E-", "S-") or tag in ("E", "S"):
                candidates = ["BIOES"]
                break
    for scheme in candidates:
        try:
            for sentence in tag_sequences:
                spans(sentence, scheme, strict=True)
        except TagSchemeError:
            continue
        return scheme
    return None


# --------------------------------------------------------------------------- vocabularies


class TagVocabulary(Vocabulary):
    """Tag strings <-> ids 0..K-1 from training data: `O` first (if present), then sorted.

    With a `scheme`, the set is closed under it: `O`, and every chunk type seen in
    training with all of the scheme's prefixes (IOB2: B-X and I-X; BIOES: B-, I-, E-,
    S-), since which prefixes of a rare type happen to occur is chance (CoNLL-2000 has
    B-LST but no I-LST in training and I-LST in test).

    A tag never seen in training (a chunk type that only the test file has; a POS tag
    training lacks) cannot be predicted, but it is valid gold data: conlleval scores its
    chunks as missed, and `encode` gives it the id of `O` (of tag 0 when there is no
    `O`), which only the Keras loss and token accuracy of such data see.

    Padded positions of `tag_ids` batches hold 0; use the lengths or the token mask to
    ignore them. `names[i]` is the tag of id `i` (an exported model gathers from it).

    Example:

    ```python
    from kerasdl.data import tagging

    corpus = tagging.TaggedCorpus([["Ann", "ran", "home"]], [["B-NP", "B-VP", "O"]], "toy")
    tags = tagging.TagVocabulary.from_corpus(corpus, scheme="IOB2")
    tags.names  # ["O", "B-NP", "B-VP", "I-NP", "I-VP"]: every prefix of each chunk type
    tags.encode(corpus)  # [array([1, 2, 0])]
    tags.decode_batch(np.array([[1, 3, 0]]), lengths=[2])  # [["B-NP", "I-NP"]]
    ```
    """

    what = "tags"

    @classmethod
    def from_corpus(cls, corpus: TaggedCorpus, scheme: str | None = None) -> TagVocabulary:
        if corpus.tags is None:
            raise InputError(corpus.source, "no tags to build the tag set from")
        found = {t for sentence in corpus.tags for t in sentence}
        if scheme is not None:
            prefixes = _PREFIXES[normalize_scheme(scheme)]
            types = {split_tag(t)[1] for t in found if t != "O"}
            found |= {"O", *(_join(p, t) for t in types for p in prefixes)}
        return cls((["O"] if "O" in found else []) + sorted(found - {"O"}))

    @property
    def num_tags(self) -> int:
        return len(self.names)

    @property
    def unseen_id(self) -> int:
        """The id `encode` gives a tag unseen in training: that of `O`, else 0."""
        return self._index.get("O", 0)

    def encode(self, corpus: TaggedCorpus) -> list[np.ndarray]:
        """Tag ids per sentence (int32); a tag unseen in training gets `unseen_id`."""
        if corpus.tags is None:
            raise InputError(corpus.source, "no tags")
        fallback = self.unseen_id
        return [
            np.array([self._index.get(tag, fallback) for tag in sentence], np.int32)
            for sentence in corpus.tags
        ]

    def unseen(self, corpus: TaggedCorpus) -> collections.Counter:
        """How often each tag of `corpus` that training never had occurs (for logs)."""
        counts: collections.Counter = collections.Counter()
        for sentence in corpus.tags or []:
            counts.update(tag for tag in sentence if tag not in self._index)
        return counts

    def decode_batch(self, ids, lengths) -> list[list[str]]:
        """Tag strings of a batch: `ids` `[B, T]`, each row cut to `lengths` `[B]`."""
        ids, lengths = np.asarray(ids), np.asarray(lengths).reshape(-1)
        return [self.decode(row, int(n)) for row, n in zip(ids, lengths, strict=True)]

    def names_in(self, source: str, target: str) -> list[str]:
        """`names` rewritten tag by tag from scheme `source` to `target`, for an exported
        model that returns `tf.gather(names_in(...), tag_ids)`.

        Only mappings where each tag alone decides are possible: the identity, and
        BIOES -> IOB2 (E- becomes I-, S- becomes B-; exact for valid BIOES output, as
        Viterbi decoding under a trained CRF gives). Others need `convert_tags` on whole
        sentences, so they raise `ValueError`.
        """
        source, target = normalize_scheme(source), normalize_scheme(target)
        if source == target:
            return list(self.names)
        if (source, target) != ("BIOES", "IOB2"):
            raise ValueError(f"{source} -> {target} depends on neighbouring tags; use convert_tags")
        names = []
        for tag in self.names:
            prefix, chunk_type = split_tag(tag)
            names.append(
                _join({"E": "I", "S": "B"}.get(prefix, prefix), chunk_type) if tag != "O" else tag
            )
        return names


def normalize_tokens(tokens, lowercase: bool = False, normalize_digits: bool = False):
    """Word-vocabulary normalization of token strings of any shape, in-graph: Unicode
    lower-casing and/or every Unicode decimal digit -> `0` (`sequence.standardize`).

    Example:

    ```python
    from kerasdl.data import tagging

    tagging.normalize_tokens(tf.constant(["Born", "1997"]), lowercase=True, normalize_digits=True)
    # [b"born", b"0000"]
    ```
    """
    return standardize(tokens, lowercase, normalize_digits)


# The casing classes of `casing`, by id (0 is padding).
CASINGS = ("padding", "lower", "upper", "title", "mixed", "numeric", "punctuation", "other")
# Tested in order: the first pattern a token matches fully gives its class.
_CASING_PATTERNS = (
    ("numeric", r"[\pN\pP\pS]*\pN[\pN\pP\pS]*"),  # digits, maybe with , . / - %
    ("lower", r"[^\p{Lu}\p{Lt}]*\p{Ll}[^\p{Lu}\p{Lt}]*"),  # "cat", "1990s", "e-mail"
    ("upper", r"[^\p{Ll}]*[\p{Lu}\p{Lt}][^\p{Ll}]*"),  # "IBM", "A", "U.S."
    ("title", r"[^\pL]*[\p{Lu}\p{Lt}][^\p{Lu}\p{Lt}]*"),  # "Paris", "O'neil"
    ("mixed", r".*\p{Ll}.*"),  # lower and upper case: "McDonald", "iPhone"
    ("punctuation", r"[\pP\pS]+"),  # no letters, no digits: ",", "--", "$"
)


def casing(tokens) -> tf.Tensor:
    """The casing class of each token string, in-graph: int32 ids into `CASINGS`.

    Collobert et al. 2011's capitalisation feature (all lower, first upper, all upper, has
    upper), the simplest of Huang et al. 2015's spelling features, with numbers and
    punctuation told apart, on Unicode classes (`\\p{Lu}`, ...). `""` (padding) is 0;
    letters without case (CJK, Arabic) are "other". The word vocabulary is lower-cased,
    so this is how the word's case reaches the model besides its characters.

    Example:

    ```python
    from kerasdl.data import tagging

    ids = tagging.casing(tf.constant(["the", "Paris", "IBM", "McDonald", "1,000", ",", ""]))
    [tagging.CASINGS[i] for i in ids.numpy()]
    # ["lower", "title", "upper", "mixed", "numeric", "punctuation", "padding"]
    ```
    """
    tokens = tf.convert_to_tensor(tokens, tf.string)
    ids = tf.fill(tf.shape(tokens), CASINGS.index("other"))
    for name, pattern in reversed(_CASING_PATTERNS):  # the first match wins
        ids = tf.where(tf.strings.regex_full_match(tokens, pattern), CASINGS.index(name), ids)
    return tf.where(tokens == "", 0, ids)


@keras.saving.register_keras_serializable(package="kerasdl")
class TaggingPreprocessor(keras.layers.Layer):
    """Token strings -> word ids, character ids and lengths, in-graph (`StringLookup`).

    Input: token strings `[B, T]` with `''` as padding, or a ragged `[B, (T)]` batch; and,
    with `column_vocabularies`, `columns`: a list of one `[B, T]` string tensor per
    feature column (the part-of-speech tags of each token, say).
    Output: a dict
      - `token_ids` `[B, T]` int32: 0 padding, 1 OOV (`[UNK]`), 2.. words (most frequent
        first), looked up after `normalize_tokens` (lowercase / digit options);
      - `char_ids` `[B, T, C]` int32: the Unicode characters of the *raw* token (case and
        digits kept, so capitalisation reaches the character model), 0 padding, 1 OOV;
        `C` is the longest token of the batch, cut to `max_word_length`, padded to at
        least `min_word_length` (a character CNN needs it >= its filter width);
      - `lengths` `[B]` int32: tokens per sentence;
      - `column_ids` `[B, T, F]` int32, with `column_vocabularies` (one per column): each
        column's value looked up in its own vocabulary, 0 padding, 1 OOV;
      - `casing_ids` `[B, T]` int32, with `casing=True`: the token's `casing` class.

    Build it from training data with `from_corpus`; the same layer feeds `make_dataset`
    and sits inside an exported model whose `serving_default` takes token strings.

    Example:

    ```python
    from kerasdl.data import tagging

    corpus = tagging.TaggedCorpus([["Ann", "ran"], ["Bob", "ran"]], [["B", "O"], ["B", "O"]], "toy")
    preprocessor = tagging.TaggingPreprocessor.from_corpus(corpus, lowercase=True)
    features = preprocessor(tf.ragged.constant([["ann", "ran", "far"]]))
    features["token_ids"], features["lengths"]  # [[3, 2, 1]] (1: unknown), [3]
    features["char_ids"].shape  # (1, 3, 3): per token, its characters' ids
    ```
    """

    def __init__(
        self,
        words: Sequence[str],
        chars: Sequence[str] = (),
        lowercase: bool = False,
        normalize_digits: bool = False,
        max_word_length: int | None = None,
        min_word_length: int = 1,
        column_vocabularies: Sequence[Sequence[str]] = (),
        casing: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.column_vocabularies = [list(v) for v in column_vocabularies]
        self.casing = bool(casing)
        self.column_lookups = [
            keras.layers.StringLookup(
                vocabulary=v or ["\x00<none>"],
                mask_token="",
                num_oov_indices=1,
                name=f"column_lookup_{i}",
            )
            for i, v in enumerate(self.column_vocabularies)
        ]
        self.words = list(words)
        self.chars = list(chars)
        self.lowercase = lowercase
        self.normalize_digits = normalize_digits
        self.standardizer = Standardizer(lowercase, normalize_digits)
        self.max_word_length = max_word_length
        self.min_word_length = max(1, int(min_word_length))
        self.word_lookup = keras.layers.StringLookup(
            vocabulary=self.words or None, mask_token="", num_oov_indices=1, name="word_lookup"
        )
        self.char_lookup = keras.layers.StringLookup(
            vocabulary=self.chars or None, mask_token="", num_oov_indices=1, name="char_lookup"
        )
        # An empty StringLookup cannot be called; a dummy entry that no string ever
        # matches after normalization would shift ids, so keep a real but unused one.
        if not self.words:
            self.word_lookup.set_vocabulary(["\x00<none>"])
        if not self.chars:
            self.char_lookup.set_vocabulary(["\x00<none>"])

    def build(self, input_shape=None):
        # The lookup tables are made in __init__ from the vocabulary; nothing to build.
        self.built = True

    @classmethod
    def from_corpus(
        cls,
        corpus: TaggedCorpus,
        lowercase: bool = False,
        normalize_digits: bool = False,
        min_count: int = 1,
        max_words: int | None = None,
        char_min_count: int = 1,
        extra_words: Sequence[str] = (),
        max_word_length: int | None = None,
        min_word_length: int = 1,
        casing: bool = False,
    ) -> TaggingPreprocessor:
        """Word and character vocabularies (and the feature columns' values, when the
        corpus has `columns`) from the training corpus.

        Args:
            min_count: words seen fewer times become OOV (Lample et al. use 1 plus random
                replacement of singletons, see `make_dataset(singleton_unk_rate=...)`).
            max_words: keep at most this many words (most frequent).
            extra_words: words added after normalization regardless of count, e.g. the
                words of a pretrained embeddings file.
            casing: add the `casing_ids` feature.
        """
        standardizer = Standardizer(lowercase, normalize_digits)
        flat = [t for sentence in corpus.tokens for t in sentence]
        words = vocabulary(count_tokens(flat, standardizer), min_count, max_words)
        if extra_words:
            seen = set(words)
            extra = vocabulary(count_tokens(list(extra_words), standardizer))
            words += [w for w in extra if w not in seen]
        characters = count_tokens(flat, lambda x: tf.strings.unicode_split(x, "UTF-8"))
        chars = vocabulary(characters, char_min_count)
        column_values = zip(*(row for s in corpus.columns or () for row in s), strict=True)
        column_vocabularies = [vocabulary(collections.Counter(v)) for v in column_values]
        return cls(
            words,
            chars,
            lowercase=lowercase,
            normalize_digits=normalize_digits,
            max_word_length=max_word_length,
            min_word_length=min_word_length,
            column_vocabularies=column_vocabularies,
            casing=casing,
        )

    @property
    def num_columns(self) -> int:
        """Feature columns the layer takes (`columns` of `call`)."""
        return len(self.column_vocabularies)

    @property
    def column_vocabulary_sizes(self) -> list[int]:
        """Ids of each feature column including padding and OOV (Embedding `input_dim`s)."""
        return [lookup.vocabulary_size() for lookup in self.column_lookups]

    @property
    def word_vocabulary_size(self) -> int:
        """Word ids including padding and OOV (an Embedding's `input_dim`)."""
        return self.word_lookup.vocabulary_size()

    @property
    def char_vocabulary_size(self) -> int:
        return self.char_lookup.vocabulary_size()

    def call(self, tokens, columns=None):
        if isinstance(tokens, tf.RaggedTensor):
            tokens = tokens.to_tensor(default_value="")
        tokens = tf.convert_to_tensor(tokens, dtype=tf.string)
        columns = list(columns or ())
        if len(columns) != self.num_columns:
            raise ValueError(f"expected {self.num_columns} feature columns, got {len(columns)}")
        present = tf.not_equal(tokens, "")
        lengths = tf.reduce_sum(tf.cast(present, tf.int32), axis=-1)
        token_ids = tf.cast(self.word_lookup(self.standardizer(tokens)), tf.int32)
        chars = tf.strings.unicode_split(tokens, "UTF-8")  # [B, T, (C)]
        if self.max_word_length is not None:
            chars = chars[:, :, : self.max_word_length]
        char_ids = tf.cast(self.char_lookup(chars), tf.int32)
        char_ids = char_ids.to_tensor(default_value=0)
        char_ids = tf.reshape(char_ids, tf.concat([tf.shape(tokens), [-1]], 0))
        short = tf.maximum(self.min_word_length - tf.shape(char_ids)[2], 0)
        char_ids = tf.pad(char_ids, [[0, 0], [0, 0], [0, short]])
        features = {"token_ids": token_ids, "char_ids": char_ids, "lengths": lengths}
        if columns:
            values = [tf.convert_to_tensor(c, tf.string) for c in columns]
            values = [tf.where(present, v, "") for v in values]  # padding stays padding
            ids = [lookup(v) for lookup, v in zip(self.column_lookups, values, strict=True)]
            features["column_ids"] = tf.cast(tf.stack(ids, axis=-1), tf.int32)
        if self.casing:
            features["casing_ids"] = casing(tokens)
        return features

    def compute_output_spec(self, tokens, columns=None):
        batch, steps = tokens.shape[0], tokens.shape[1]
        spec = {
            "token_ids": keras.KerasTensor((batch, steps), dtype="int32"),
            "char_ids": keras.KerasTensor((batch, steps, None), dtype="int32"),
            "lengths": keras.KerasTensor((batch,), dtype="int32"),
        }
        if self.num_columns:
            shape = (batch, steps, self.num_columns)
            spec["column_ids"] = keras.KerasTensor(shape, dtype="int32")
        if self.casing:
            spec["casing_ids"] = keras.KerasTensor((batch, steps), dtype="int32")
        return spec

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "words": list(self.words),
                "chars": list(self.chars),
                "lowercase": self.lowercase,
                "normalize_digits": self.normalize_digits,
                "max_word_length": self.max_word_length,
                "min_word_length": self.min_word_length,
                "column_vocabularies": self.column_vocabularies,
                "casing": self.casing,
            }
        )
        return config


# --------------------------------------------------------------------------- tf.data


def make_dataset(
    corpus: TaggedCorpus,
    preprocessor: TaggingPreprocessor,
    tags: TagVocabulary | None = None,
    batch_size: int = 32,
    shuffle: Shuffle = False,
    seed: int | None = None,
    bucket_boundaries: Buckets = None,
    include_tokens: bool = False,
    singleton_unk_rate: float = 0.0,
    singletons: Sequence[str] = (),
    drop_remainder: bool = False,
) -> tf.data.Dataset:
    """Batches of `(features, tag_ids [B, T] int32)`, or `features` alone if `tags` is None.

    `features` is the dict of `TaggingPreprocessor` (`token_ids` [B, T], `char_ids`
    [B, T, C], `lengths` [B], and `column_ids` [B, T, F] / `casing_ids` [B, T] when it
    takes the corpus' feature columns / casing) plus `tokens` [B, T] strings when
    `include_tokens`. Padded
    tag positions hold 0; a tag not in `tags` (unseen in training) holds `tags.unseen_id`.

    Args:
        shuffle, seed, bucket_boundaries, drop_remainder: the batching of
            `sequence.batch_rows` (`shuffle=True`: an `EpochShuffle(seed)`).
        singleton_unk_rate, singletons: replace each occurrence of a word in `singletons`
            (vocabulary words, i.e. after lower-casing/digit normalisation, as given by
            `singleton_words(train, preprocessor)`) by OOV with this probability, so the
            model learns an OOV embedding (Lample et al. 2016 use 0.5). Training only.

    Example:

    ```python
    from kerasdl.data import tagging

    corpus = tagging.TaggedCorpus(
        [["Ann", "ran"], ["Bob", "sat", "down"]], [["B-NP", "B-VP"], ["B-NP", "B-VP", "B-ADVP"]],
        "in memory",
    )
    preprocessor = tagging.TaggingPreprocessor.from_corpus(corpus)
    tags = tagging.TagVocabulary.from_corpus(corpus)
    features, tag_ids = next(iter(tagging.make_dataset(corpus, preprocessor, tags, batch_size=2)))
    features["token_ids"].shape, tag_ids.numpy().tolist()  # (2, 3), [[1, 2, 0], [1, 2, 0]]
    # (the first row's last 0 is padding; use features["lengths"] to tell)
    ```
    """
    token_rows = [np.asarray(tokens, dtype=object) for tokens in corpus.tokens]
    if preprocessor.num_columns:
        if corpus.num_columns != preprocessor.num_columns:
            raise InputError(
                corpus.source,
                f"has {corpus.num_columns} feature columns, the preprocessor takes "
                f"{preprocessor.num_columns}",
            )
        # One row per sentence: [T, 1 + F] strings, the token then its columns.
        token_rows = [
            np.concatenate([tokens[:, None], np.asarray(values, dtype=object)], axis=1)
            for tokens, values in zip(token_rows, corpus.columns, strict=True)
        ]
    tag_rows = None if tags is None else tags.encode(corpus)
    shuffle = epoch_shuffle(shuffle, seed)
    dataset = batch_rows(
        token_rows, tag_rows, batch_size, shuffle, bucket_boundaries, drop_remainder
    )
    rare = None
    if singleton_unk_rate > 0 and len(singletons):
        rare_ids = preprocessor.word_lookup(tf.constant(list(singletons), tf.string)).numpy()
        is_rare = np.zeros(preprocessor.word_vocabulary_size, bool)
        is_rare[rare_ids] = True
        is_rare[:2] = False  # padding and OOV stay what they are
        rare = tf.constant(is_rare)
    rate = float(singleton_unk_rate)
    # The replacements are stateless draws keyed on (seed, epoch, batch): the same in a
    # resumed run as in an uninterrupted one.
    epoch = tf.constant(0, tf.int64) if shuffle is None else shuffle.epoch
    seed_key = tf.constant(seed or 0, tf.int64)

    def features_of(batch, element):
        tokens, *rest = element if isinstance(element, tuple) else (element,)
        columns = None
        if preprocessor.num_columns:
            tokens, columns = tokens[..., 0], tf.unstack(tokens[..., 1:], axis=-1)
        features = preprocessor(tokens, columns)
        if rare is not None:
            token_ids = features["token_ids"]
            key = tf.stack([seed_key * 1_000_003 + epoch, batch])
            draws = tf.random.stateless_uniform(tf.shape(token_ids), key)
            drop = tf.gather(rare, token_ids) & (draws < rate)
            features["token_ids"] = tf.where(drop, 1, features["token_ids"])
        if include_tokens:
            features["tokens"] = tokens
        return (features, *rest) if rest else features

    dataset = dataset.enumerate()  # batch numbers within the epoch, for the draws
    return parallel_map(dataset, features_of).prefetch(tf.data.AUTOTUNE)


def singleton_words(corpus: TaggedCorpus, preprocessor: TaggingPreprocessor) -> list[str]:
    """Vocabulary words (normalised as `preprocessor` does) that occur once in `corpus`,
    for `make_dataset(singleton_unk_rate=...)`.

    Example:

    ```python
    from kerasdl.data import tagging

    corpus = tagging.TaggedCorpus([["Ann", "ran"], ["Bob", "ran"]], [["B", "O"], ["B", "O"]], "toy")
    preprocessor = tagging.TaggingPreprocessor.from_corpus(corpus)
    tagging.singleton_words(corpus, preprocessor)  # ["Ann", "Bob"]
    ```
    """
    flat = [t for sentence in corpus.tokens for t in sentence]
    counts = count_tokens(flat, preprocessor.standardizer)
    return sorted(t.decode("utf-8") for t, c in counts.items() if c == 1)


# --------------------------------------------------------------------------- splits


@dataclasses.dataclass
class TaggingData:
    """Train/valid/test corpora (tags already in `scheme`) plus the tag set from training.

    Example:

    ```python
    from kerasdl.data import tagging

    train = tagging.TaggedCorpus([["Ann", "ran"]], [["B-NP", "B-VP"]], "in memory")
    data = tagging.TaggingData(train, None, tagging.TagVocabulary.from_corpus(train), "IOB2")
    data.tags.num_tags  # 2
    ```
    """

    train: TaggedCorpus
    test: TaggedCorpus | None
    tags: TagVocabulary
    scheme: str | None
    valid: TaggedCorpus | None = None


def load_tagging(
    dataset: str | None = None,
    train_file: str | None = None,
    valid_file: str | None = None,
    test_file: str | None = None,
    token_column: int = 0,
    tag_column: int = -1,
    encoding: str = "utf-8",
    tag_scheme: str | None = "auto",
    train_scheme: str | None = None,
    tag_key: str | None = None,
    data_dir: str | None = None,
    download: bool = True,
    feature_columns: Sequence[int] = (),
) -> TaggingData:
    """The data of a sequence-labeling run: CoNLL files or a TFDS name.

    Args:
        tag_scheme: scheme of the input tags (`--tag_scheme`): IOB1, IOB2, BIOES, `"auto"`
            (`infer_scheme` on the training tags) or `None` for tags without a chunk scheme
            (POS). Every split is validated against it (file:line of a bad tag).
        train_scheme: rewrite all splits to this scheme for training (e.g. BIOES);
            `None` keeps the input scheme. Convert predictions back with
            `convert_tags(predicted, data.scheme, output_scheme, strict=False)`.
        feature_columns: more columns of the files to read with each token
            (`read_conll`); CoNLL files only.

    Test and validation tags need not occur in training: the tag set is training's, and a
    tag outside it is scored as a miss (`TagVocabulary.unseen` lists them).

    Example:

    ```python
    from kerasdl.data import tagging

    with open("train.txt", "w") as f:
        f.write("Ann NNP B-NP\\nran VBD B-VP\\n\\nBob NNP B-NP\\nsat VBD B-VP\\ndown RB B-ADVP\\n")
    data = tagging.load_tagging(train_file="train.txt", train_scheme="BIOES")
    data.scheme, data.train.tags[1]  # "BIOES", ["S-NP", "S-VP", "S-ADVP"]
    ```
    """
    base = (dataset or "").split("/")[0].split(":")[0]
    if feature_columns and dataset:
        raise InputError(f"tfds:{dataset}", "feature columns are read from CoNLL files only")
    train, valid, test = read_splits(
        dataset,
        train_file,
        valid_file,
        test_file,
        lambda path: read_conll(
            path, token_column, tag_column, encoding, feature_columns=feature_columns
        ),
        lambda split: load_tfds_tagging(dataset, split, data_dir, tag_key, download=download),
        TFDS_TAGGING_KEYS.get(base, ("", "", "test"))[2],
    )
    if tag_scheme == "auto":
        tag_scheme = infer_scheme(train.tags)
    if tag_scheme is not None:
        tag_scheme = normalize_scheme(tag_scheme)
        target = normalize_scheme(train_scheme) if train_scheme else tag_scheme
        train, valid, test = (
            None if c is None else convert_corpus(c, tag_scheme, target)
            for c in (train, valid, test)
        )
        tag_scheme = target
    elif train_scheme:
        raise InputError(train.source, "train_scheme needs a tag scheme for the input tags")
    vocabulary = TagVocabulary.from_corpus(train, tag_scheme)
    return TaggingData(train, test, vocabulary, tag_scheme, valid)
