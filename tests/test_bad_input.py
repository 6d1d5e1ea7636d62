"""The bad-input sweep: malformed files and flags across the three trainers.

Every case must end with exit status 2 and exactly one stderr line that names the file
(or flag), the line where there is one, and the problem — no traceback — and must leave
nothing half-written in --model_dir (no export, model, checkpoint or metrics.json).
"""

import numpy as np
import pytest
from conftest import run_trainer
from sweep import run_sweep

IMAGE, TEXT, TAGGING = ("image_classification", "text_classification", "sequence_labeling")


def write(path, content):
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return str(path)


def npz(path, **overrides):
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 255, (20, 8, 8, 1), dtype=np.uint8),
        "y_train": np.arange(20) % 3,
        "x_test": rng.integers(0, 255, (20, 8, 8, 1), dtype=np.uint8),
        "y_test": np.arange(20) % 3,
    }
    arrays.update(overrides)
    np.savez(path, **{k: v for k, v in arrays.items() if v is not None})
    return str(path)


TSV = "pos\tgood fun film\nneg\tdull and slow\npos\tgreat cast\nneg\tawful plot\n" * 3
VECTORS_WITH_SHORT_LINE = "good 0.1 0.2\nfun 0.3\n"
CONLL = "He PRP B-NP\nreckons VBZ B-VP\nthe DT B-NP\ndeficit NN I-NP\n\n" * 4


def text_flags(d, train=TSV, test=TSV):
    return [
        f"--train_file={write(d / 'train.tsv', train)}",
        f"--test_file={write(d / 'test.tsv', test)}",
    ]


def tagging_flags(d, train=CONLL, test=CONLL):
    return [
        f"--train_file={write(d / 'train.txt', train)}",
        f"--test_file={write(d / 'test.txt', test)}",
    ]


# name: (trainer, flags(tmp_path), text the one stderr line must contain)
CASES = {
    # Image classification.
    "image_missing_file": (
        IMAGE,
        lambda d: [f"--data_file={d / 'nope.npz'}"],
        "nope.npz: file not found",
    ),
    "image_not_an_npz": (
        IMAGE,
        lambda d: [f"--data_file={write(d / 'x.npz', 'hello')}"],
        "not a readable .npz",
    ),
    "image_no_x_train": (
        IMAGE,
        lambda d: [f"--data_file={npz(d / 'a.npz', x_train=None)}"],
        "missing array(s) x_train",
    ),
    "image_test_label_unseen": (
        IMAGE,
        lambda d: [f"--data_file={npz(d / 'b.npz', y_test=np.full(20, 7))}"],
        "y_test has label 7",
    ),
    "image_shapes_disagree": (
        IMAGE,
        lambda d: [f"--data_file={npz(d / 'c.npz', x_test=np.zeros((20, 9, 9, 1), np.uint8))}"],
        "x_test images are (9, 9, 1) but x_train images are (8, 8, 1)",
    ),
    "image_label_count": (
        IMAGE,
        lambda d: [f"--data_file={npz(d / 'e.npz', y_train=np.zeros(5, np.int64))}"],
        "y_train has 5 labels for 20 images",
    ),
    "image_float_labels": (
        IMAGE,
        lambda d: [f"--data_file={npz(d / 'f.npz', y_train=np.zeros(20) + 0.5)}"],
        "y_train must be a 1-D integer array",
    ),
    "image_missing_data_dir": (
        IMAGE,
        lambda d: [f"--data_dir={d / 'none'}"],
        "none: folder not found",
    ),
    "image_empty_data_dir": (IMAGE, lambda d: [f"--data_dir={d}"], "no class sub-folders"),
    "image_unknown_strategy": (
        IMAGE,
        lambda d: ["--strategy=warp_drive"],
        "--strategy: unknown strategy",
    ),
    "image_zero_epochs": (IMAGE, lambda d: ["--epochs=0"], "--epochs: must be greater than 0"),
    "image_negative_learning_rate": (
        IMAGE,
        lambda d: ["--learning_rate=-0.1"],
        "--learning_rate: must be greater than 0",
    ),
    "image_non_integer_flag": (IMAGE, lambda d: ["--batch_size=many"], "batch_size"),
    "image_unknown_optimizer": (
        IMAGE,
        lambda d: ["--optimizer=teleport"],
        "--optimizer: Unknown optimizer",
    ),
    "image_unknown_model": (IMAGE, lambda d: ["--model=vgg"], "--model=vgg: value should be one"),
    "image_bad_augment_spec": (IMAGE, lambda d: ["--augment=wobble:3"], "--augment"),
    "image_label_smoothing_range": (
        IMAGE,
        lambda d: ["--label_smoothing=1.5"],
        "--label_smoothing: must be in [0, 1)",
    ),
    "image_unwritable_model_dir": (
        IMAGE,
        lambda d: [f"--model_dir={write(d / 'file', 'x')}/sub"],
        "model_dir is not writable",
    ),
    "image_missing_export_parent": (
        IMAGE,
        lambda d: [f"--export_dir={d / 'missing' / 'export'}"],
        "parent folder",
    ),
    # Text classification.
    "text_empty_train_file": (TEXT, lambda d: text_flags(d, train=""), "train.tsv"),
    "text_wrong_column_count": (
        TEXT,
        lambda d: text_flags(d, train=TSV + "just one column\n"),
        "train.tsv:13",
    ),
    "text_undecodable_bytes": (
        TEXT,
        lambda d: text_flags(d, train=TSV.encode() + b"pos\t\xff\xfe bad\n"),
        "train.tsv:13",
    ),
    "text_unseen_test_label": (TEXT, lambda d: text_flags(d, test="meh\tso so\n"), "test.tsv:1"),
    "text_missing_test_file": (
        TEXT,
        lambda d: [*text_flags(d)[:1], f"--test_file={d / 'nope.tsv'}"],
        "nope.tsv",
    ),
    "text_negative_epochs": (TEXT, lambda d: [*text_flags(d), "--epochs=-1"], "--epochs"),
    "text_zero_batch_size": (TEXT, lambda d: [*text_flags(d), "--batch_size=0"], "--batch_size"),
    "text_unknown_model": (TEXT, lambda d: [*text_flags(d), "--model=bert"], "model"),
    "text_bad_embeddings_line": (
        TEXT,
        lambda d: [
            *text_flags(d),
            f"--embeddings_file={write(d / 'vec.txt', VECTORS_WITH_SHORT_LINE)}",
        ],
        "vec.txt:2",
    ),
    # Sequence labeling.
    "tagging_empty_train_file": (TAGGING, lambda d: tagging_flags(d, train=""), "train.txt"),
    "tagging_undecodable_bytes": (
        TAGGING,
        lambda d: tagging_flags(d, train=CONLL.encode() + b"\xff\xfe NN B-NP\n"),
        "train.txt:21",
    ),
    # A test tag of a chunk type training never saw is valid (scored as a miss; see
    # test_odd_inputs_text.py); a test tag that is no chunk tag at all is not.
    "tagging_test_tag_outside_the_scheme": (
        TAGGING,
        lambda d: tagging_flags(d, test="Paris NNP VBD\n"),
        "test.txt:1: bad tag for IOB2",
    ),
    "tagging_bad_iob2_sequence": (
        TAGGING,
        lambda d: [*tagging_flags(d, train=CONLL + "x NN B-NP\ny VB I-VP\n"), "--tag_scheme=IOB2"],
        "train.txt:22",
    ),
    "tagging_missing_train_file": (
        TAGGING,
        lambda d: [f"--train_file={d / 'nope.txt'}", f"--test_file={d / 'nope.txt'}"],
        "nope.txt",
    ),
    "tagging_unknown_char_features": (
        TAGGING,
        lambda d: [*tagging_flags(d), "--char_features=gru"],
        "--char_features",
    ),
    "tagging_zero_epochs": (TAGGING, lambda d: [*tagging_flags(d), "--epochs=0"], "--epochs"),
    "tagging_short_line": (
        TAGGING,
        lambda d: tagging_flags(d, test="He PRP B-NP\nreckons VBZ B-VP\nthe B-NP\n"),
        "test.txt:3: expected 3 columns",
    ),
    "tagging_not_a_chunk_tag": (
        TAGGING,
        lambda d: tagging_flags(d, test="He PRP B-NP\nreckons VBZ VBZ\n"),
        "test.txt:2: bad tag for IOB2",
    ),
    "tagging_unknown_model": (
        TAGGING,
        lambda d: [*tagging_flags(d), "--model=crf_only"],
        "--model=crf_only: value should be one of",
    ),
    "tagging_output_scheme_not_servable": (
        TAGGING,
        lambda d: [*tagging_flags(d), "--train_scheme=BIOES", "--output_scheme=IOB1"],
        "--output_scheme: a model trained in BIOES cannot serve IOB1",
    ),
    "tagging_unknown_recipe": (
        TAGGING,
        lambda d: [*tagging_flags(d), "--recipe=pos"],
        "--recipe=pos: value should be one of",
    ),
    "tagging_feature_column_not_a_number": (
        TAGGING,
        lambda d: [*tagging_flags(d), "--feature_columns=pos"],
        "--feature_columns: expected column numbers >= 0, got 'pos'",
    ),
    "tagging_feature_column_beyond_the_line": (
        TAGGING,
        lambda d: [*tagging_flags(d), "--feature_columns=3"],
        "train.txt:1: expected at least 4 columns",
    ),
    "tagging_feature_column_is_the_tag": (
        TAGGING,
        lambda d: [*tagging_flags(d), "--feature_columns=2"],
        "train.txt:1: feature column 2 is the token or the tag column",
    ),
    "text_embeddings_mode_without_vectors": (
        TEXT,
        lambda d: [*text_flags(d), "--embeddings_mode=static"],
        "--embeddings_mode: static needs --embeddings_file",
    ),
}


def case_argv(case: str, folder) -> list[str]:
    """The case's flags, its files written under `folder`, with `--epochs=1` first (a case
    may override it) and `{folder}/model` as model_dir unless the case gives one."""
    flags = CASES[case][1](folder)
    if not any(flag.startswith("--model_dir") for flag in flags):
        flags.append(f"--model_dir={folder / 'model'}")
    return ["--epochs=1", *flags]


def check_rejected(code: int, stderr: str, folder, expected: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert code == 2, (code, stderr[-2000:])
    assert len(lines) == 1, stderr
    assert expected in lines[0], lines[0]
    assert "Traceback" not in stderr
    model_dir = folder / "model"
    leftovers = {p.name for p in model_dir.iterdir()} if model_dir.exists() else set()
    assert not leftovers & {"export", "metrics.json", "model.keras", "checkpoint.keras"}


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """Runs every case of a trainer in one process (`sweep.run_sweep`), when its first case
    asks; returns `(case folder, result)`."""
    cache = {}

    def get(case: str):
        app = CASES[case][0]
        if app not in cache:
            root = tmp_path_factory.mktemp(f"bad_{app}")
            specs = []
            for name in sorted(n for n, (a, _, _) in CASES.items() if a == app):
                folder = root / name
                folder.mkdir()
                argv = case_argv(name, folder)
                specs.append({"name": name, "argv": argv, "model_dir": str(folder / "model")})
            cache[app] = (root, run_sweep(app, specs, root))
        root, results = cache[app]
        return root / case, results[case]

    return get


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exits_2_with_one_clear_line(case, swept):
    folder, result = swept(case)
    check_rejected(result["exit"], result["stderr"], folder, CASES[case][2])


# One case per trainer also runs as its own `python -m` process: there, stderr is the
# whole of what the process writes, TensorFlow's start-up included.
@pytest.mark.parametrize(
    "case", ["image_zero_epochs", "text_missing_test_file", "tagging_undecodable_bytes"]
)
def test_bad_input_on_the_command_line_is_one_stderr_line(case, tmp_path):
    result = run_trainer(CASES[case][0], *case_argv(case, tmp_path), timeout=300)
    check_rejected(result.returncode, result.stderr, tmp_path, CASES[case][2])


def test_the_sweep_covers_at_least_30_cases_across_all_trainers():
    assert len(CASES) >= 30
    assert {trainer for trainer, _, _ in CASES.values()} == {IMAGE, TEXT, TAGGING}
