"""kerasdl.data.splits: validation splits (stratified where possible, tiny data) and k-fold
cross-validation, for text examples, tagged sentences and image arrays."""

import numpy as np
import pytest

from kerasdl.data import InputError, images, splits, tagging, text


@pytest.fixture(scope="module")
def mr(shared_data):
    return text.load_text_classification(
        train_file=str(shared_data / "mr" / "train.tsv"),
        test_file=str(shared_data / "mr" / "test.tsv"),
    )


def test_kfold_partitions_and_stratifies(mr):
    folds = list(splits.kfold(mr.test, folds=10, seed=0))
    assert len(folds) == 10
    test_texts = [t for _, test in folds for t in test.texts]
    assert sorted(test_texts) == sorted(mr.test.texts)
    for train, test in folds:
        assert len(train) + len(test) == 1066 and abs(len(test) - 106.6) < 1
        share = np.mean([label == "pos" for label in test.labels])
        assert abs(share - np.mean([label == "pos" for label in mr.test.labels])) < 0.02
    again = [test.texts for _, test in splits.kfold(mr.test, folds=10, seed=0)]
    assert again == [test.texts for _, test in folds]
    with pytest.raises(InputError, match="needs between 2 and 1066 folds"):
        next(splits.kfold(mr.test, folds=1))


def test_holdout(mr):
    train, valid = splits.holdout(mr.train, 0.1, seed=0)
    assert (len(train), len(valid)) == (8636, 960)
    assert sorted(train.lines + valid.lines) == mr.train.lines
    share = np.mean([label == "pos" for label in valid.labels])
    assert abs(share - np.mean([label == "pos" for label in mr.train.labels])) < 0.01
    assert splits.holdout(mr.train, 0.1, seed=0)[1].texts == valid.texts


@pytest.mark.parametrize(
    "count, fraction, sizes", [(1, 0.1, (1, 1)), (4, 0.1, (3, 1)), (6, 0.9, (1, 5))]
)
def test_holdout_of_tiny_files(count, fraction, sizes):
    labels = ["a", "b", "c"] * 2
    examples = text.TextExamples([f"t{i}" for i in range(count)], labels[:count], "x.tsv")
    train, valid = splits.holdout(examples, fraction, seed=0)
    assert (len(train), len(valid)) == sizes
    if count > 1:  # a one-example file validates on its only example
        assert sorted(train.texts + valid.texts) == examples.texts


def test_validation_split_is_stratified_and_disjoint():
    data = splits.with_validation_split(images.load_digits(), 0.1, seed=0)
    assert len(data.x_valid) == 144 and len(data.x_train) == 1293
    assert set(np.unique(data.y_valid)) == set(range(10))


@pytest.mark.parametrize(
    ("classes", "per_class"), [(100, 3), (5, 2), (3, 1)], ids=["many_classes", "tiny", "singletons"]
)
def test_validation_split_of_data_too_small_to_stratify(classes, per_class):
    # Stratifying needs 2+ examples per class and room for every class in both parts;
    # sklearn raises otherwise. The split is then uniform at random.
    labels = np.repeat(np.arange(classes), per_class)
    x = np.arange(len(labels)).reshape(-1, 1, 1, 1)
    data = images.ImageData(x, labels, x, labels, [str(i) for i in range(classes)])
    data = splits.with_validation_split(data, 0.1, seed=0)
    assert len(data.x_valid) == int(np.ceil(0.1 * len(labels))) >= 1
    assert len(data.x_train) + len(data.x_valid) == len(labels)
    assert sorted(np.concatenate([data.x_train, data.x_valid]).ravel()) == list(range(len(labels)))


def test_validation_split_of_one_image_is_an_input_error():
    one = images.ImageData(
        np.zeros((1, 2, 2, 1), np.uint8), np.zeros(1, np.int64), None, None, ["a"]
    )
    with pytest.raises(
        InputError, match="training data: 1 example\\(s\\) are too few to hold out 10%"
    ):
        splits.with_validation_split(one, 0.1, seed=0)


def test_holdout_of_sentences_is_a_seeded_uniform_draw():
    # Tagged sentences have no labels: the held-out sentences are the first of a seeded
    # permutation, as the sequence-labeling trainer has always drawn them.
    corpus = tagging.TaggedCorpus([[f"w{i}"] for i in range(40)], None, "x.conll")
    train, valid = splits.holdout(corpus, 0.1, seed=3)
    order = np.random.default_rng(3).permutation(40)
    assert valid.tokens == [[f"w{i}"] for i in sorted(order[:4])]
    assert sorted(train.tokens + valid.tokens) == sorted(corpus.tokens)
    one = corpus.subset([0])
    assert splits.holdout(one, 0.1, seed=0) == (one, one)


@pytest.mark.parametrize("fraction", [0.0, 1.0, 1.5])
def test_fraction_outside_zero_one_is_a_value_error(fraction):
    examples = text.TextExamples(["a", "b"], ["x", "y"], "x.tsv")
    with pytest.raises(
        ValueError, match=f"validation fraction must be in \\(0, 1\\), got {fraction}"
    ):
        splits.holdout(examples, fraction, seed=0)
    data = images.ImageData(np.zeros((2, 1, 1, 1)), np.arange(2), None, None, ["a", "b"])
    with pytest.raises(ValueError, match="validation fraction"):
        splits.with_validation_split(data, fraction, seed=0)


def test_split_indices_stratifies_where_it_can():
    labels = np.repeat([0, 1], 10)
    kept, held = splits.split_indices(20, 4, seed=0, labels=labels)
    assert sorted(np.concatenate([kept, held])) == list(range(20))
    assert sorted(labels[held]) == [0, 0, 1, 1]
    kept, held = splits.split_indices(20, 1, seed=0, labels=labels)  # no room for both
    assert len(held) == 1 and len(kept) == 19
