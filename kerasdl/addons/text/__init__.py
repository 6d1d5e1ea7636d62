"""tfa.text under Keras 3: the linear-chain CRF functions with tfa's names and arguments,
and `CRFModelWrapper`, the model that trains tfa's CRF layer."""

from kerasdl.addons.text.crf import (
    CrfDecodeForwardRnnCell,
    crf_binary_score,
    crf_constrained_decode,
    crf_decode,
    crf_decode_backward,
    crf_decode_forward,
    crf_filtered_inputs,
    crf_forward,
    crf_log_likelihood,
    crf_log_norm,
    crf_multitag_sequence_score,
    crf_sequence_score,
    crf_unary_score,
    viterbi_decode,
)
from kerasdl.addons.text.crf_wrapper import CRFModelWrapper
from kerasdl.addons.text.parse_time_op import parse_time
from kerasdl.addons.text.skip_gram_ops import skip_gram_sample, skip_gram_sample_with_text_vocab

__all__ = [
    "CRFModelWrapper",
    "CrfDecodeForwardRnnCell",
    "crf_binary_score",
    "crf_constrained_decode",
    "crf_decode",
    "crf_decode_backward",
    "crf_decode_forward",
    "crf_filtered_inputs",
    "crf_forward",
    "crf_log_likelihood",
    "crf_log_norm",
    "crf_multitag_sequence_score",
    "crf_sequence_score",
    "crf_unary_score",
    "parse_time",
    "skip_gram_sample",
    "skip_gram_sample_with_text_vocab",
    "viterbi_decode",
]
