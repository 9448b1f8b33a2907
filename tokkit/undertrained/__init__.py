"""`tokkit audit`: under-trained and glitch tokens, from the weights, confirmed by prompting."""
