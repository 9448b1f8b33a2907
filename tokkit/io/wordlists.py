"""Word lists for adversarial cases: wordfreq's (offline) or the user's file."""

from __future__ import annotations

from pathlib import Path

from tokkit.errors import InputError
from tokkit.io.oracles import supported_languages, word_list
from tokkit.languages import Language


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
    found = word_list(lang)
    if found is None:
        raise InputError(
            f"no word list for language {lang!r}",
            hint=f"pass --words FILE (one word per line), or use one of: {', '.join(supported_languages())}",
        )
    script = Language.parse(lang).usual_script
    if script is not None and found.script is not None and script != found.script:
        raise InputError(
            f"wordfreq's word list for {lang!r} is in {found.script} script, not {script}",
            hint="pass --words FILE (one word per line, in the script you want)",
        )
    import wordfreq

    return list(wordfreq.top_n_list(found.code, n))
