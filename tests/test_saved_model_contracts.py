"""SavedModel contracts of the three trainers' exports.

For each application: `saved_model_cli show` lists a `serving_default` whose input is the
raw thing a user has (uint8 images, strings, token strings); a Python process that never
imports kerasdl loads and serves it; and its outputs equal the in-memory model's
(`model.keras` loaded with kerasdl) on the same inputs.
"""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from conftest import run_trainer

CONLL = "He PRP B-NP\nreckons VBZ B-VP\nthe DT B-NP\ncurrent JJ I-NP\ndeficit NN I-NP\n\n" * 6
TSV = "pos\tgood fun film\nneg\tdull and slow\npos\tgreat cast\nneg\tawful plot\n" * 6


def train(app, model_dir, *flags):
    result = run_trainer(app, f"--model_dir={model_dir}", "--epochs=1", *flags)
    assert result.returncode == 0, result.stderr[-3000:]


SERVE = textwrap.dedent(
    """
    import sys
    import numpy as np
    import tensorflow as tf

    export_dir, inputs_path, out_path = sys.argv[1:]
    signature = tf.saved_model.load(export_dir).signatures["serving_default"]
    (name, spec), = signature.structured_input_signature[1].items()
    inputs = np.load(inputs_path, allow_pickle=False)
    outputs = signature(**{name: tf.constant(inputs, dtype=spec.dtype)})
    assert "kerasdl" not in sys.modules
    np.savez(out_path, **{k: v.numpy().astype(str) if v.dtype == tf.string else v.numpy()
                          for k, v in outputs.items()})
    """
)


def serve_without_kerasdl(export_dir, inputs, tmp_path):
    np.save(tmp_path / "inputs.npy", inputs)
    subprocess.run(
        [
            sys.executable,
            "-c",
            SERVE,
            str(export_dir),
            str(tmp_path / "inputs.npy"),
            str(tmp_path / "out.npz"),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return dict(np.load(tmp_path / "out.npz"))


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
        dtype, output = "DT_UINT8", "probabilities"
    elif app == "text":
        (tmp_path / "d.tsv").write_text(TSV)
        train(
            "text_classification",
            model_dir,
            f"--train_file={tmp_path / 'd.tsv'}",
            f"--test_file={tmp_path / 'd.tsv'}",
        )
        inputs = np.array(["good fun", "awful and slow plot", "an unseen word"])
        dtype, output = "DT_STRING", "probabilities"
    else:
        (tmp_path / "d.txt").write_text(CONLL)
        train(
            "sequence_labeling",
            model_dir,
            f"--train_file={tmp_path / 'd.txt'}",
            f"--test_file={tmp_path / 'd.txt'}",
        )
        inputs = np.array([["He", "reckons", "the", "deficit"], ["the", "current", "", ""]])
        dtype, output = "DT_STRING", "tags"

    shown = saved_model_cli(model_dir / "export")
    assert "dtype: " + dtype in shown and "inputs[" in shown

    served = serve_without_kerasdl(model_dir / "export", inputs, tmp_path)
    if output == "probabilities":
        expected = in_memory(model_dir, inputs if app == "text" else inputs.astype("float32"))
        np.testing.assert_allclose(served["probabilities"], expected, atol=1e-5, rtol=0)
    else:
        assert served["tags"].shape == inputs.shape
        assert all(tag == "" for tag in served["tags"][1, 2:]), "padding gets no tag"
        assert all(tag in {"B-NP", "I-NP", "B-VP", "I-VP", "O"} for tag in served["tags"][0])
        # Requests whose longest sentence has one token, or none.
        one_token = serve_without_kerasdl(
            model_dir / "export", np.array([["He"], ["the"]]), tmp_path
        )
        assert one_token["tags"].shape == (2, 1) and all(one_token["tags"][:, 0] != "")
        empty = serve_without_kerasdl(model_dir / "export", np.zeros((2, 0), str), tmp_path)
        assert empty["tags"].shape == (2, 0) and list(empty["lengths"]) == [0, 0]
