"""tfa.seq2seq under Keras 3: tfa's names, arguments and submodules.

The attention mechanisms, `AttentionWrapper` and the sequence loss are provided; the
decoders and samplers are listed in BUILD_NOTES' migration table.
"""

from kerasdl.addons.seq2seq.attention_wrapper import (
    AttentionMechanism,
    AttentionWrapper,
    AttentionWrapperState,
    BahdanauAttention,
    BahdanauMonotonicAttention,
    LuongAttention,
    LuongMonotonicAttention,
    hardmax,
    monotonic_attention,
    safe_cumprod,
)
from kerasdl.addons.seq2seq.loss import SequenceLoss, sequence_loss

__all__ = [
    # attention mechanisms, the attention wrapper and the sequence loss
    "AttentionMechanism",
    "AttentionWrapper",
    "AttentionWrapperState",
    "BahdanauAttention",
    "BahdanauMonotonicAttention",
    "LuongAttention",
    "LuongMonotonicAttention",
    "SequenceLoss",
    "hardmax",
    "monotonic_attention",
    "safe_cumprod",
    "sequence_loss",
]
