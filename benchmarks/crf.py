"""CRF speed: kerasdl vs tensorflow-addons 0.23, same machine, same run.

Measures, in graph mode (`tf.function`), the median of `--repeats` calls after `--warmup`:
  * NLL + gradient: `-mean(crf_log_likelihood)` and its gradient w.r.t. potentials and
    transitions;
  * decode: `crf_decode` (Viterbi).
Default problem: B=64 rows, T=50 steps, K=20 tags, row lengths uniform in 1..T.

    python benchmarks/crf.py                                   # kerasdl only
    python benchmarks/crf.py --tfa_python /work/tfa-venv/bin/python   # side by side

`--tfa_python` names an interpreter that has TensorFlow 2.15 and tensorflow-addons 0.23
(tfa cannot be imported with Keras 3); `benchmarks/crf_tfa_reference.py` runs there in a
subprocess. Make it once with:

    python3.11 -m venv /work/tfa-venv
    /work/tfa-venv/bin/pip install tensorflow-cpu==2.15.1 tensorflow-addons==0.23.0
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from crf_tfa_reference import make_inputs, median_ms  # noqa: E402

import kerasdl  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent


def measure_kerasdl(args: argparse.Namespace) -> dict:
    inputs, tags, lengths, transitions = (
        tf.constant(a)
        for a in make_inputs(args.batch_size, args.max_length, args.num_tags, args.seed)
    )

    @tf.function(jit_compile=args.jit_compile)
    def nll_grad(inputs, tags, lengths, transitions):
        with tf.GradientTape() as tape:
            tape.watch([inputs, transitions])
            log_likelihood, _ = kerasdl.ops.crf_log_likelihood(inputs, tags, lengths, transitions)
            loss = -tf.reduce_mean(log_likelihood)
        return loss, tape.gradient(loss, [inputs, transitions])

    @tf.function(jit_compile=args.jit_compile)
    def decode(inputs, transitions, lengths):
        return kerasdl.ops.crf_decode(inputs, transitions, lengths)

    return {
        "nll_grad_ms": median_ms(
            nll_grad, (inputs, tags, lengths, transitions), args.warmup, args.repeats
        ),
        "decode_ms": median_ms(decode, (inputs, transitions, lengths), args.warmup, args.repeats),
    }


def measure_tfa(args: argparse.Namespace) -> dict:
    command = [args.tfa_python, str(HERE / "crf_tfa_reference.py")]
    for name in ("batch_size", "max_length", "num_tags", "warmup", "repeats", "seed"):
        command += [f"--{name}", str(getattr(args, name))]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        sys.exit(f"tfa reference run failed:\n{completed.stderr[-2000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tfa_python", help="interpreter with TF 2.15 + tensorflow-addons 0.23")
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--max_length", type=int, default=50)
    parser.add_argument("--num_tags", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jit_compile", action="store_true", help="XLA-compile kerasdl's side")
    args = parser.parse_args()

    ours = measure_kerasdl(args)
    reference = measure_tfa(args) if args.tfa_python else None
    print(
        f"CRF B={args.batch_size} T={args.max_length} K={args.num_tags}, graph mode, "
        f"median of {args.repeats} after {args.warmup} warm-up calls, TF {tf.__version__}"
    )
    print(f"{'':14}{'kerasdl ms':>12}{'tfa 0.23 ms':>13}{'speed-up':>10}")
    for key, label in (("nll_grad_ms", "NLL + grad"), ("decode_ms", "decode")):
        row = f"{label:14}{ours[key]:12.2f}"
        if reference:
            row += f"{reference[key]:13.2f}{reference[key] / ours[key]:9.1f}x"
        print(row)
    print(json.dumps({"kerasdl": ours, "tfa": reference}))


if __name__ == "__main__":
    main()
