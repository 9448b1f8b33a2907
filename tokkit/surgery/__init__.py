"""Tokenizer transplantation: give a pretrained model a new vocabulary, keeping what it knows."""
