"""Epoch keying: a counter read by every fresh iteration, and the order it keys."""

import numpy as np
import pytest
import tensorflow as tf

from kerasdl.data.augmentation import Augmenter
from kerasdl.data.epochs import EpochCounter, EpochShuffle, epoch_order, epoch_shuffle
from kerasdl.data.images import image_dataset


def _orders(dataset, epochs):
    return [np.array(list(dataset.as_numpy_iterator())) for _ in range(epochs)]


def test_counter_counts_fresh_iterations_and_resumes():
    counter = EpochCounter()
    epochs = counter.epochs()
    assert [int(next(iter(epochs))) for _ in range(3)] == [0, 1, 2]
    assert int(counter.epoch) == 2
    counter.set_epoch(7)
    assert int(next(iter(epochs))) == 7


@pytest.mark.parametrize("seed", [0, 7])  # seed 0 once crashed a tensor-seeded shuffle
def test_epoch_shuffle_order_depends_only_on_seed_and_epoch(seed):
    images = np.arange(10, dtype=np.uint8).reshape(10, 1, 1, 1)
    shuffle = EpochShuffle(seed)
    dataset = image_dataset(images, np.arange(10), 4, shuffle)
    epochs = [np.concatenate([y.numpy() for _, y in dataset]) for _ in range(3)]
    assert all(sorted(order) == list(range(10)) for order in epochs)
    assert not np.array_equal(epochs[0], epochs[1])
    again = EpochShuffle(seed)
    again.set_epoch(2)  # a resumed run starting at epoch 2
    resumed = image_dataset(images, np.arange(10), 4, again)
    assert np.array_equal(np.concatenate([y.numpy() for _, y in resumed]), epochs[2])


def test_epoch_shuffle_is_the_stateless_permutation_of_seed_and_epoch():
    shuffle = EpochShuffle(3)
    shuffle.set_epoch(5)
    order = np.array(list(shuffle.indices(6).as_numpy_iterator()))
    key = tf.constant([3, 5], tf.int64)
    expected = tf.random.experimental.stateless_shuffle(tf.range(6, dtype=tf.int64), key)
    np.testing.assert_array_equal(order, expected.numpy())
    assert shuffle.indices(6).cardinality() == 6


def test_shuffle_argument_and_order():
    assert epoch_shuffle(False, 0) is None
    own = EpochShuffle(1)
    assert epoch_shuffle(own, 9) is own
    made = epoch_shuffle(True, None)
    assert isinstance(made, EpochShuffle) and made.seed == 0
    np.testing.assert_array_equal(_orders(epoch_order(5, None), 2), [list(range(5))] * 2)
    first, second = _orders(epoch_order(8, EpochShuffle(2)), 2)
    assert sorted(first) == list(range(8)) and not np.array_equal(first, second)


def test_augmenter_counts_epochs_with_the_same_counter():
    images = tf.zeros([4, 8, 8, 1], tf.uint8)
    augmenter = Augmenter("crop:2", seed=0)
    augmented = augmenter.apply(tf.data.Dataset.from_tensors(images))
    list(augmented)
    assert isinstance(augmenter._epochs, EpochCounter) and int(augmenter._epochs.epoch) == 0
    augmenter.set_epoch(4)
    list(augmented)
    assert int(augmenter._epochs.epoch) == 4
