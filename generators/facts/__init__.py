"""Facts: atomic claims about an exhibit, each tied to the exact words of a passage.

Rules find what rules can (dates, periods and reigns, dimensions and weights,
accession numbers, materials); a language model proposes the rest under a JSON
schema, and anything whose quoted words are not literally in its passage is
dropped. Cards are then composed from facts a person approved. Pure: no studio
imports, no Qt.
"""
