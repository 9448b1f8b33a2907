"""Word lists for adversarial cases: wordfreq's (offline) or the user's file."""

from __future__ import annotations

from pathlib import Path

from tokkit.errors import InputError
from tokkit.io.oracles import _wordfreq_code, supported_languages
from tokkit.languages import normalize_lang


def top_words(lang: str, n: int, path: Path | None = None) -> list[str]:
    """The `n` most frequent words of `lang` (wordfreq), or the first `n` lines of `path`."""
    if path is not None:
        if not path.is_file():
            raise InputError(f"--words {path} is not a file" if path.exists() else f"--words {path} does not exist")
        try:
            words = [w.strip() for w in path.read_text(encoding="utf-8").splitlines() if w.strip()]
        except UnicodeDecodeError:
            raise InputError(f"--words {path} is not UTF-8 text") from None
        if not words:
            raise InputError(f"--words {path} is empty")
        return words[:n]
    code = _wordfreq_code(normalize_lang(lang))
    if code is None:
        raise InputError(
            f"no word list for language {lang!r}",
            hint=f"pass --words FILE (one word per line), or use one of: {', '.join(supported_languages())}",
        )
    import wordfreq

    return list(wordfreq.top_n_list(code, n))
