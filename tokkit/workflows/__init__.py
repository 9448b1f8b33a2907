"""One function per command: validate, run through io/ and the algorithms, return a typed result."""
