"""The docs: every CLI option is on its command's page, and every link between docs resolves."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import typer
from test_help import commands

from tokkit.cli import app

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"

# Page of each command: docs/<first word of the command>.md; the root's global options are on the index.
# A command documented elsewhere gets an entry here.
PAGES: dict[tuple[str, ...], str] = {(): "index.md"}


def page_for(path: tuple[str, ...]) -> Path:
    return DOCS / PAGES.get(path[:1], f"{path[0]}.md" if path else "index.md")


def _option_names(command: object) -> list[str]:
    names = []
    for param in command.params:  # type: ignore[attr-defined]
        if param.param_type_name == "option" and param.name != "help":
            names += [o for o in (*param.opts, *param.secondary_opts) if o.startswith("--")]
    return names


OPTIONS = [
    (path, name)
    for path, command in commands(typer.main.get_command(app))
    for name in _option_names(command)
]
LEAVES = [path for path, command in commands(typer.main.get_command(app)) if path and not hasattr(command, "commands")]


# Hidden sub-commands a user never types: `tokkit transplant BASE ...` runs `transplant run`.
IMPLIED: dict[tuple[str, ...], tuple[str, ...]] = {("transplant", "run"): ("transplant",)}


def test_every_command_has_a_page() -> None:
    typed = {" ".join(IMPLIED.get(p, p)) for p in LEAVES}
    assert typed >= {"evaluate", "train", "transplant", "transplant heal", "audit", "report", "adversarial generate"}
    for path in LEAVES:
        page, name = page_for(path), " ".join(IMPLIED.get(path, path))
        assert page.is_file(), f"tokkit {name}: no page {page.relative_to(REPO)}"
        assert f"tokkit {name}" in page.read_text(encoding="utf-8"), f"{page.name} never names the command"


@pytest.mark.parametrize(("path", "name"), OPTIONS, ids=[f"{' '.join(p) or 'tokkit'} {n}" for p, n in OPTIONS])
def test_every_option_is_documented(path: tuple[str, ...], name: str) -> None:
    page = page_for(path)
    text = page.read_text(encoding="utf-8") if page.is_file() else ""
    # `--lang` must appear as itself, not only inside `--lang-column`
    assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text), f"{name} is not on {page.relative_to(REPO)}"


def slug(heading: str) -> str:
    """GitHub's anchor of a markdown heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = "".join(c for c in text if c in " -" or unicodedata.category(c)[0] in "LN")
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    return {slug(m) for m in re.findall(r"^#+\s+(.+)$", text, flags=re.M)}


MARKDOWN = sorted([REPO / "README.md", REPO / "CHANGELOG.md", *DOCS.glob("*.md")])
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


@pytest.mark.parametrize("page", MARKDOWN, ids=[p.name for p in MARKDOWN])
def test_links_resolve(page: Path) -> None:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue  # http(s), mailto: not checked offline
        file, _, anchor = target.partition("#")
        dest = (page.parent / file).resolve() if file else page
        assert dest.exists(), f"{page.name}: link to {target} does not resolve"
        if anchor and dest.suffix == ".md":
            assert anchor in anchors(dest), f"{page.name}: no heading #{anchor} in {dest.name}"


def test_slug_matches_github() -> None:
    assert slug("On a cluster (`--engine dask`)") == "on-a-cluster---engine-dask"
    assert slug("%TR and %Pure (`--metrics linguistic`)") == "tr-and-pure---metrics-linguistic"


def test_readme_is_short() -> None:
    assert len((REPO / "README.md").read_text(encoding="utf-8").splitlines()) <= 250
