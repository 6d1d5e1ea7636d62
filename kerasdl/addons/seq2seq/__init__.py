"""tfa.seq2seq under Keras 3: tfa's names, arguments and submodules.

The attention mechanisms, `AttentionWrapper` and the sequence loss; the decoders
(`BasicDecoder`, `BeamSearchDecoder`: Keras 3 layers driven by `dynamic_decode`, a
`tf.while_loop` run eagerly or in `tf.function`), the samplers, `tile_batch`, `gather_tree`
(tfa's C++ kernel as a reverse `tf.scan`) and `gather_tree_from_array`.
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
from kerasdl.addons.seq2seq.basic_decoder import BasicDecoder, BasicDecoderOutput
from kerasdl.addons.seq2seq.beam_search_decoder import (
    BeamSearchDecoder,
    BeamSearchDecoderOutput,
    BeamSearchDecoderState,
    FinalBeamSearchDecoderOutput,
    gather_tree,
    gather_tree_from_array,
    tile_batch,
)
from kerasdl.addons.seq2seq.decoder import BaseDecoder, Decoder, dynamic_decode
from kerasdl.addons.seq2seq.loss import SequenceLoss, sequence_loss
from kerasdl.addons.seq2seq.sampler import (
    CustomSampler,
    GreedyEmbeddingSampler,
    InferenceSampler,
    SampleEmbeddingSampler,
    Sampler,
    ScheduledEmbeddingTrainingSampler,
    ScheduledOutputTrainingSampler,
    TrainingSampler,
)

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
    # decoders, samplers and beam search
    "BaseDecoder",
    "BasicDecoder",
    "BasicDecoderOutput",
    "BeamSearchDecoder",
    "BeamSearchDecoderOutput",
    "BeamSearchDecoderState",
    "CustomSampler",
    "Decoder",
    "FinalBeamSearchDecoderOutput",
    "GreedyEmbeddingSampler",
    "InferenceSampler",
    "SampleEmbeddingSampler",
    "Sampler",
    "ScheduledEmbeddingTrainingSampler",
    "ScheduledOutputTrainingSampler",
    "TrainingSampler",
    "dynamic_decode",
    "gather_tree",
    "gather_tree_from_array",
    "tile_batch",
]
