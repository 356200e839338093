"""spyglass-answer-checks: evaluators for the answers an LLM application gives.

An example of an evaluator package written as a third party would: it depends on
``spyglass-core`` only and names this module in the ``spyglass.plugins`` entry-point
group (``answer_checks``). Installed next to Spyglass, its evaluators are listed by
``GET /api/public/unstable/evaluators/templates`` and can be assigned in evaluation
rules by name (``{"codeEvaluator": "readability"}``):

- ``readability``: the Flesch reading ease of the output (numeric, 0..100).
- ``cites_context_url``: the output links to a URL of the context (boolean).
"""

from __future__ import annotations

from collections.abc import Sequence

from spyglass_core.hookspecs import EvaluatorSpec, hookimpl

__all__ = ("register_evaluators",)


@hookimpl
def register_evaluators() -> Sequence[EvaluatorSpec]:
    """``readability`` and ``cites_context_url``."""
    from spyglass_answer_checks.citations import CITES_CONTEXT_URL
    from spyglass_answer_checks.readability import READABILITY

    return [READABILITY, CITES_CONTEXT_URL]
