"""Epoch keying: data whose order and randomness depend on `(seed, epoch)` alone.

`dataset.shuffle(seed=s, reshuffle_each_iteration=True)` gives epoch k the k-th order *of
this process*, so a run resumed at epoch k would replay epoch 0's order. Here a dataset
reads an `EpochCounter` at the start of every fresh iteration and keys its draws on the
epoch it finds; the trainer's `SetEpoch` callback calls `set_epoch(e)` at the start of
every epoch, so a resumed run sees exactly the batches an uninterrupted one would.

`EpochShuffle` (the example order of images, texts and tagged sentences) and the
`Augmenter` (the augmentation of image batches) both count epochs this way.
"""

from __future__ import annotations

import tensorflow as tf


class EpochCounter:
    """The epoch of the current iteration of a dataset, as a scalar int64 variable.

    Every fresh iteration of a dataset built on `epochs()` adds one to the counter, so
    epoch 0 is the first, and `set_epoch(e)` makes the next iteration epoch `e`.

    Example:

    ```python
    counter = kerasdl.data.epochs.EpochCounter()
    dataset = counter.epochs()
    [int(e) for e in dataset], [int(e) for e in dataset]  # [0], [1]
    counter.set_epoch(5)
    [int(e) for e in dataset]  # [5]
    ```
    """

    def __init__(self, name: str = "epoch"):
        with tf.init_scope():
            self._epoch = tf.Variable(-1, dtype=tf.int64, trainable=False, name=name)

    def set_epoch(self, epoch: int) -> None:
        """The next iteration is epoch `epoch`."""
        self._epoch.assign(epoch - 1)

    @property
    def epoch(self) -> tf.Variable:
        """The epoch of the current (latest started) iteration, a scalar int64 variable."""
        return self._epoch

    def epochs(self) -> tf.data.Dataset:
        """A dataset of one element: the epoch number, counted up on every fresh iteration."""
        counter = self._epoch
        start = tf.data.Dataset.from_tensors(tf.constant(0, tf.int64))
        return start.map(lambda _: counter.assign_add(1))


class EpochShuffle(EpochCounter):
    """Reshuffles every epoch in an order fixed by `(seed, epoch)` alone.

    Each fresh iteration of `indices(size)` draws a stateless permutation keyed on
    `(seed, epoch)` (see the module docstring for why not `dataset.shuffle`).

    Example:

    ```python
    shuffle = kerasdl.data.epochs.EpochShuffle(seed=0)
    indices = shuffle.indices(5)
    first, second = list(indices.as_numpy_iterator()), list(indices.as_numpy_iterator())
    shuffle.set_epoch(0)  # a resumed run replays epoch 0's order
    assert list(indices.as_numpy_iterator()) == first
    ```
    """

    def __init__(self, seed: int):
        self.seed = int(seed)
        super().__init__("shuffle_epoch")

    def indices(self, size: int) -> tf.data.Dataset:
        """A dataset of the indices `0..size-1`, in a fresh order on every iteration."""
        seed = self.seed

        def permutation(epoch):
            key = tf.stack([tf.constant(seed, tf.int64), epoch])
            return tf.random.experimental.stateless_shuffle(tf.range(size, dtype=tf.int64), key)

        order = self.epochs().map(permutation).unbatch()
        return order.apply(tf.data.experimental.assert_cardinality(size))


def epoch_shuffle(shuffle: bool | EpochShuffle, seed: int | None) -> EpochShuffle | None:
    """The `EpochShuffle` of a `shuffle=` argument: its own, a new one from `seed` for
    True, None for False. Pass your own to key the order on the epoch with
    `trainer.SetEpoch`, so that a resumed run sees the same batches.

    Example:

    ```python
    from kerasdl.data.epochs import epoch_shuffle

    epoch_shuffle(True, seed=3).seed  # 3
    epoch_shuffle(False, seed=3)  # None
    ```
    """
    if shuffle is True:
        return EpochShuffle(seed or 0)
    return shuffle or None


def epoch_order(size: int, shuffle: EpochShuffle | None) -> tf.data.Dataset:
    """Row indices `0..size-1`: in order, or reshuffled every epoch by `shuffle`.

    Example:

    ```python
    from kerasdl.data.epochs import EpochShuffle, epoch_order

    list(epoch_order(4, None).as_numpy_iterator())  # [0, 1, 2, 3]
    list(epoch_order(4, EpochShuffle(seed=0)).as_numpy_iterator())  # a permutation
    ```
    """
    return tf.data.Dataset.range(size) if shuffle is None else shuffle.indices(size)
