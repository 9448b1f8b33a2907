"""Read corpora: a text file, a directory of `<lang>.txt` files (or `<lang>/` directories of `.txt`
shards), or `.jsonl`/`.parquet` with a text column.

A file's language is its name up to the first dot, read as a language identity
(`tokkit.languages.Language`): `zho_Hans.txt` and `zho_Hant.txt` are two languages, `eng.txt`
and `eng_Latn.txt` one (an error). FLORES-200's own `<lang>.dev`/`<lang>.devtest` files count as text.

Text is streamed in batches of lines (never read whole), validated on the way: UTF-8 only,
no NUL bytes, a leading BOM dropped, CRLF and CR line ends read as LF.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tokkit.errors import InputError
from tokkit.languages import clashes, normalize_lang

TEXT_SUFFIXES = {".txt", ".text", ""}
TABLE_SUFFIXES = {".jsonl", ".parquet"}
DIRECTORY_TEXT_SUFFIXES = {".txt", ".dev", ".devtest"}  # text files of a directory (FLORES-200 names its splits)


@dataclass(frozen=True, slots=True)
class CorpusFile:
    """One file of a corpus; `lang` is None when languages come from a column."""

    path: Path
    lang: str | None
    n_bytes: int


@dataclass(frozen=True, slots=True)
class Corpus:
    """A corpus: its files, and whether its text files are line-aligned (parallel)."""

    name: str
    files: tuple[CorpusFile, ...]
    line_counts: dict[str, int]  # raw line count per language of text files
    text_column: str = "text"
    lang_column: str = "lang"

    @property
    def is_parallel(self) -> bool:
        """True when every language has the same number of lines (and there are at least two)."""
        return len(self.line_counts) >= 2 and len(set(self.line_counts.values())) == 1

    @property
    def n_bytes(self) -> int:
        return sum(f.n_bytes for f in self.files)

    def select(self, langs: Iterable[str]) -> Corpus:
        """The same corpus restricted to `langs` (named `corpus:lang` for a single language)."""
        keep = set(langs)
        files = tuple(f for f in self.files if f.lang in keep)
        counts = {k: v for k, v in self.line_counts.items() if k in keep}
        name = f"{self.name}:{next(iter(keep))}" if len(keep) == 1 else self.name
        return Corpus(name, files, counts, self.text_column, self.lang_column)

    def shards(self) -> tuple[Corpus, ...]:
        """The corpus cut into its shards, one per file, each under the corpus's name.

        Every count tokkit takes is a sum over lines, so the counts of the shards, merged per
        language, are the counts of the corpus. Line counts (parallelism) belong to the whole
        corpus, so a shard has none.
        """
        return tuple(Corpus(self.name, (f,), {}, self.text_column, self.lang_column) for f in self.files)


def open_corpus(
    path: Path,
    *,
    lang: str | None = None,
    text_column: str = "text",
    lang_column: str = "lang",
    all_files: bool = False,
) -> Corpus:
    """Describe the corpus at `path` (nothing is read but line counts of text files).

    A directory holds `<lang>.txt` (and .jsonl/.parquet) files, and `<lang>/` directories whose
    `.txt` files are shards of that language (empty shards are skipped); with `all_files`
    (training), every non-hidden file below it is text of `lang` (or "und"), whatever its name.
    """
    if not path.exists():
        raise InputError(f"corpus {path} does not exist", hint="pass a file, or a directory of <lang>.txt files")
    if path.is_dir() and all_files:
        candidates = sorted(
            p for p in path.rglob("*") if p.is_file() and not any(x.startswith(".") for x in p.relative_to(path).parts)
        )
        if not candidates:
            raise InputError(f"corpus directory {path} has no files")
        files = tuple(_corpus_file(p, lang or "und") for p in candidates if p.stat().st_size > 0)
        if not files:
            raise InputError(f"corpus directory {path} has only empty files")
    elif path.is_dir():
        suffixes = DIRECTORY_TEXT_SUFFIXES | TABLE_SUFFIXES
        candidates = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in suffixes)
        shard_dirs = {d: shards for d in sorted(path.iterdir()) if (shards := _shard_files(d))}
        if not candidates and not shard_dirs:
            raise InputError(
                f"corpus directory {path} has no .txt, .jsonl or .parquet files",
                hint="a corpus directory holds <lang>.txt files, or <lang>/ directories of .txt shards",
            )
        # with `lang`, every file of the directory is text of that one language
        files = tuple(_corpus_file(p, lang) for p in candidates)
        sources = [(f.lang, f.path.name) for f in files if f.lang is not None]
        for d, shards in shard_dirs.items():
            shard_lang = normalize_lang(lang or d.name)
            sources.append((shard_lang, f"{d.name}/"))
            nonempty = tuple(CorpusFile(p, shard_lang, size) for p in shards if (size := p.stat().st_size) > 0)
            if not nonempty:
                raise InputError(f"shard directory {d} has only empty files")
            files += nonempty
        if lang is None:
            _check_distinct(path, sources)
    else:
        files = (_corpus_file(path, lang),)
    counts: dict[str, int] = {}
    for f in files:
        if f.lang is not None:
            counts[f.lang] = counts.get(f.lang, 0) + count_lines(f.path)
    return Corpus(path.name or str(path), files, counts, text_column, lang_column)


def _check_distinct(path: Path, sources: list[tuple[str, str]]) -> None:
    """One file (or shard directory) per language identity: `zho.txt` + `zho_Hans.txt`, or
    `eng.txt` + `eng/`, name the same text twice."""
    names: dict[str, list[str]] = {}
    for lang, name in sources:
        names.setdefault(lang, []).append(name)
    same = [(lang, names[lang]) for lang in names if len(names[lang]) > 1]
    for a, b in clashes(names):
        same.append((f"{a} and {b}", names[a] + names[b]))
    if same:
        what, listed = same[0]
        shard = next((n for n in listed if n.endswith("/")), None)
        if shard is not None:
            raise InputError(
                f"corpus directory {path} has {shard} and another file or directory for language {what} "
                f"({', '.join(listed)})",
                hint="put a language's text either in <lang>.txt or in <lang>/ shards, not both",
            )
        raise InputError(
            f"corpus directory {path} has several files for language {what}: {', '.join(listed)}",
            hint="keep one file (or <lang>/ shard directory) per language; name scripts apart (zho_Hans, zho_Hant), "
            "or pass --lang when all files are one language",
        )


def _shard_files(directory: Path) -> list[Path]:
    """The `.txt` shards of a `<lang>/` directory (none for files and hidden directories)."""
    if not directory.is_dir() or directory.name.startswith("."):
        return []
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix == ".txt" and not p.name.startswith("."))


def _corpus_file(path: Path, lang: str | None) -> CorpusFile:
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"corpus file {path} is empty")
    if path.suffix in TABLE_SUFFIXES:
        return CorpusFile(path, normalize_lang(lang) if lang else None, size)
    stem = path.name.split(".")[0]
    return CorpusFile(path, normalize_lang(lang or stem), size)


def count_lines(path: Path) -> int:
    """Number of lines (LF, CRLF or CR ends; a last line without a newline counts)."""
    n_lf = n_cr = n_crlf = 0
    last = b""
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            n_lf += chunk.count(b"\n")
            n_cr += chunk.count(b"\r")
            n_crlf += chunk.count(b"\r\n") + (last == b"\r" and chunk[:1] == b"\n")
            last = chunk[-1:]
    ends = n_lf + n_cr - n_crlf
    return ends + (0 if last in (b"\n", b"\r") else 1)


def line_source(corpora: Sequence[Corpus]) -> Callable[[], Iterator[str]]:
    """A factory of fresh iterators over every non-empty line of the corpora, streamed from disk
    each time (trainers that read twice call it twice)."""

    def lines() -> Iterator[str]:
        for corpus in corpora:
            for _, batch, _ in iter_batches(corpus):
                yield from batch

    return lines


def iter_batches(corpus: Corpus, batch_size: int = 2048) -> Iterator[tuple[str, list[str], int]]:
    """Yield (lang, non-empty lines, bytes read) batches, file by file, streaming."""
    for f in corpus.files:
        if f.path.suffix == ".jsonl":
            yield from _jsonl_batches(f, corpus, batch_size)
        elif f.path.suffix == ".parquet":
            yield from _parquet_batches(f, corpus, batch_size)
        else:
            yield from _text_batches(f, batch_size)


READ_CHUNK = 1 << 20  # characters read at a time


def _text_batches(f: CorpusFile, batch_size: int) -> Iterator[tuple[str, list[str], int]]:
    assert f.lang is not None
    pending: list[str] = []
    tail = ""  # the unfinished last line of the text read so far
    n_read = 0
    lineno = 0  # complete lines read so far
    try:
        with f.path.open("r", encoding="utf-8-sig", newline=None) as fh:
            while chunk := fh.read(READ_CHUNK):
                if "\x00" in chunk:
                    at = lineno + chunk[: chunk.index("\x00")].count("\n") + 1
                    raise InputError(
                        f"corpus file {f.path} looks binary (NUL byte on line {at})", hint="pass plain UTF-8 text"
                    )
                n_read += len(chunk)
                parts = (tail + chunk).split("\n")
                tail = parts.pop()
                lineno += len(parts)
                pending += filter(None, parts)
                while len(pending) >= batch_size:
                    yield f.lang, pending[:batch_size], n_read
                    pending, n_read = pending[batch_size:], 0
    except UnicodeDecodeError as e:
        with f.path.open("rb") as fh:
            if b"\x00" in fh.read(8192):
                raise InputError(
                    f"corpus file {f.path} looks binary (NUL bytes)", hint="pass plain UTF-8 text"
                ) from None
        raise InputError(
            f"corpus file {f.path} is not valid UTF-8 (after line {lineno}, byte {e.start} of a chunk: "
            f"{e.object[e.start : e.start + 4]!r})",
            hint="convert it first, e.g. iconv -f LATIN1 -t UTF-8",
        ) from None
    if tail:
        pending.append(tail)
    if pending or n_read:
        yield f.lang, pending, n_read


def _record_text(record: object, corpus: Corpus, where: str) -> tuple[str | None, str]:
    if not isinstance(record, dict) or corpus.text_column not in record:
        raise InputError(f"{where} has no {corpus.text_column!r} field", hint="choose it with --text-column")
    text = record[corpus.text_column]
    if not isinstance(text, str):
        raise InputError(f"{where}: field {corpus.text_column!r} is not a string")
    lang = record.get(corpus.lang_column)
    return (normalize_lang(lang) if isinstance(lang, str) else None), text


def _split_records(texts: list[tuple[str, str]], batch_size: int) -> Iterator[tuple[str, list[str]]]:
    by_lang: dict[str, list[str]] = {}
    for lang, text in texts:
        by_lang.setdefault(lang, []).extend(line for line in text.splitlines() if line)
    for lang, lines in by_lang.items():
        for i in range(0, len(lines), batch_size):
            yield lang, lines[i : i + batch_size]


def iter_json_lines(path: Path) -> Iterator[tuple[int, object, int]]:
    """(line number, parsed JSON, characters read) for each non-blank line of a JSON-lines file."""
    try:
        with path.open("r", encoding="utf-8-sig") as fh:
            for lineno, raw in enumerate(fh, 1):
                if not raw.strip():
                    continue
                try:
                    yield lineno, json.loads(raw), len(raw)
                except json.JSONDecodeError as e:
                    raise InputError(f"{path} line {lineno} is not valid JSON ({e.msg})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path} is not valid UTF-8", hint="convert it to UTF-8 first") from None


def _jsonl_batches(f: CorpusFile, corpus: Corpus, batch_size: int) -> Iterator[tuple[str, list[str], int]]:
    pending: list[tuple[str, str]] = []
    n_read = 0
    default = f.lang or "und"
    for lineno, record, size in iter_json_lines(f.path):
        n_read += size
        lang, text = _record_text(record, corpus, f"{f.path} line {lineno}")
        pending.append((f.lang or lang or default, text))
        if len(pending) >= batch_size:
            for lang_, lines in _split_records(pending, batch_size):
                yield lang_, lines, n_read
                n_read = 0
            pending = []
    for lang_, lines in _split_records(pending, batch_size):
        yield lang_, lines, n_read
        n_read = 0


def _parquet_batches(f: CorpusFile, corpus: Corpus, batch_size: int) -> Iterator[tuple[str, list[str], int]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(f.path)
    except (pa.ArrowInvalid, OSError) as e:
        raise InputError(f"{f.path} is not a readable parquet file ({e})") from None
    names = set(pf.schema_arrow.names)
    if corpus.text_column not in names:
        raise InputError(
            f"{f.path} has no column {corpus.text_column!r} (columns: {', '.join(sorted(names))})",
            hint="choose it with --text-column",
        )
    columns = [corpus.text_column] + ([corpus.lang_column] if corpus.lang_column in names else [])
    per_row = f.n_bytes / max(pf.metadata.num_rows, 1)
    for rb in pf.iter_batches(batch_size=batch_size, columns=columns):
        texts = rb.column(corpus.text_column).to_pylist()
        langs = rb.column(corpus.lang_column).to_pylist() if len(columns) == 2 else [None] * len(texts)
        pairs = [
            (f.lang or (normalize_lang(lg) if isinstance(lg, str) else "und"), t)
            for t, lg in zip(texts, langs, strict=True)
            if isinstance(t, str)
        ]
        n_read = int(per_row * rb.num_rows)
        for lang, lines in _split_records(pairs, batch_size):
            yield lang, lines, n_read
            n_read = 0


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def read_text_file(path: Path, *, what: str) -> str:
    """A whole UTF-8 text file; one clear error when it is missing, not UTF-8 or empty."""
    if not path.is_file():
        raise InputError(f"{what} {path} does not exist or is not a file")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{what} {path} is not UTF-8 (byte {e.start})", hint="convert it to UTF-8") from None
    if not text.strip():
        raise InputError(f"{what} {path} is empty")
    return text
