"""tokkit: tokenizer analysis and surgery."""

__version__ = "0.1.0"
