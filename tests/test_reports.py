"""kerasdl.reports: the confusion matrix, per-class scores against scikit-learn, and the
three files `write_classification_report` leaves in a run's folder."""

import json

import numpy as np
import pytest
from sklearn import metrics as sk

from kerasdl import reports

NAMES = ["cat", "dog", "bird", "fish"]


def labels(seed=0, size=200):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 4, size)
    # Mostly right, some confusions, and class 3 ("fish") never predicted.
    y_pred = np.where(rng.random(size) < 0.7, y_true, rng.integers(0, 3, size))
    y_pred[y_pred == 3] = 0
    return y_true, y_pred


def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    matrix = reports.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 4)
    expected = [[1, 1, 0, 0], [0, 1, 0, 0], [1, 0, 2, 0], [0, 0, 0, 0]]
    np.testing.assert_array_equal(matrix, expected)
    y_true, y_pred = labels()
    np.testing.assert_array_equal(
        reports.confusion_matrix(y_true, y_pred, 4), sk.confusion_matrix(y_true, y_pred)
    )


def test_report_matches_scikit_learn_with_zero_division_0():
    y_true, y_pred = labels()
    report = reports.classification_report(y_true, y_pred, NAMES)
    precision, recall, f1, support = sk.precision_recall_fscore_support(
        y_true, y_pred, labels=range(4), zero_division=0
    )
    assert report["accuracy"] == pytest.approx(sk.accuracy_score(y_true, y_pred))
    for i, name in enumerate(NAMES):
        scores = report["per_class"][name]
        assert scores["precision"] == pytest.approx(precision[i])
        assert scores["recall"] == pytest.approx(recall[i])
        assert scores["f1"] == pytest.approx(f1[i])
        assert scores["support"] == support[i]
    assert report["per_class"]["fish"]["precision"] == 0  # never predicted
    assert report["macro_precision"] == pytest.approx(precision.mean())
    assert report["macro_recall"] == pytest.approx(recall.mean())
    assert report["macro_f1"] == pytest.approx(f1.mean())
    assert report["class_names"] == NAMES
    assert np.sum(report["confusion_matrix"]) == len(y_true)


def test_kappa_and_mcc_match_scikit_learn_and_the_addons_metrics():
    import kerasdl.addons as tfa

    for seed in range(3):
        y_true, y_pred = labels(seed)
        report = reports.classification_report(y_true, y_pred, NAMES)
        assert report["cohen_kappa"] == pytest.approx(sk.cohen_kappa_score(y_true, y_pred))
        mcc = sk.matthews_corrcoef(y_true, y_pred)
        assert report["matthews_correlation"] == pytest.approx(mcc)
        kappa_metric = tfa.metrics.CohenKappa(num_classes=4, sparse_labels=True)
        kappa_metric.update_state(y_true, y_pred)
        assert report["cohen_kappa"] == pytest.approx(float(kappa_metric.result()), abs=1e-6)
        mcc_metric = tfa.metrics.MatthewsCorrelationCoefficient(num_classes=4)
        mcc_metric.update_state(np.eye(4)[y_true], np.eye(4)[y_pred])
        assert report["matthews_correlation"] == pytest.approx(float(mcc_metric.result()), abs=1e-6)
    one_class = reports.classification_report([1, 1], [1, 1], ["a", "b"])
    assert one_class["cohen_kappa"] == 0.0 and one_class["matthews_correlation"] == 0.0


def test_a_class_absent_from_the_data_has_recall_0_and_no_support():
    report = reports.classification_report([0, 1, 1], [0, 1, 0], ["a", "b", "c"])
    assert report["per_class"]["c"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert report["accuracy"] == pytest.approx(2 / 3)
    assert reports.classification_report([], [], ["a"])["accuracy"] == 0.0


def test_write_classification_report_leaves_json_and_a_png(tmp_path):
    y_true, y_pred = labels(seed=1)
    returned = reports.write_classification_report(str(tmp_path), y_true, y_pred, NAMES)
    assert json.loads((tmp_path / "report.json").read_text()) == returned
    written = json.loads((tmp_path / "confusion_matrix.json").read_text())
    assert written == {"class_names": NAMES, "matrix": returned["confusion_matrix"]}
    png = (tmp_path / "confusion_matrix.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000


def test_plot_handles_many_classes(tmp_path):
    # Past 30 classes the counts are not written in the cells; past 10 the labels turn.
    names = [f"class_{i}" for i in range(40)]
    matrix = reports.confusion_matrix(np.arange(40), np.arange(40)[::-1], 40)
    reports.plot_confusion_matrix(matrix, names, str(tmp_path / "big.png"))
    assert (tmp_path / "big.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
