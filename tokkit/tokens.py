"""Token text conventions shared by every layer."""

from __future__ import annotations

MARKERS = ("Ġ", "▁", "##")  # word-start / continuation markers: byte-level BPE, SentencePiece, WordPiece


def strip_markers(text: str) -> str:
    """Remove word-start markers and surrounding whitespace: `Ġkitap`, `▁kitap`, `##lar` → `kitap`, `lar`."""
    text = text.strip()
    changed = True
    while changed:
        changed = False
        for marker in MARKERS:
            if text.startswith(marker):
                text = text[len(marker) :].strip()
                changed = True
    return text
