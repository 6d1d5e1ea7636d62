"""Grapheme-to-phoneme trainer (attention encoder-decoder):
`python -m applications.grapheme_to_phoneme`."""
