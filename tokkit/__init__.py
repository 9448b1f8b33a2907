"""tokkit: tokenizer analysis and surgery.

The Python API is one function per command (docs/api.md), loaded on first use so that `import tokkit`
stays cheap (no torch, transformers or pandas):

    from tokkit import evaluate, train, adversarial, transplant, heal, audit, report
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from tokkit.version import __version__

if TYPE_CHECKING:
    from tokkit.workflows import adversarial
    from tokkit.workflows.audit import audit
    from tokkit.workflows.evaluate import evaluate
    from tokkit.workflows.report import report
    from tokkit.workflows.train import train
    from tokkit.workflows.transplant import heal, transplant

# name -> (module, attribute); attribute None: the module itself
_API: dict[str, tuple[str, str | None]] = {
    "evaluate": ("tokkit.workflows.evaluate", "evaluate"),
    "adversarial": ("tokkit.workflows.adversarial", None),
    "train": ("tokkit.workflows.train", "train"),
    "transplant": ("tokkit.workflows.transplant", "transplant"),
    "heal": ("tokkit.workflows.transplant", "heal"),
    "audit": ("tokkit.workflows.audit", "audit"),
    "report": ("tokkit.workflows.report", "report"),
}
__all__ = ["__version__", "adversarial", "audit", "evaluate", "heal", "report", "train", "transplant"]


def __getattr__(name: str) -> Any:
    """PEP 562: import a workflow the first time its name is used."""
    if name not in _API:
        raise AttributeError(f"module 'tokkit' has no attribute {name!r}")
    module, attribute = _API[name]
    value = importlib.import_module(module)
    if attribute is not None:
        value = getattr(value, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
