"""Text that talks to the model instead of about the object.

A source may carry instructions addressed to an AI ("ignore previous
instructions", "mark this as approved", 忽略之前的指令). Such passages are
flagged at import and kept out of fact extraction until a curator clears
them. These are patterns, not understanding: they catch the phrasings that
have been seen and their close variants, and say which words matched so a
curator can judge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "ignore_instructions",
        r"\b(ignore|disregard|forget|override)\b[^.\n]{0,40}\b(previous|prior|above|earlier|all|your|the)\b[^.\n]{0,20}\b(instructions?|prompts?|rules|directions)\b",
    ),
    ("new_instructions", r"\b(new|updated|real|actual)\s+instructions?\s*:"),
    (
        "approval_request",
        r"\b(mark|flag|set|treat|record)\b[^.\n]{0,30}\bas\s+(approved|reviewed|verified|accepted|published)\b",
    ),
    (
        "approval_request",
        r"\b(approve|publish)\s+(this|it|the\s+(card|draft|text))\b[^.\n]{0,30}\b(automatically|immediately|without)\b",
    ),
    (
        "addressed_to_ai",
        r"\b(you\s+are|as)\s+(an?\s+)?(ai|a\.i\.|language\s+model|llm|assistant|chatbot|large\s+language\s+model)\b",
    ),
    ("addressed_to_ai", r"\b(dear|attention|note\s+to\s+(the\s+)?)\s*(ai|llm|language\s+model|assistant|model)\b"),
    ("addressed_to_ai", r"\b(ai|llm|language\s+model|assistant|model)s?\s*(reading|processing)\s+this\b"),
    ("system_prompt", r"\b(system\s+prompt|developer\s+mode|jailbreak)\b"),
    ("do_not_flag", r"\b(do\s+not|don't|never)\s+(flag|check|cite|mention\s+this|report)\b"),
    (
        "ignore_instructions",
        r"(忽略|无视|忘记|不要理会)[^。\n]{0,10}(之前|以上|先前|前面|所有)[^。\n]{0,6}(指令|指示|提示|规则)",
    ),
    ("approval_request", r"(标记|设为|视为|当作)[^。\n]{0,6}(已批准|已审核|已通过|批准)"),
    ("approval_request", r"(自动|直接)(批准|通过|发布)"),
    ("addressed_to_ai", r"(你是|作为)(一个|一名)?(人工智能|AI|语言模型|大模型|助手)"),
    ("system_prompt", r"(系统提示|系统指令)"),
)
_COMPILED = tuple((kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in _PATTERNS)


@dataclass(frozen=True)
class Instruction:
    """Words in a passage that address a model; `kind` says which sort."""

    kind: str
    start: int
    end: int
    excerpt: str


def find_instructions(text: str) -> list[Instruction]:
    out: list[Instruction] = []
    for kind, pattern in _COMPILED:
        for m in pattern.finditer(text):
            if any(not (m.end() <= i.start or m.start() >= i.end) for i in out):
                continue
            out.append(Instruction(kind, m.start(), m.end(), m.group(0)))
    return sorted(out, key=lambda i: i.start)
