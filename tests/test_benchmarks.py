"""benchmarks/run_all.py: its statistics, its alternation, and the README's performance
table, which must be the one generated from benchmarks/results.json."""

import json
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import run_all  # noqa: E402


def test_readme_table_is_generated_from_results_json():
    results = json.loads((ROOT / "benchmarks" / "results.json").read_text())
    readme = (ROOT / "README.md").read_text()
    begin = readme.index(run_all.README_BEGIN) + len(run_all.README_BEGIN)
    assert readme[begin : readme.index(run_all.README_END)].strip() == run_all.readme_tables(
        results
    ), "regenerate with: python benchmarks/run_all.py --readme README.md"


def test_results_json_covers_every_pair_with_rounds_and_machine():
    results = json.loads((ROOT / "benchmarks" / "results.json").read_text())
    names = set(results["pairs"])
    for prefix in ("augment", "crf_nll_grad_B", "crf_decode_B", "resnet20", "tagger_epoch"):
        assert any(n.startswith(prefix) for n in names), prefix
    assert {f"crf_decode_B{b}" for b in (16, 64, 256)} <= names
    assert {"serving_image", "serving_text", "serving_tagger", "text_tta"} <= names
    assert results["rounds"] >= 5
    for pair in results["pairs"].values():
        assert len(pair["kerasdl"]["rounds"]) == len(pair["peer_figures"]["rounds"])
        assert len(pair["ratio"]["rounds"]) == results["rounds"]
        assert pair["ratio"]["min"] <= pair["ratio"]["median"] <= pair["ratio"]["max"]
    machine = results["machine"]
    assert machine["cpus"] and machine["commit"] and len(machine["load_average_start"]) == 3


def test_ratios_are_speed_ups_whichever_way_the_unit_points():
    throughput = run_all.Pair("a", "", "images/s", True, "peer", kerasdl=[300.0, 200.0])
    throughput.reference = [100.0, 100.0]
    assert throughput.ratios() == [3.0, 2.0]
    latency = run_all.Pair("b", "", "ms", False, "peer", target=3.0, kerasdl=[1.0, 2.0])
    latency.reference = [4.0, 4.0]
    assert latency.ratios() == [4.0, 2.0]
    result = latency.as_dict()
    assert result["ratio"]["median"] == 3.0 and result["meets_target"] is True
    assert result["ratio"]["rounds"] == [4.0, 2.0]


def test_alternate_warms_up_then_swaps_the_order_every_round():
    calls = []
    pair = run_all.Pair("p", "", "s", False, "peer")
    run_all.alternate(
        pair, lambda: calls.append("k") or 1.0, lambda: calls.append("p") or 2.0, rounds=3
    )
    assert calls == ["k", "p", "k", "p", "p", "k", "k", "p"]
    assert pair.kerasdl == [1.0] * 3 and pair.reference == [2.0] * 3


def test_table_marks_a_missed_target():
    pair = run_all.Pair("slow", "x", "ms", False, "peer", target=3.0, kerasdl=[1.0])
    pair.reference = [2.0]
    results = {
        "machine": run_all.machine((0.1, 0.2, 0.3), (0.2, 0.2, 0.3)),
        "rounds": 1,
        "pairs": {"slow": pair.as_dict()},
    }
    table = run_all.readme_tables(results)
    assert "**2.00×**" in table and "not met" in table and "load 0.10–0.20" in table


@pytest.mark.parametrize("bad", ["--rounds=0", "--text_target=1.5"])
def test_bad_arguments_exit_with_status_2(bad, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["run_all.py", bad])
    with pytest.raises(SystemExit) as raised:
        run_all.main()
    assert raised.value.code == 2
