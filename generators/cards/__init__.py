"""Visual cards: templates as data, CJK/English layout, Pillow rendering."""

from __future__ import annotations

from generators.cards.errors import CardError, CardOverflowError, GlyphMissingError, TemplateError
from generators.cards.parallel import render_many
from generators.cards.render import CardContent, RenderedCard, plan, render_card
from generators.cards.template import CardTemplate, available_templates, load_template

__all__ = [
    "CardContent",
    "CardError",
    "CardOverflowError",
    "CardTemplate",
    "GlyphMissingError",
    "RenderedCard",
    "TemplateError",
    "available_templates",
    "load_template",
    "plan",
    "render_card",
    "render_many",
]
