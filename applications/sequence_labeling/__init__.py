"""Sequence labeling trainer (BiLSTM-CRF): `python -m applications.sequence_labeling`."""
