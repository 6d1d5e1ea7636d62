"""`kerasdl.conlleval` counts chunks exactly as conlleval.pl does.

The tricky cases are checked against counts worked out by hand from the Perl's rules;
random perturbations of the CoNLL-2000 test tags are checked against `PerlConlleval`,
a line-by-line transliteration of conlleval.pl's main loop (version 2004-01-26) that
reads the same text file the Perl reads.
"""

import json
import os
import random
import re

import pytest
from conftest import REPO

from kerasdl import conlleval
from kerasdl.data.tagging import read_conll

CONLL2000_TEST = os.path.join(REPO, "..", "shared", "data", "conll2000", "test.txt")


def counts(gold, guess):
    s = conlleval.evaluate(gold, guess)
    return s.found_gold, s.found_guessed, s.correct_chunks


def test_perfect_iob2():
    tags = [["B-NP", "I-NP", "O", "B-VP"], ["B-PP", "B-NP"]]
    scores = conlleval.evaluate(tags, tags)
    assert counts(tags, tags) == (4, 4, 4)
    assert scores.f1 == scores.precision == scores.recall == scores.accuracy == 1.0


def test_i_without_b_starts_a_chunk():
    # conlleval reads I-NP after O as the start of an NP chunk: same chunk as B-NP I-NP.
    gold = [["B-NP", "I-NP", "O"]]
    guess = [["I-NP", "I-NP", "O"]]
    assert counts(gold, guess) == (1, 1, 1)
    scores = conlleval.evaluate(gold, guess)
    assert scores.f1 == 1.0
    assert scores.accuracy == pytest.approx(2 / 3)  # the tag itself differs


def test_type_change_inside_a_chunk_splits_it():
    gold = [["B-NP", "I-NP", "I-NP"]]
    guess = [["B-NP", "I-VP", "I-VP"]]  # NP of 1 token, then a VP chunk starting at I-VP
    assert counts(gold, guess) == (1, 2, 0)
    assert counts(guess, guess) == (2, 2, 2)


def test_iob1_input():
    # IOB1: chunks are runs of I-X, B-X only between two adjacent chunks of one type.
    gold = [["I-NP", "I-NP", "B-NP", "O", "I-VP"]]
    assert counts(gold, gold) == (3, 3, 3)
    guess = [["I-NP", "I-NP", "I-NP", "O", "I-VP"]]  # the two NPs merged
    assert counts(gold, guess) == (3, 2, 1)


def test_b_after_e_is_not_a_new_chunk_in_the_perl():
    # conlleval's start rules have no (E, B) pair, and E->B ends nothing either: the Perl
    # reads B-NP E-NP B-NP I-NP as one chunk of four tokens. Kept, since F1 must match.
    gold = [["B-NP", "E-NP", "B-NP", "E-NP"]]
    assert counts(gold, gold) == (1, 1, 1)
    assert counts([["S-NP", "S-NP"]], [["S-NP", "S-NP"]]) == (1, 1, 1)


def test_sentence_break_ends_chunks_and_precision_recall():
    gold = [["B-NP"], ["I-NP"]]  # two chunks: the break ends the first
    guess = [["B-NP"], ["O"]]
    scores = conlleval.evaluate(gold, guess)
    assert counts(gold, guess) == (2, 1, 1)
    assert scores.precision == 1.0 and scores.recall == 0.5
    assert scores.f1 == pytest.approx(2 / 3)


def test_boundary_mismatch_is_not_correct():
    gold = [["B-NP", "I-NP", "I-NP"]]
    guess = [["B-NP", "I-NP", "B-NP"]]
    assert counts(gold, guess) == (1, 2, 0)
    longer = [["B-NP", "I-NP", "O"]], [["B-NP", "I-NP", "I-NP"]]
    assert counts(*longer) == (1, 1, 0)


def test_hyphens_in_types_and_zero_type():
    gold = [["B-A-B", "I-A-B", "B-0"]]
    scores = conlleval.evaluate(gold, gold)
    assert set(scores.by_type) == {"A-B", ""}  # Perl's `$type ? $type : ""` drops "0"


def test_empty_and_length_mismatch():
    scores = conlleval.evaluate([], [])
    assert (scores.f1, scores.accuracy) == (0.0, 0.0)
    with pytest.raises(ValueError, match="sentence 1"):
        conlleval.evaluate([["O", "O"]], [["O"]])


def test_report_text_and_json(tmp_path):
    gold = [["B-NP", "I-NP", "O", "B-VP"]]
    guess = [["B-NP", "I-NP", "O", "B-NP"]]
    payload = conlleval.write_report(str(tmp_path), conlleval.evaluate(gold, guess))
    text = (tmp_path / "conlleval.txt").read_text()
    assert text.startswith("processed 4 tokens with 2 phrases; found: 2 phrases; correct: 1.")
    assert "accuracy:  75.00%; precision:  50.00%; recall:  50.00%; FB1:  50.00" in text
    assert re.search(r"^ +NP: precision:  50\.00%; recall: 100\.00%; FB1:  66\.67  2$", text, re.M)
    assert re.search(r"^ +VP: precision:   0\.00%; recall:   0\.00%; FB1:   0\.00  0$", text, re.M)
    on_disk = json.loads((tmp_path / "conlleval.json").read_text())
    assert on_disk["per_type"]["NP"]["support"] == 1 == payload["per_type"]["VP"]["support"]
    assert on_disk["f1"] == pytest.approx(0.5)


class PerlConlleval:
    """conlleval.pl's main loop, statement by statement, over the lines of its input."""

    @staticmethod
    def end_of_chunk(prev_tag, tag, prev_type, type_):
        end = False
        for a, b in [("B", "B"), ("B", "O"), ("I", "B"), ("I", "O")]:
            end |= prev_tag == a and tag == b
        for a, b in [("E", "E"), ("E", "I"), ("E", "O"), ("I", "O")]:
            end |= prev_tag == a and tag == b
        if prev_tag != "O" and prev_tag != "." and prev_type != type_:
            end = True
        return end or prev_tag == "]" or prev_tag == "["

    @staticmethod
    def start_of_chunk(prev_tag, tag, prev_type, type_):
        start = False
        for a, b in [("B", "B"), ("I", "B"), ("O", "B"), ("O", "I")]:
            start |= prev_tag == a and tag == b
        for a, b in [("E", "E"), ("E", "I"), ("O", "E"), ("O", "I")]:
            start |= prev_tag == a and tag == b
        if tag != "O" and tag != "." and prev_type != type_:
            start = True
        return start or tag == "[" or tag == "]"

    @staticmethod
    def split(feature):
        match = re.match(r"^([^-]*)-(.*)$", feature, re.S)
        tag, type_ = (match.group(1), match.group(2)) if match else (feature, "")
        return tag, type_ if type_ and type_ != "0" else ""

    def run(self, lines):
        correct_chunk = correct_tags = found_correct = found_guessed = tokens = 0
        by_type = {}
        in_correct = False
        last_correct, last_correct_type, last_guessed, last_guessed_type = "O", "", "O", ""
        for line in lines:
            features = line.split(" ") if line else []
            if not features or features[0] == "-X-":
                features = ["-X-", "O", "O"]
            guessed, guessed_type = self.split(features[-1])
            correct, correct_type = self.split(features[-2])
            if features[0] == "-X-":
                guessed = "O"
            ends_c = self.end_of_chunk(last_correct, correct, last_correct_type, correct_type)
            ends_g = self.end_of_chunk(last_guessed, guessed, last_guessed_type, guessed_type)
            if in_correct:
                if ends_c and ends_g and last_guessed_type == last_correct_type:
                    in_correct = False
                    correct_chunk += 1
                    by_type.setdefault(last_correct_type, [0, 0, 0])[0] += 1
                elif ends_c != ends_g or guessed_type != correct_type:
                    in_correct = False
            starts_c = self.start_of_chunk(last_correct, correct, last_correct_type, correct_type)
            starts_g = self.start_of_chunk(last_guessed, guessed, last_guessed_type, guessed_type)
            if starts_c and starts_g and guessed_type == correct_type:
                in_correct = True
            if starts_c:
                found_correct += 1
                by_type.setdefault(correct_type, [0, 0, 0])[1] += 1
            if starts_g:
                found_guessed += 1
                by_type.setdefault(guessed_type, [0, 0, 0])[2] += 1
            if features[0] != "-X-":
                correct_tags += correct == guessed and guessed_type == correct_type
                tokens += 1
            last_guessed, last_correct = guessed, correct
            last_guessed_type, last_correct_type = guessed_type, correct_type
        if in_correct:
            correct_chunk += 1
            by_type.setdefault(last_correct_type, [0, 0, 0])[0] += 1
        totals = (tokens, found_correct, found_guessed, correct_chunk, correct_tags)
        return totals, {t: tuple(c) for t, c in by_type.items()}


@pytest.mark.skipif(not os.path.exists(CONLL2000_TEST), reason="needs ../shared/data")
def test_matches_conlleval_on_perturbed_conll2000():
    corpus = read_conll(CONLL2000_TEST)
    names = sorted({t for s in corpus.tags for t in s})
    names += ["B", "I", "E-NP", "S-NP", "E-VP", "S-VP", "[", "]", ".", "I-A-B", "B-0"]
    rng = random.Random(0)
    for rate in (0.02, 0.2, 0.6):
        gold = [
            [t if rng.random() > rate / 4 else rng.choice(names) for t in s] for s in corpus.tags
        ]
        guess = [[t if rng.random() > rate else rng.choice(names) for t in s] for s in gold]
        lines = []
        for words, g, p in zip(corpus.tokens, gold, guess, strict=True):
            lines += [f"{w} {a} {b}" for w, a, b in zip(words, g, p, strict=True)] + [""]
        totals, by_type = PerlConlleval().run(lines)
        scores = conlleval.evaluate(gold, guess)
        ours = (
            scores.tokens,
            scores.found_gold,
            scores.found_guessed,
            scores.correct_chunks,
            scores.correct_tags,
        )
        assert ours == totals
        assert scores.by_type == by_type
