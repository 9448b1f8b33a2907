"""Figures people would rather look at than read. Each returns a matplotlib Figure; io saves it."""

from __future__ import annotations

from typing import Any

import pandas as pd

from tokkit.languages import language_label


def premium_figure(table: pd.DataFrame, *, reference: str) -> Any:
    """Horizontal bars of token premium per language (sorted, worst at the top), one colour per tokenizer."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = table.dropna(subset=["token_premium"])
    pivot = data.pivot_table(index="lang", columns="tokenizer", values="token_premium", aggfunc="mean")
    pivot = pivot.loc[pivot.mean(axis=1).sort_values().index]
    n_langs, n_toks = pivot.shape
    height = max(3.0, 0.22 * n_langs * max(n_toks, 1) + 1.5)
    fig, ax = plt.subplots(figsize=(9, height), dpi=110)
    bar = 0.8 / max(n_toks, 1)
    colors = plt.get_cmap("tab10")
    for j, tok in enumerate(pivot.columns):
        ys = [i + (j - (n_toks - 1) / 2) * bar for i in range(n_langs)]
        ax.barh(ys, pivot[tok].values, height=bar, color=colors(j % 10), label=str(tok))
    labels = [language_label(lang) for lang in pivot.index]
    ax.set_yticks(range(n_langs), labels)
    ax.axvline(1.0, color="black", linewidth=0.8, linestyle="--")
    ax.set_xlabel(f"token premium (tokens relative to {reference}; 1.0 = parity)")
    ax.set_title("Token premium per language (corpus token count ratio on parallel text)")
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    ax.legend(loc="lower right", frameon=True)
    ax.margins(y=0.01)
    fig.tight_layout()
    return fig


def ctc_vs_vocab_figure(table: pd.DataFrame, laws: dict[str, Any], target: float | None) -> Any:
    """CTC on the evaluation corpus against vocabulary size per language, with fitted power laws."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(9, 6), dpi=110)
    grid = table[table.role == "grid"]
    colors = plt.get_cmap("tab10" if grid.lang.nunique() <= 10 else "tab20")
    for k, (lang, g) in enumerate(grid.groupby("lang", sort=True)):
        color = colors(k % 20)
        name = language_label(lang)
        ax.plot(g.vocab_size, g.n_tokens, "o", color=color, label=name)
        if lang in laws:
            law = laws[lang]
            xs = np.geomspace(law.lo, law.hi, 100)
            ax.plot(xs, [law.predict(x) for x in xs], "-", color=color, alpha=0.7)
    optimal = table[table.role == "optimal"]
    if len(optimal):
        ax.plot(
            optimal.vocab_size, optimal.n_tokens, "*", color="black", markersize=12, label="optimal size (achieved)"
        )
    if target is not None:
        ax.axhline(target, color="black", linestyle="--", linewidth=0.8, label=f"target CTC {target:,.0f}")
    ax.set_xscale("log")
    ax.set_xlabel("vocabulary size")
    ax.set_ylabel("corpus token count (CTC) on the evaluation corpus")
    ax.set_title("CTC vs vocabulary size per language (fitted: a·v^-b + c)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    return fig


def bar_figure(
    table: pd.DataFrame, label: str, values: list[str], *, title: str, xlabel: str, reference: float | None = None
) -> Any:
    """Horizontal bars of one or more value columns per row label (sorted by the first column)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = table.sort_values(values[0])
    n, m = len(data), len(values)
    fig, ax = plt.subplots(figsize=(8, max(3.0, 0.45 * n * m + 1.8)), dpi=110)
    bar = 0.8 / m
    colors = plt.get_cmap("tab10")
    for j, col in enumerate(values):
        ys = [i + (j - (m - 1) / 2) * bar for i in range(n)]
        ax.barh(ys, data[col].to_numpy(float), height=bar, color=colors(j), label=col)
        for y, v in zip(ys, data[col].to_numpy(float), strict=True):
            ax.text(v, y, f" {v:.3g}", va="center", fontsize=8)
    ax.set_yticks(range(n), [str(x) for x in data[label]])
    if reference is not None:
        ax.axvline(reference, color="black", linestyle="--", linewidth=0.8, label=f"base model {reference:.3f}")
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    ax.margins(x=0.12)  # room for the value labels
    if m > 1 or reference is not None:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.32), ncol=m + 1, frameon=False)
    fig.tight_layout()
    return fig


def audit_figure(table: pd.DataFrame, *, threshold: float, title: str, labels: int = 8) -> Any:
    """Histogram of the under-training indicator over ordinary tokens (log counts), the candidate
    threshold, and every verified token as a tick: red when confirmed, grey when not."""
    import matplotlib.pyplot as plt

    ok = table[table.kind == "ok"]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.hist(ok.indicator.to_numpy(float), bins=120, color="#4c72b0", alpha=0.8, log=True, label="ordinary tokens")
    if threshold > -float("inf"):
        ax.axvline(
            threshold, color="black", linestyle="--", linewidth=0.8, label=f"candidate threshold {threshold:.3g}"
        )
    verified = ok[ok.verified]
    for confirmed, color, name in ((False, "#999999", "verified, repeats fine"), (True, "#d62728", "confirmed")):
        part = verified[verified.confirmed == confirmed]
        if len(part):
            ax.plot(part.indicator, [0.6] * len(part), "|", color=color, markersize=18, label=f"{name} ({len(part)})")
    shown = verified[verified.confirmed].sort_values("indicator").head(labels)
    if len(shown):
        lines = ["confirmed (lowest indicator first):"] + [f"{_printable(t)!r}" for t in shown.text]
        ax.text(0.99, 0.62, "\n".join(lines), transform=ax.transAxes, ha="right", va="top", fontsize=7,
                color="#d62728", family="monospace")  # fmt: skip
    ax.set_ylim(bottom=0.4)
    ax.set_xlabel("indicator (lower = more under-trained)")
    ax.set_ylabel("tokens (log)")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def _printable(text: str) -> str:
    """Token text the default font can draw: characters past U+2FFF (CJK, cuneiform, ...) as U+XXXX."""
    return "".join(c if ord(c) < 0x3000 else f"U+{ord(c):04X}" for c in text)[:24]
