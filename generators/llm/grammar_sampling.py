"""Sampling under a grammar the way llama.cpp's own common_sampler does it: the
grammar is asked about the chosen token only, and applied to the whole vocabulary
only when it refuses that token.

llama-cpp-python 0.3.36 puts the grammar into its sampler chain before top-k, so the
grammar is matched against every token of the vocabulary (151k for Qwen) at every
step: ~17 ms a token for a composition answer with qwen2.5-coder-0.5b on two cores,
about as long as the model's own step (docs/BENCHMARKS.md). Most of the time the
model's own choice is allowed (it copies the schema's keys and the facts' words), so
checking that one token is enough. When it is not, the grammar masks the vocabulary
and the chain samples again, as the library would have: a greedy answer is the same
token for token (the argmax of the logits, when allowed, is the argmax of the allowed
ones; greedy takes the first of equal logits either way). A sampled answer draws from
the model's distribution and keeps the draw when the grammar allows it, which is
llama.cpp's choice too (common/sampling.cpp, grammar_first=false).

The grammar work itself stays in llama.cpp (llama_sampler_init_grammar); this module
only moves the candidates between the chain and the grammar.
"""

from __future__ import annotations

import ctypes
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from generators.llm.base import LanguageModelError

if TYPE_CHECKING:
    from llama_cpp import Llama, LlamaGrammar

_TOKEN_DATA = np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)], align=True)


class GrammarSampler:
    """Picks each answer token with `chain` (the request's own sampler chain, built
    without a grammar) and keeps it inside `grammar`. `pick` then `accept`, one token
    at a time; `close` frees the llama.cpp samplers (the chain's too)."""

    def __init__(self, llm: Llama, grammar: LlamaGrammar, chain: Any) -> None:
        import llama_cpp

        self._llama_cpp = llama_cpp
        self._ctx = llm._ctx.ctx
        self._chain = chain  # llama_cpp._internals.LlamaSampler
        self._chain_ptr = chain.sampler
        self.resampled = 0  # tokens the grammar refused and the chain chose again (benches report it)
        vocab = llm._model.vocab
        self._grammar = llama_cpp.llama_sampler_init_grammar(
            vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
        )
        if not self._grammar:
            chain.close()
            raise LanguageModelError("llama.cpp could not parse the grammar made from the JSON schema")
        self._n_vocab = int(llama_cpp.llama_vocab_n_tokens(vocab))
        self._ids = np.arange(self._n_vocab, dtype=np.intc)
        # One buffer of candidates for the whole answer, refilled from the logits at each step.
        self._data = np.zeros(self._n_vocab, dtype=_TOKEN_DATA)
        self._cur = llama_cpp.llama_token_data_array(
            data=self._data.ctypes.data_as(llama_cpp.llama_token_data_p), size=self._n_vocab, selected=-1, sorted=False
        )
        self._one = np.zeros(1, dtype=_TOKEN_DATA)
        self._single = llama_cpp.llama_token_data_array(
            data=self._one.ctypes.data_as(llama_cpp.llama_token_data_p), size=1, selected=-1, sorted=False
        )

    def _fill(self, row: int) -> None:
        """The candidates as llama_sampler_sample builds them: every token with its logit, unsorted."""
        logits = self._llama_cpp.llama_get_logits_ith(self._ctx, row)
        if not logits:
            raise LanguageModelError("llama.cpp gave no logits for the answer's next token")
        self._data["id"] = self._ids
        self._data["logit"] = np.ctypeslib.as_array(logits, shape=(self._n_vocab,))
        self._data["p"] = 0.0
        self._cur.size = self._n_vocab
        self._cur.selected = -1
        self._cur.sorted = False

    def _chosen(self) -> int:
        selected = int(self._cur.selected)
        if not 0 <= selected < int(self._cur.size):
            raise LanguageModelError("the sampler chose no token under the JSON schema's grammar")
        return int(self._data[selected]["id"])

    def allows(self, token: int) -> bool:
        """Whether the grammar, in its present state, lets `token` come next."""
        self._one[0] = (token, 1.0, 0.0)
        self._single.size = 1
        self._single.selected = -1
        self._llama_cpp.llama_sampler_apply(self._grammar, ctypes.byref(self._single))
        return not math.isinf(float(self._one[0]["logit"]))

    def pick(self, row: int) -> int:
        """The next token from the logits of batch row `row`, one the grammar allows.
        A grammar that allows no token at all is this answer's error (the chain would
        otherwise pick among refused tokens, and accepting one aborts llama.cpp)."""
        cur = ctypes.byref(self._cur)
        apply = self._llama_cpp.llama_sampler_apply
        self._fill(row)
        apply(self._chain_ptr, cur)
        token = self._chosen()
        if self.allows(token):
            return token
        self.resampled += 1
        self._fill(row)
        apply(self._grammar, cur)
        if not np.isfinite(self._data["logit"][: int(self._cur.size)]).any():
            raise LanguageModelError("the JSON schema's grammar allows no token here; the answer stops")
        apply(self._chain_ptr, cur)
        token = self._chosen()
        if not self.allows(token):  # a chain that picked a masked token (all it kept was masked)
            raise LanguageModelError("the sampler chose a token the JSON schema's grammar refuses")
        return token

    def accept(self, token: int) -> None:
        """Move the grammar and the chain (its repeat window) past `token`. The end of
        the answer is not given to the grammar: it is allowed only where the grammar is
        complete, and the caller stops there."""
        self._llama_cpp.llama_sampler_accept(self._grammar, token)
        self._llama_cpp.llama_sampler_accept(self._chain_ptr, token)

    def close(self) -> None:
        if self._grammar:
            self._llama_cpp.llama_sampler_free(self._grammar)
            self._grammar = None
        self._chain.close()
