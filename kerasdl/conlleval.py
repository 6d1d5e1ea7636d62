"""Chunk-level precision, recall and F1 exactly as `conlleval.pl` computes them.

`conlleval.pl` (Erik Tjong Kim Sang, CoNLL-2000 shared task; the version with the
2004 hyphen fix) is the scorer every chunking and NER paper reports. Its reading of
tags is not a clean tag-scheme parser, and the numbers depend on it:

- a tag is split at its first hyphen into prefix and type (`B-NP` -> `B`, `NP`); a tag
  without a hyphen (`O`, or a bare `I`) has type `""`;
- a chunk *starts* at `B` after `B`, `I` or `O` (not after `E`!), at `I` or `E` after
  `O`, at `E`/`I` after `E`, at `[`/`]`, and at any non-`O` tag whose type differs from
  the previous tag's type (so `I-X` without `B-X` starts a chunk, and a type change
  inside a chunk starts a new one);
- a chunk *ends* before `B`, `O`, a type change, after `E` before `E`/`I`/`O`, and
  after `[`/`]`; sentence breaks act as an `O` token;
- a guessed chunk is correct when it starts and ends where a gold chunk does, with the
  same type, and every tag between agrees on both (checked token by token, as the Perl
  does with `$inCorrect`).

So IOB1 (`I-X I-X B-X`) and IOB2 both score correctly, and `S-`/`E-` tags are read
with the same (incomplete) rules conlleval applies to them. Token accuracy counts tokens
whose whole tag (prefix and type) matches.
"""

from __future__ import annotations

import collections
import dataclasses
import os
from collections.abc import Iterable, Sequence

__all__ = ["ChunkScores", "evaluate", "format_report", "split_conlleval_tag", "write_report"]


def split_conlleval_tag(tag: str) -> tuple[str, str]:
    """`"B-NP"` -> `("B", "NP")`; `"O"` -> `("O", "")`; `"B-A-B"` -> `("B", "A-B")`.

    Example:

    ```python
    from kerasdl import conlleval

    assert conlleval.split_conlleval_tag("B-NP") == ("B", "NP")
    ```
    """
    prefix, hyphen, chunk_type = tag.partition("-")
    # Perl's `$type ? $type : ""` also turns the type "0" into "".
    return (prefix, chunk_type if chunk_type != "0" else "") if hyphen else (tag, "")


def _start_of_chunk(prev_tag: str, tag: str, prev_type: str, chunk_type: str) -> bool:
    return (
        (tag == "B" and prev_tag in ("B", "I", "O"))
        or (prev_tag == "O" and tag in ("I", "E"))
        or (prev_tag == "E" and tag in ("E", "I"))
        or (tag not in ("O", ".") and prev_type != chunk_type)
        or tag in ("[", "]")
    )


def _end_of_chunk(prev_tag: str, tag: str, prev_type: str, chunk_type: str) -> bool:
    return (
        (prev_tag in ("B", "I") and tag in ("B", "O"))
        or (prev_tag == "E" and tag in ("E", "I", "O"))
        or (prev_tag not in ("O", ".") and prev_type != chunk_type)
        or prev_tag in ("[", "]")
    )


@dataclasses.dataclass
class ChunkScores:
    """Counts and scores of one evaluation (percentages are on a 0-1 scale).

    Attributes:
        correct_chunks, found_gold, found_guessed: totals over all types.
        correct_tags, tokens: for token accuracy.
        by_type: `{type: (correct, found_gold, found_guessed)}`.

    Example:

    ```python
    from kerasdl import conlleval

    scores = conlleval.evaluate([["B-PER", "I-PER", "O"]], [["B-PER", "O", "O"]])
    print(scores.correct_chunks, scores.found_gold, scores.by_type)  # 0 1 {'PER': (0, 1, 1)}
    ```
    """

    correct_chunks: int
    found_gold: int
    found_guessed: int
    correct_tags: int
    tokens: int
    by_type: dict[str, tuple[int, int, int]]

    @staticmethod
    def _prf(correct: int, gold: int, guessed: int) -> tuple[float, float, float]:
        precision = correct / guessed if guessed else 0.0
        recall = correct / gold if gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1

    @property
    def precision(self) -> float:
        return self._prf(self.correct_chunks, self.found_gold, self.found_guessed)[0]

    @property
    def recall(self) -> float:
        return self._prf(self.correct_chunks, self.found_gold, self.found_guessed)[1]

    @property
    def f1(self) -> float:
        return self._prf(self.correct_chunks, self.found_gold, self.found_guessed)[2]

    @property
    def accuracy(self) -> float:
        return self.correct_tags / self.tokens if self.tokens else 0.0

    def per_type(self) -> dict[str, dict[str, float]]:
        """`{type: {"precision", "recall", "f1", "support", "found"}}` (0-1 scale)."""
        result = {}
        for chunk_type, (correct, gold, guessed) in sorted(self.by_type.items()):
            precision, recall, f1 = self._prf(correct, gold, guessed)
            result[chunk_type] = {
                "precision": precision,
                "recall": recall,
                "f1": f1,
                "support": gold,
                "found": guessed,
            }
        return result

    def as_dict(self) -> dict[str, float]:
        return {
            "f1": self.f1,
            "precision": self.precision,
            "recall": self.recall,
            "accuracy": self.accuracy,
        }


def evaluate(gold: Iterable[Sequence[str]], guessed: Iterable[Sequence[str]]) -> ChunkScores:
    """conlleval.pl's counts for sentences of gold and guessed tags (same lengths).

    Sentences are processed as conlleval processes a file with a blank line after each
    sentence; the result equals running `conlleval.pl < file` on the same tags.

    Example:

    ```python
    from kerasdl import conlleval

    gold = [["B-PER", "I-PER", "O", "B-LOC"]]
    guessed = [["B-PER", "I-PER", "O", "B-ORG"]]
    scores = conlleval.evaluate(gold, guessed)
    print(scores.f1, scores.precision, scores.recall)  # 0.5 0.5 0.5
    ```
    """
    correct_chunks = found_gold = found_guessed = correct_tags = tokens = 0
    counts: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0, 0])
    in_correct = False
    last_gold, last_gold_type = "O", ""
    last_guess, last_guess_type = "O", ""

    def step(gold_tag: str, gold_type: str, guess_tag: str, guess_type: str) -> None:
        nonlocal in_correct, correct_chunks, found_gold, found_guessed
        gold_ends = _end_of_chunk(last_gold, gold_tag, last_gold_type, gold_type)
        guess_ends = _end_of_chunk(last_guess, guess_tag, last_guess_type, guess_type)
        if in_correct:
            if gold_ends and guess_ends and last_guess_type == last_gold_type:
                in_correct = False
                correct_chunks += 1
                counts[last_gold_type][0] += 1
            elif gold_ends != guess_ends or guess_type != gold_type:
                in_correct = False
        gold_starts = _start_of_chunk(last_gold, gold_tag, last_gold_type, gold_type)
        guess_starts = _start_of_chunk(last_guess, guess_tag, last_guess_type, guess_type)
        if gold_starts and guess_starts and guess_type == gold_type:
            in_correct = True
        if gold_starts:
            found_gold += 1
            counts[gold_type][1] += 1
        if guess_starts:
            found_guessed += 1
            counts[guess_type][2] += 1

    for number, (gold_sentence, guess_sentence) in enumerate(
        zip(gold, guessed, strict=True), start=1
    ):
        if len(gold_sentence) != len(guess_sentence):
            raise ValueError(
                f"sentence {number}: {len(gold_sentence)} gold tags but "
                f"{len(guess_sentence)} guessed"
            )
        for gold_tag_full, guess_tag_full in zip(gold_sentence, guess_sentence, strict=True):
            gold_tag, gold_type = split_conlleval_tag(gold_tag_full)
            guess_tag, guess_type = split_conlleval_tag(guess_tag_full)
            step(gold_tag, gold_type, guess_tag, guess_type)
            if gold_tag == guess_tag and gold_type == guess_type:
                correct_tags += 1
            tokens += 1
            last_gold, last_gold_type = gold_tag, gold_type
            last_guess, last_guess_type = guess_tag, guess_type
        # The blank line after a sentence: conlleval reads it as an `O` token, uncounted.
        step("O", "", "O", "")
        last_gold, last_gold_type = last_guess, last_guess_type = "O", ""
    if in_correct:
        correct_chunks += 1
        counts[last_gold_type][0] += 1
    return ChunkScores(
        correct_chunks,
        found_gold,
        found_guessed,
        correct_tags,
        tokens,
        {t: tuple(c) for t, c in counts.items()},
    )


def format_report(scores: ChunkScores) -> str:
    """The text conlleval.pl prints: totals, then one line per chunk type.

    Example:

    ```python
    from kerasdl import conlleval

    scores = conlleval.evaluate([["B-PER", "I-PER", "O"]], [["B-PER", "I-PER", "O"]])
    print(conlleval.format_report(scores))
    ```
    """
    lines = [
        f"processed {scores.tokens} tokens with {scores.found_gold} phrases; "
        f"found: {scores.found_guessed} phrases; correct: {scores.correct_chunks}.",
    ]
    if scores.tokens:
        lines.append(
            f"accuracy: {100 * scores.accuracy:6.2f}%; precision: {100 * scores.precision:6.2f}%; "
            f"recall: {100 * scores.recall:6.2f}%; FB1: {100 * scores.f1:6.2f}"
        )
    for chunk_type, row in scores.per_type().items():
        lines.append(
            f"{chunk_type:>17}: precision: {100 * row['precision']:6.2f}%; "
            f"recall: {100 * row['recall']:6.2f}%; FB1: {100 * row['f1']:6.2f}  {row['found']}"
        )
    return "\n".join(lines) + "\n"


def write_report(model_dir: str, scores: ChunkScores, name: str = "conlleval") -> dict:
    """Writes `{name}.txt` (conlleval's text) and `{name}.json` (totals and per type).

    Example:

    ```python
    import tempfile

    from kerasdl import conlleval

    scores = conlleval.evaluate([["B-PER", "I-PER", "O"]], [["B-PER", "I-PER", "O"]])
    totals = conlleval.write_report(tempfile.mkdtemp(), scores)  # conlleval.txt, .json
    ```
    """
    from kerasdl.trainer import write_json

    with open(os.path.join(model_dir, f"{name}.txt"), "w", encoding="utf-8") as handle:
        handle.write(format_report(scores))
    payload = {
        **scores.as_dict(),
        "tokens": scores.tokens,
        "gold_chunks": scores.found_gold,
        "guessed_chunks": scores.found_guessed,
        "correct_chunks": scores.correct_chunks,
        "per_type": scores.per_type(),
    }
    write_json(os.path.join(model_dir, f"{name}.json"), payload)
    return payload
