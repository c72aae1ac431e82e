"""What can go wrong when a card is rendered, each with a message a curator can act on."""

from __future__ import annotations


class CardError(ValueError):
    """A card cannot be rendered as asked; the message names the field and the reason."""


class TemplateError(CardError):
    """A card template file is missing a part or has a value out of range."""


class GlyphMissingError(CardError):
    """The text uses a character that no font in the template's chain can draw."""


class CardOverflowError(CardError):
    """Text does not fit its box even at the template's smallest size; we never clip."""
