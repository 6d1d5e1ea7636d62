"""SavedModel contracts of the three trainers' exports.

For each application: `saved_model_cli show` lists a `serving_default` whose input is the
raw thing a user has (uint8 images, strings, token strings); a Python process that never
imports kerasdl loads and serves it; and its outputs equal the in-memory model's
(`model.keras` loaded with kerasdl) on the same inputs.
"""

import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import run_trainer, serve_requests_without_kerasdl, serve_without_kerasdl

CONLL = "He PRP B-NP\nreckons VBZ B-VP\nthe DT B-NP\ncurrent JJ I-NP\ndeficit NN I-NP\n\n" * 6
TSV = "pos\tgood fun film\nneg\tdull and slow\npos\tgreat cast\nneg\tawful plot\n" * 6


def train(app, model_dir, *flags):
    result = run_trainer(app, f"--model_dir={model_dir}", "--epochs=1", *flags)
    assert result.returncode == 0, result.stderr[-3000:]


def saved_model_cli(export_dir):
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    result = subprocess.run(
        [
            cli,
            "show",
            "--dir",
            str(export_dir),
            "--tag_set",
            "serve",
            "--signature_def",
            "serving_default",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def in_memory(model_dir, inputs):
    import keras
    import tensorflow as tf

    import kerasdl  # noqa: F401

    model = keras.models.load_model(model_dir / "model.keras")
    return keras.ops.convert_to_numpy(model(tf.constant(inputs), training=False))


@pytest.mark.parametrize("app", ["image", "text", "tagging"])
def test_export_contract(app, tmp_path):
    model_dir = tmp_path / "run"
    if app == "image":
        train("image_classification", model_dir)
        from kerasdl.data.images import load_digits

        inputs = load_digits().x_test[:16]
        dtype, output, name = "DT_UINT8", "probabilities", "images"
    elif app == "text":
        (tmp_path / "d.tsv").write_text(TSV)
        train(
            "text_classification",
            model_dir,
            f"--train_file={tmp_path / 'd.tsv'}",
            f"--test_file={tmp_path / 'd.tsv'}",
        )
        inputs = np.array(["good fun", "awful and slow plot", "an unseen word"])
        dtype, output, name = "DT_STRING", "probabilities", "texts"
    else:
        (tmp_path / "d.txt").write_text(CONLL)
        train(
            "sequence_labeling",
            model_dir,
            f"--train_file={tmp_path / 'd.txt'}",
            f"--test_file={tmp_path / 'd.txt'}",
        )
        inputs = np.array([["He", "reckons", "the", "deficit"], ["the", "current", "", ""]])
        dtype, output, name = "DT_STRING", "tags", "tokens"

    shown = saved_model_cli(model_dir / "export")
    assert "dtype: " + dtype in shown and "inputs[" in shown

    if output == "probabilities":
        served = serve_without_kerasdl(model_dir / "export", tmp_path, **{name: inputs})
        expected = in_memory(model_dir, inputs if app == "text" else inputs.astype("float32"))
        np.testing.assert_allclose(served["probabilities"], expected, atol=1e-5, rtol=0)
    else:
        # With requests whose longest sentence has one token, or none.
        requests = [inputs, np.array([["He"], ["the"]]), np.zeros((2, 0), str)]
        served, one_token, empty = serve_requests_without_kerasdl(
            model_dir / "export", tmp_path, [{"tokens": tokens} for tokens in requests]
        )
        assert served["tags"].shape == inputs.shape
        assert all(tag == "" for tag in served["tags"][1, 2:]), "padding gets no tag"
        assert all(tag in {"B-NP", "I-NP", "B-VP", "I-VP", "O"} for tag in served["tags"][0])
        assert one_token["tags"].shape == (2, 1) and all(one_token["tags"][:, 0] != "")
        assert empty["tags"].shape == (2, 0) and list(empty["lengths"]) == [0, 0]
