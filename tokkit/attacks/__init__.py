"""Adversarial segmentation tests (ADT-style): generate, verify and score cases."""
