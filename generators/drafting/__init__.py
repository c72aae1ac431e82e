"""Grounded drafting: prompt templates, numbered passages and glossary, citations, candidates."""
