"""Training: fit the artefacts that decide rankings (dense adapter, ranker, refusal calibration) on train splits."""
