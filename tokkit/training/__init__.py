"""Tokenizer training: Hugging Face `tokenizers`, SentencePiece, SuperBPE and supertokens."""
