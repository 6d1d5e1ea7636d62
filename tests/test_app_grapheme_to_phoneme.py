"""End-to-end tests of `python -m applications.grapheme_to_phoneme`.

The trainer runs as a user would, in a subprocess from the repository root, on a slice of
CMUdict (a few hundred words, 1 epoch, a small network); the tests check what it leaves
behind: metrics.json with the word and phoneme error rates, a SavedModel that a process
without kerasdl serves (words in, phone strings out, beam search in the graph) with the
in-memory model's transcriptions, and one clear stderr line (exit status 2, nothing
written) for each kind of bad input. Resuming after a kill and the full-data run are
marked slow.
"""

import json
import os

import numpy as np
import pytest
from conftest import REPO, run_trainer, serve_requests_without_kerasdl
from sweep import run_sweep
from test_bad_input import check_rejected

APP = "grapheme_to_phoneme"
CMUDICT = os.path.join(REPO, "..", "shared", "data", "cmudict")
SMALL = ["--epochs=1", "--batch_size=32", "--units=16", "--embedding_dim=8", "--beam_width=3"]

pytestmark = pytest.mark.skipif(not os.path.isdir(CMUDICT), reason="needs ../shared/data/cmudict")


def first_lines(name, count):
    with open(os.path.join(CMUDICT, name), encoding="utf-8") as handle:
        return "".join(handle.readlines()[:count])


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cmudict_slice")
    (folder / "train.tsv").write_text(first_lines("train.tsv", 400))
    (folder / "test.tsv").write_text(first_lines("test.tsv", 60))
    return folder


@pytest.fixture(scope="module")
def file_run(files, tmp_path_factory):
    model_dir = tmp_path_factory.mktemp("file_run")
    result = run_trainer(
        APP,
        f"--train_file={files / 'train.tsv'}",
        f"--test_file={files / 'test.tsv'}",
        f"--model_dir={model_dir}",
        "--epoch_eval_words=20",
        *SMALL,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return model_dir, result


def test_file_run_writes_error_rates(file_run, files):
    model_dir, result = file_run
    metrics = json.loads((model_dir / "metrics.json").read_text())
    assert metrics["task"] == "grapheme_to_phoneme"
    test = metrics["test"]
    for stress in ("", "_without_stress"):
        for rate in ("word_error_rate", "phoneme_error_rate"):
            assert 0 <= test[rate + stress] <= 1 + 10 * (rate == "phoneme_error_rate")
            assert rate + stress in metrics["valid"]
    # Removing stress digits can only turn wrong words right.
    assert test["word_error_rate_without_stress"] <= test["word_error_rate"]
    assert test["accuracy"] == pytest.approx(1 - test["word_error_rate"])
    test_words = {line.split("\t")[0] for line in (files / "test.tsv").read_text().splitlines()}
    assert metrics["test_words"] == test["words"] == len(test_words)
    # No --valid_file: 10 % of the training words are held out, all pronunciations with them.
    assert metrics["train_pronunciations"] < 400 and metrics["valid_words"] > 0
    assert metrics["train_seconds"] > 0 and metrics["epochs"] == 1
    assert metrics["flags"]["beam_width"] == 3 and metrics["stress"] is True
    assert "AH0" in metrics["phones"] and "a" in metrics["characters"]
    assert (model_dir / "model.keras").exists()
    assert not (model_dir / "backup").exists()
    assert "val_word_error_rate" in result.stdout  # the per-epoch validation score
    assert "test WER" in result.stdout
    assert "Traceback" not in result.stderr


def test_export_serves_words_without_kerasdl(file_run, tmp_path):
    import keras
    import tensorflow as tf

    import applications.grapheme_to_phoneme.recipes  # noqa: F401  (registers the model)

    model_dir, _ = file_run
    metrics = json.loads((model_dir / "metrics.json").read_text())
    words = np.array(["about", "Phoneme", "", "zzyzx", "o'neill", "caf\u00e9"])
    served, empty = serve_requests_without_kerasdl(
        model_dir / "export", tmp_path, [{"words": words}, {"words": np.array([], str)}]
    )
    assert served["phones"].shape == (6,) and empty["phones"].shape == (0,)
    for phones in served["phones"]:
        assert all(p in metrics["phones"] for p in phones.split())
    assert served["scores"].shape == (6,) and np.all(served["scores"] <= 0)
    model = keras.models.load_model(model_dir / "model.keras")
    transcribe = tf.function(model.transcribe, autograph=False)  # a graph, as served
    expected = transcribe(tf.constant(words)).numpy().astype(str)
    np.testing.assert_array_equal(served["phones"], expected)
    assert transcribe(tf.constant(["About"])).numpy()[0].decode() == served["phones"][0]


BAD = {
    # name: (training file, the one stderr line must contain this)
    "no_tab": ("ok\tOW1 K EY1\nabout AH0 B AW1 T\n", "train.tsv:2: expected word<TAB>phones"),
    "empty_phones": ("ok\tOW1 K EY1\nempty\t \n", "train.tsv:2: no phones for 'empty'"),
    "bad_phone": ("ok\tOW1 K EY1\nlow\tL ow1\n", "train.tsv:2: phone 'ow1' of 'low' is not"),
    "three_columns": ("ok\tOW1 K EY1\tX\n", "train.tsv:1: expected word<TAB>phones, found 3"),
    "empty_file": ("", "train.tsv: no pronunciations (empty file)"),
    "bad_test_file": ("ok\tOW1 K EY1\n", "test.tsv:1: empty word"),
    "undecodable": (b"ok\tOW1\ncaf\xe9\tK AE1 F\n", "train.tsv:2: byte b'\\xe9'"),
    "no_test_file": ("ok\tOW1 K EY1\n", "--test_file: --train_file needs a --test_file"),
    "zero_beam_width": ("ok\tOW1 K EY1\n", "--beam_width: must be greater than 0"),
    "negative_clipnorm": ("ok\tOW1 K EY1\n", "--clipnorm: must be >= 0"),
}


def bad_argv(case, folder):
    train = BAD[case][0]
    path = folder / "train.tsv"
    path.write_bytes(train) if isinstance(train, bytes) else path.write_text(train)
    (folder / "test.tsv").write_text("\tAH0\n" if case == "bad_test_file" else "ok\tOW1 K EY1\n")
    argv = ["--epochs=1", f"--train_file={path}", f"--model_dir={folder / 'model'}"]
    if case != "no_test_file":
        argv.append(f"--test_file={folder / 'test.tsv'}")
    argv += {"zero_beam_width": ["--beam_width=0"], "negative_clipnorm": ["--clipnorm=-1"]}.get(
        case, []
    )
    return argv


@pytest.fixture(scope="module")
def bad_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad_g2p")
    specs = []
    for case in BAD:
        (root / case).mkdir()
        argv = bad_argv(case, root / case)
        specs.append({"name": case, "argv": argv, "model_dir": str(root / case / "model")})
    return root, run_sweep(APP, specs, root)


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_exits_2_with_one_clear_line(case, bad_runs):
    root, results = bad_runs
    result = results[case]
    check_rejected(result["exit"], result["stderr"], root / case, BAD[case][1])


@pytest.mark.slow
def test_resumes_after_a_kill_with_the_uninterrupted_result(files, tmp_path):
    flags = [f"--train_file={files / 'train.tsv'}", f"--test_file={files / 'test.tsv'}"]
    flags += [*SMALL[1:], "--epochs=2", "--epoch_eval_words=0", "--deterministic"]
    killed = run_trainer(APP, *flags, f"--model_dir={tmp_path / 'a'}", kill_at="epoch:0")
    assert killed.returncode != 0 and (tmp_path / "a" / "backup").exists()
    resumed = run_trainer(APP, *flags, f"--model_dir={tmp_path / 'a'}")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    straight = run_trainer(APP, *flags, f"--model_dir={tmp_path / 'b'}")
    assert straight.returncode == 0, straight.stderr[-3000:]
    first, second = (json.loads((tmp_path / d / "metrics.json").read_text()) for d in "ab")
    assert first["epochs_run_this_process"] == 1 and second["epochs_run_this_process"] == 2
    assert first["test"] == pytest.approx(second["test"])


@pytest.mark.slow
def test_cmudict_target(tmp_path):
    """The issue's figure: WER <= 28 % without stress digits on CMUdict's test words with
    the default flags (about an hour of training on two CPU cores)."""
    data = [f"--{s}_file={os.path.join(CMUDICT, s + '.tsv')}" for s in ("train", "valid", "test")]
    result = run_trainer(APP, *data, f"--model_dir={tmp_path}", timeout=3 * 3600)
    assert result.returncode == 0, result.stderr[-3000:]
    test = json.loads((tmp_path / "metrics.json").read_text())["test"]
    assert test["word_error_rate_without_stress"] <= 0.28
