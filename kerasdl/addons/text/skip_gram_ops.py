"""tfa.text.skip_gram_sample and skip_gram_sample_with_text_vocab: skip-gram (token, label)
pairs (Mikolov et al. 2013), in TensorFlow ops."""

from __future__ import annotations

import csv

import tensorflow as tf


def skip_gram_sample(
    input_tensor,
    min_skips=1,
    max_skips=5,
    start=0,
    limit=-1,
    emit_self_as_target=False,
    vocab_freq_table=None,
    vocab_min_count=None,
    vocab_subsampling=None,
    corpus_size=None,
    seed: int | None = None,
    name: str | None = None,
):
    """Skip-gram `(token, label)` pairs from a rank-1 tensor (https://arxiv.org/abs/1301.3781),
    as tfa 0.23.

    Each token `input_tensor[i]`, for `i` in `[start, end)` with `end = len(input)` when
    `limit < 0`, else `min(start + limit, len(input))`, draws a window size `s` uniformly
    from `[min_skips, max_skips]` and is paired, in order, with every label
    `input_tensor[i + j]`, `-s <= j <= s`, that lies in `[start, end)`; `j = 0` only with
    `emit_self_as_target`. Tokens and labels are concatenated over `i`.

    With `vocab_freq_table` (a lookup table, such as `tf.lookup.StaticHashTable`, from
    token to frequency, whose `default_value` marks unknown tokens), unknown tokens and
    tokens below `vocab_min_count` are dropped first; with `vocab_subsampling` and
    `corpus_size` too, each token is kept with probability
    `(sqrt(f / (t * N)) + 1) * t * N / f` (f its frequency, t `vocab_subsampling`, N
    `corpus_size`; Mikolov et al. 2013b, eq. 5, as word2vec's kernel computes it).

    Written in TensorFlow ops (graph-compatible, usable in `tf.data`) in place of tfa's
    custom kernel. The window sizes are `tf.random.uniform` integers drawn with the op
    seed `seed` from the same Philox stream as tfa's kernel, so the first draw after
    `tf.random.set_seed(...)` (or of a new op in a graph) gives tfa's pairs exactly, as do
    the subsampling draws (tfa draws them with `tf.random.uniform` too). What cannot match
    bit-for-bit: repeated eager calls with the same seeds (tfa's cached kernel advances its
    stream by `len + 1` samples per call, TensorFlow's by more), the rare draw where tfa's
    kernel rejects a sample to stay exactly uniform (probability about
    `(max_skips - min_skips + 1) / 2**32` per token) and calls without any seed, which are
    random in both.

    Args:
        input_tensor: rank-1 tensor (strings or numbers).
        min_skips, max_skips: the window size range, `0 <= min_skips <= max_skips` (ints
            or scalar tensors).
        start: first position that generates candidates.
        limit: number of positions from `start` to use; -1 for the rest.
        emit_self_as_target: pair each token with itself too.
        vocab_freq_table: optional token -> frequency lookup table.
        vocab_min_count: optional minimum frequency (needs the table).
        vocab_subsampling: optional frequency threshold in [0, 1] for down-sampling (needs
            the table and `corpus_size`).
        corpus_size: total token count (in the table's units) for subsampling.
        seed: op-level seed of the window sizes and the subsampling.
        name: name scope.

    Returns:
        `(tokens, labels)`, two rank-1 tensors of `input_tensor`'s dtype.

    Raises:
        ValueError: vocabulary arguments without a table, `vocab_subsampling` without
            `corpus_size` (or the reverse), a table without `lookup` and `default_value`,
            or `vocab_subsampling` outside [0, 1].
        tf.errors.InvalidArgumentError: `input_tensor` not of rank 1, or invalid skips.
    """
    if vocab_freq_table is None and (
        vocab_min_count is not None or vocab_subsampling is not None or corpus_size is not None
    ):
        raise ValueError(
            f"vocab_freq_table is not provided, but vocab_min_count={vocab_min_count}, "
            f"vocab_subsampling={vocab_subsampling} or corpus_size={corpus_size} is not "
            "None; they need a vocab_freq_table."
        )
    if (vocab_subsampling is None) != (corpus_size is None):
        raise ValueError(
            f"vocab_subsampling is {vocab_subsampling} while corpus_size is {corpus_size}: "
            "subsampling needs both."
        )
    with tf.name_scope(name or "skip_gram_sample"):
        input_tensor = _filter_input(
            input_tensor, vocab_freq_table, vocab_min_count, vocab_subsampling, corpus_size, seed
        )
        return _generate_candidates(
            input_tensor, min_skips, max_skips, start, limit, emit_self_as_target, seed
        )


def _generate_candidates(input_tensor, min_skips, max_skips, start, limit, emit_self, seed):
    """The (token, label) pairs of tfa's SkipGramGenerateCandidates kernel."""
    input_tensor = tf.convert_to_tensor(input_tensor)
    if input_tensor.shape.rank is not None and input_tensor.shape.rank != 1:
        raise tf.errors.InvalidArgumentError(
            None, None, f"input_tensor must be of rank 1, got shape {input_tensor.shape}."
        )
    min_skips = tf.cast(min_skips, tf.int32)
    max_skips = tf.cast(max_skips, tf.int32)
    start = tf.cast(start, tf.int32)
    limit = tf.cast(limit, tf.int32)
    checks = [
        tf.debugging.assert_rank(input_tensor, 1, message="input_tensor must be of rank 1"),
        tf.debugging.assert_non_negative(min_skips, message="min_skips must be >= 0"),
        tf.debugging.assert_non_negative(max_skips, message="max_skips must be >= 0"),
        tf.debugging.assert_less_equal(
            min_skips, max_skips, message="min_skips must be <= max_skips"
        ),
        tf.debugging.assert_non_negative(start, message="start must be >= 0"),
    ]
    with tf.control_dependencies(checks):
        size = tf.size(input_tensor, out_type=tf.int32)
        end = tf.where(limit < 0, size, tf.minimum(start + limit, size))
        count = tf.maximum(end - start, 0)
        # One window size per position in [start, end), in order: tfa's kernel draws them
        # from the same Philox stream with the same op seeds.
        skips = tf.random.uniform([count], min_skips, max_skips + 1, dtype=tf.int32, seed=seed)
    reach = tf.minimum(tf.reduce_max(tf.concat([skips, [0]], 0)), tf.maximum(count - 1, 0))
    offsets = tf.range(-reach, reach + 1)
    positions = tf.range(start, start + count)
    labels_at = positions[:, None] + offsets[None, :]
    keep = (tf.abs(offsets)[None, :] <= skips[:, None]) & (labels_at >= start) & (labels_at < end)
    keep &= tf.not_equal(offsets, 0)[None, :] | tf.cast(emit_self, tf.bool)
    token_at = tf.broadcast_to(positions[:, None], tf.shape(labels_at))
    tokens = tf.gather(input_tensor, tf.boolean_mask(token_at, keep))
    labels = tf.gather(input_tensor, tf.boolean_mask(labels_at, keep))
    return tokens, labels


def skip_gram_sample_with_text_vocab(
    input_tensor,
    vocab_freq_file: str,
    vocab_token_index: int = 0,
    vocab_token_dtype=tf.string,
    vocab_freq_index: int = 1,
    vocab_freq_dtype=tf.float64,
    vocab_delimiter: str = ",",
    vocab_min_count=None,
    vocab_subsampling=None,
    corpus_size=None,
    min_skips=1,
    max_skips=5,
    start=0,
    limit=-1,
    emit_self_as_target=False,
    seed: int | None = None,
    name: str | None = None,
):
    """`skip_gram_sample` with the frequencies read from a delimited text file, as tfa 0.23.

    Each line of `vocab_freq_file` holds `vocab_delimiter`-separated columns: the token in
    column `vocab_token_index`, its frequency in column `vocab_freq_index`. The file is read
    in Python when the function is called (or traced), to check it and to sum the
    frequencies: `corpus_size` defaults to that sum, and a given `corpus_size` below it is
    an error (frequencies under `vocab_min_count` count towards it). See `skip_gram_sample`
    for the other arguments and for what matches tfa's random draws.

    Args:
        input_tensor: rank-1 tensor of tokens.
        vocab_freq_file: path of the vocabulary file.
        vocab_token_index, vocab_freq_index: the two (different, non-negative) columns.
        vocab_token_dtype, vocab_freq_dtype: their dtypes (default string and float64).
        vocab_delimiter: the column delimiter (default ",").
        vocab_min_count, vocab_subsampling, corpus_size, min_skips, max_skips, start,
            limit, emit_self_as_target, seed, name: as `skip_gram_sample`.

    Returns:
        `(tokens, labels)`, two rank-1 tensors.

    Raises:
        ValueError: negative or equal column indices, a row without those columns, a
            negative frequency, or `corpus_size` below the file's total.
    """
    if vocab_token_index < 0 or vocab_freq_index < 0:
        raise ValueError(
            f"vocab_token_index={vocab_token_index} and vocab_freq_index={vocab_freq_index} "
            "must both be >= 0."
        )
    if vocab_token_index == vocab_freq_index:
        raise ValueError(
            "vocab_token_index and vocab_freq_index should be different, but are both "
            f"{vocab_token_index}."
        )
    vocab_freq_dtype = tf.as_dtype(vocab_freq_dtype)
    total = 0.0
    vocab_size = 0
    with tf.io.gfile.GFile(vocab_freq_file, mode="r") as f:
        for row in csv.reader(f, delimiter=vocab_delimiter):
            if vocab_token_index >= len(row) or vocab_freq_index >= len(row):
                raise ValueError(
                    f"Row in vocab file only has {len(row)} columns, so "
                    f"vocab_token_index={vocab_token_index} or "
                    f"vocab_freq_index={vocab_freq_index} is out of bounds. Row content: {row}"
                )
            vocab_size += 1
            freq = vocab_freq_dtype.as_numpy_dtype(row[vocab_freq_index])
            if freq < 0:
                raise ValueError(
                    f"Row in vocab file has negative frequency of {freq}. Row content: {row}"
                )
            total += freq
    if not corpus_size:
        corpus_size = total
    elif total - corpus_size > 1e-6:
        raise ValueError(
            f"corpus_size={corpus_size} must be greater than or equal to the sum of all the "
            f"frequency counts ({total}) of vocab_freq_file ({vocab_freq_file})."
        )
    vocab_freq_table = tf.lookup.StaticHashTable(
        tf.lookup.TextFileInitializer(
            filename=vocab_freq_file,
            key_dtype=vocab_token_dtype,
            key_index=vocab_token_index,
            value_dtype=vocab_freq_dtype,
            value_index=vocab_freq_index,
            vocab_size=vocab_size,
            delimiter=vocab_delimiter,
        ),
        default_value=-1,  # tokens not in the file
    )
    return skip_gram_sample(
        input_tensor,
        min_skips=min_skips,
        max_skips=max_skips,
        start=start,
        limit=limit,
        emit_self_as_target=emit_self_as_target,
        vocab_freq_table=vocab_freq_table,
        vocab_min_count=vocab_min_count,
        vocab_subsampling=vocab_subsampling,
        corpus_size=None if vocab_subsampling is None else corpus_size,
        seed=seed,
        name=name,
    )


def _filter_input(
    input_tensor, vocab_freq_table, vocab_min_count, vocab_subsampling, corpus_size, seed
):
    """`input_tensor` without the tokens missing from `vocab_freq_table`, those below
    `vocab_min_count`, and (with `vocab_subsampling`) a random share of the frequent ones."""
    input_tensor = tf.convert_to_tensor(input_tensor)
    if vocab_freq_table is None:
        return input_tensor
    if not (hasattr(vocab_freq_table, "lookup") and hasattr(vocab_freq_table, "default_value")):
        raise ValueError(
            "vocab_freq_table must be a lookup table with `lookup` and `default_value` (such "
            f"as tf.lookup.StaticHashTable), got {type(vocab_freq_table)}."
        )
    with tf.name_scope("filter_vocab"):
        freq = vocab_freq_table.lookup(input_tensor)
        keep = tf.not_equal(freq, tf.cast(vocab_freq_table.default_value, freq.dtype))
        if vocab_min_count is not None:
            keep &= freq >= tf.cast(vocab_min_count, freq.dtype)
        input_tensor = tf.boolean_mask(input_tensor, keep)
        freq = tf.boolean_mask(freq, keep)

    if vocab_subsampling is None or (
        isinstance(vocab_subsampling, (int, float)) and not vocab_subsampling
    ):
        return input_tensor
    if isinstance(vocab_subsampling, (int, float)) and not 0 <= vocab_subsampling <= 1:
        raise ValueError(
            f"Invalid vocab_subsampling={vocab_subsampling}: it should be within [0, 1]."
        )
    with tf.name_scope("subsample_vocab"):
        threshold = tf.cast(vocab_subsampling, tf.float64) * tf.cast(corpus_size, tf.float64)
        freq = tf.cast(freq, tf.float64)
        keep_prob = (tf.sqrt(freq / threshold) + 1.0) * (threshold / freq)
        draw = tf.random.uniform(tf.shape(freq), 0, 1, dtype=tf.float64, seed=seed)
        return tf.boolean_mask(input_tensor, draw <= keep_prob)
