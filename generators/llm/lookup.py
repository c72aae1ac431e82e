"""Prompt lookup: guessing the next tokens of an answer from the words already in front of the model.

A grounded card copies its sources: names, dates, measurements, whole phrases.
When the last few tokens written also occur earlier (in the sources, or earlier
in the answer), the tokens that followed them there are a good guess for what
comes next. The engine checks such a guess in one evaluation (on a CPU, reading
the weights once for several tokens costs little more than for one) and keeps
only the part the model itself would have written, so the text is the model's
own either way; only the number of evaluations changes.

This module is the guessing and the answer's text bookkeeping (stop strings,
characters split across tokens); the engine (llamacpp_python_engine) does the
evaluating. Plain Python, no llama.cpp, so it is tested on its own.
"""

from __future__ import annotations

from collections.abc import Sequence


class NgramIndex:
    """Where each short run of tokens (an n-gram) last occurred, to propose what followed it.

    llama-cpp-python's LlamaPromptLookupDecoding scans the whole text with numpy
    at every step and takes the earliest match; llama.cpp's examples/lookup keeps
    frequency statistics per n-gram. Here a dictionary maps each n-gram to the
    position after its latest occurrence, updated as tokens are accepted: one
    lookup per step whatever the prompt length, and the latest occurrence is the
    one nearest the words being written.
    """

    def __init__(self, tokens: Sequence[int], *, ngram_max: int = 3, ngram_min: int = 1) -> None:
        if not 1 <= ngram_min <= ngram_max:
            raise ValueError(f"n-gram sizes must satisfy 1 <= min <= max, not {ngram_min}..{ngram_max}")
        self._min, self._max = ngram_min, ngram_max
        self._tokens: list[int] = []
        self._after: dict[tuple[int, ...], int] = {}  # n-gram -> index of the token that followed it last
        for token in tokens:
            self.append(token)

    def __len__(self) -> int:
        return len(self._tokens)

    def append(self, token: int) -> None:
        self._tokens.append(token)
        # The n-grams that end just before this token now have a known follower.
        end = len(self._tokens) - 1
        for n in range(self._min, self._max + 1):
            if end - n < 0:
                break
            self._after[tuple(self._tokens[end - n : end])] = end

    def propose(self, count: int) -> list[int]:
        """Up to `count` tokens that followed the longest n-gram ending the text, where it last occurred."""
        if count <= 0:
            return []
        size = len(self._tokens)
        for n in range(min(self._max, size), self._min - 1, -1):
            start = self._after.get(tuple(self._tokens[size - n :]))
            if start is not None:
                return self._tokens[start : start + count]
        return []


def _complete_utf8_end(data: bytes) -> int:
    """Length of the longest prefix of `data` that does not end inside a UTF-8 character."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 == 0x80:  # a continuation byte: look further back for the lead byte
            continue
        need = 1 if byte < 0x80 else 2 if byte >> 5 == 0b110 else 3 if byte >> 4 == 0b1110 else 4
        return len(data) - back if need > back else len(data)
    return len(data)


class AnswerText:
    """The answer's bytes as tokens arrive, released as text the caller may show.

    Held back: the end of a character split across tokens, and any ending that
    could be the start of a stop string (a stop string itself is never shown).
    The result is the text llama-cpp-python's own completion gives: everything
    before the first stop string, decoded with undecodable bytes dropped.
    """

    def __init__(self, stops: Sequence[str]) -> None:
        self._stops = [s.encode("utf-8") for s in stops if s]
        self._data = b""
        self._sent = 0  # bytes already released
        self._released: list[str] = []
        self.stopped = False

    def add(self, piece: bytes) -> str:
        """Take one token's bytes; return the text that can be released now ("" if none)."""
        if self.stopped:
            return ""
        self._data += piece
        hits = [self._data.find(stop) for stop in self._stops if stop in self._data]
        if hits:
            self.stopped = True
            return self._release(min(hits))
        held = 0
        tail = len(self._data) - self._sent
        for stop in self._stops:
            for n in range(min(len(stop) - 1, tail), 0, -1):
                if self._data.endswith(stop[:n]):
                    held = max(held, n)
                    break
        return self._release(_complete_utf8_end(self._data[: len(self._data) - held]))

    def finish(self) -> str:
        """The rest, once the answer has ended without a stop string."""
        return "" if self.stopped else self._release(len(self._data))

    def text(self) -> str:
        """Everything released so far."""
        return "".join(self._released)

    def _release(self, end: int) -> str:
        if end <= self._sent:
            return ""
        out = self._data[self._sent : end].decode("utf-8", errors="ignore")
        self._sent = end
        self._released.append(out)
        return out
