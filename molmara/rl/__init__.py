"""Reinforcement learning: MARA reward augmentation, closed-form targets and losses."""
