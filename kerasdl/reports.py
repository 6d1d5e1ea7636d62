"""Evaluation reports for classifiers: per-class precision and recall, confusion matrix.

`classification_report` computes the numbers (NumPy only); `write_classification_report`
puts them in a folder as `report.json`, `confusion_matrix.json` and
`confusion_matrix.png` (matplotlib, headless Agg backend).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

import numpy as np


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    """`[num_classes, num_classes]` counts; row = true class, column = predicted class.

    Example:

    ```python
    from kerasdl import reports

    matrix = reports.confusion_matrix(np.array([0, 1, 1]), np.array([0, 0, 1]), 2)
    # [[1, 0], [1, 1]]: rows are true classes
    ```
    """
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(y_true, np.int64), np.asarray(y_pred, np.int64)), 1)
    return matrix


def classification_report(
    y_true: np.ndarray, y_pred: np.ndarray, class_names: Sequence[str]
) -> dict:
    """Accuracy, per-class precision/recall/F1/support, their macro averages, Cohen's
    kappa and the Matthews correlation coefficient.

    A class never predicted has precision 0 (and one never present recall 0), as
    scikit-learn's `zero_division=0`. Kappa (Cohen 1960, unweighted) is agreement beyond
    what the two marginals give by chance, `(p_o - p_e) / (1 - p_e)`; the MCC is its
    multiclass form (Gorodkin 2004), `(c s - sum_k p_k t_k) / sqrt((s^2 - sum_k p_k^2)
    (s^2 - sum_k t_k^2))` with `c` hits, `s` examples, `p_k`/`t_k` predicted/true counts
    (the values of `kerasdl.addons.metrics.CohenKappa` and
    `MatthewsCorrelationCoefficient`). Both are 0 where undefined (one class only).

    Example:

    ```python
    from kerasdl import reports

    report = reports.classification_report(
        np.array([0, 1, 1]), np.array([0, 0, 1]), ["cat", "dog"]
    )
    print(report["accuracy"], report["per_class"]["cat"]["precision"])  # 0.667 0.5
    ```
    """
    matrix = confusion_matrix(y_true, y_pred, len(class_names))
    hits = np.diag(matrix).astype(np.float64)
    predicted = matrix.sum(axis=0)
    support = matrix.sum(axis=1)
    precision = np.divide(hits, predicted, out=np.zeros_like(hits), where=predicted > 0)
    recall = np.divide(hits, support, out=np.zeros_like(hits), where=support > 0)
    denominator = precision + recall
    f1 = np.divide(
        2 * precision * recall, denominator, out=np.zeros_like(hits), where=denominator > 0
    )
    total = float(matrix.sum())
    chance = float(predicted @ support) / max(total, 1.0) ** 2
    observed = hits.sum() / max(total, 1.0)
    kappa = (observed - chance) / (1 - chance) if chance < 1 else 0.0
    spread = (total**2 - float(predicted @ predicted)) * (total**2 - float(support @ support))
    mcc = (hits.sum() * total - float(predicted @ support)) / np.sqrt(spread) if spread else 0.0
    per_class = {
        str(name): {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i, name in enumerate(class_names)
    }
    return {
        "accuracy": float(hits.sum() / max(1, matrix.sum())),
        "macro_precision": float(precision.mean()),
        "macro_recall": float(recall.mean()),
        "macro_f1": float(f1.mean()),
        "cohen_kappa": float(kappa),
        "matthews_correlation": float(mcc),
        "per_class": per_class,
        "confusion_matrix": matrix.tolist(),
        "class_names": [str(name) for name in class_names],
    }


def plot_confusion_matrix(matrix: np.ndarray, class_names: Sequence[str], path: str) -> None:
    """Saves a confusion-matrix heat map (row-normalised colours, raw counts as text).

    Example:

    ```python
    import os
    import tempfile

    from kerasdl import reports

    matrix = np.array([[5, 1], [2, 7]])
    path = os.path.join(tempfile.mkdtemp(), "confusion_matrix.png")
    reports.plot_confusion_matrix(matrix, ["cat", "dog"], path)
    ```
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matrix = np.asarray(matrix)
    size = len(class_names)
    rates = matrix / np.maximum(1, matrix.sum(axis=1, keepdims=True))
    figure, axes = plt.subplots(figsize=(1.0 + 0.45 * size, 0.8 + 0.45 * size), dpi=100)
    axes.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    axes.set_xticks(range(size), [str(n) for n in class_names], rotation=90 if size > 10 else 0)
    axes.set_yticks(range(size), [str(n) for n in class_names])
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    if size <= 30:
        for row in range(size):
            for col in range(size):
                if matrix[row, col]:
                    colour = "white" if rates[row, col] > 0.5 else "black"
                    axes.text(
                        col,
                        row,
                        int(matrix[row, col]),
                        ha="center",
                        va="center",
                        fontsize=7,
                        color=colour,
                    )
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def write_classification_report(
    directory: str, y_true: np.ndarray, y_pred: np.ndarray, class_names: Sequence[str]
) -> dict:
    """Writes report.json, confusion_matrix.json and confusion_matrix.png; returns the report.

    Example:

    ```python
    import tempfile

    from kerasdl import reports

    y_true, y_pred = np.array([0, 1, 1]), np.array([0, 0, 1])
    report = reports.write_classification_report(
        tempfile.mkdtemp(), y_true, y_pred, ["cat", "dog"]
    )  # report.json, confusion_matrix.json and .png
    ```
    """
    report = classification_report(y_true, y_pred, class_names)
    with open(os.path.join(directory, "report.json"), "w") as handle:
        json.dump(report, handle, indent=2)
    with open(os.path.join(directory, "confusion_matrix.json"), "w") as handle:
        json.dump(
            {"class_names": report["class_names"], "matrix": report["confusion_matrix"]}, handle
        )
    plot_confusion_matrix(
        np.array(report["confusion_matrix"]),
        class_names,
        os.path.join(directory, "confusion_matrix.png"),
    )
    return report
