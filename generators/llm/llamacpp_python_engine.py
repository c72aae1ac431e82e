"""Embedded llama.cpp through llama-cpp-python (ctypes bindings; opens no port).

Generation and token counting both use the chat template stored in the GGUF,
so the count the drafting budget relies on is the count the engine will see.
"""

from __future__ import annotations

import atexit
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generators.llm.base import (
    CancelCheck,
    ChatMessage,
    Completion,
    GenerationParams,
    LanguageModelError,
    ModelIdentity,
    StreamClock,
    TokenSink,
    normalise_finish,
)
from generators.llm.grammar_sampling import GrammarSampler
from generators.llm.lookup import AnswerText, NgramIndex
from generators.llm.prefixes import PrefixStore
from generators.llm.threads import auto_threads as choose_threads

if TYPE_CHECKING:
    from llama_cpp import LlamaGrammar

PREFILL_CHUNK = 64  # tokens per evaluation while reading a prompt: bounds the wait for a cancel
# Prompts read lately, kept as llama.cpp sequence states (the KV cells only,
# ~28 KB per token for the 1.5B model: ~40 MB for a card prompt). A curator moving between a few exhibits
# gets each one's prompt back at once instead of reading it again for 15 s.
PROMPT_STATES = 4
RESTORE_MIN_TOKENS = 32  # restoring costs a copy; below this, reading again is as quick
# Shared beginnings: prompts of one kind start with the same system text and differ
# from the exhibit on (~130 tokens of a card prompt, ~0.8 s of reading on two cores).
# When a prompt shares at least this many tokens with an earlier one, the state at the
# point where they part is kept (and written to disk, see prefixes.py), so every later
# exhibit, in this session or the next, starts there. A template's fixed turns (its
# system text, and a worked example given as an earlier turn) are also kept on purpose,
# before any exhibit is read (keep_beginning).
SHARED_PREFIX_MIN_TOKENS = 96
RECENT_PROMPTS = 8  # token lists only, to find where a new prompt parts from earlier ones
# Prompt lookup (generators/llm/lookup.py): n-grams of this many tokens, longest first,
# are looked up in the prompt and the answer so far to guess the next tokens. On the
# 1.5B model's ding card (276 tokens) a single matching token guessed right 21-35% of
# the time and two tokens 42-55% (k 8 to 4), docs/BENCHMARKS.md: one-token matches cost
# more in rejected rows than they save.
LOOKUP_NGRAM_MAX = 3
LOOKUP_NGRAM_MIN = 2

_open_models: weakref.WeakSet[LlamaCppPythonModel] = weakref.WeakSet()


@atexit.register
def _close_open_models() -> None:
    # llama-cpp-python frees its model in __del__, which at interpreter exit runs
    # after ctypes is torn down and prints a TypeError; free them while we still can.
    for model in list(_open_models):
        model.close()


@contextmanager
def _model_params(*, extra_bufts: bool) -> Iterator[None]:
    """Load with `use_extra_bufts` as asked. Llama() takes no argument for it and
    builds its model parameters from llama_model_default_params() inside its
    constructor, so that function is wrapped while the model loads (the engine
    host loads one model at a time, in one thread). Without repacked buffers
    llama.cpp does not use its AMX path, which crashes on the first decode
    (issue 15)."""
    import importlib

    llama_module = importlib.import_module("llama_cpp.llama")
    if extra_bufts:
        yield
        return
    bindings = llama_module.llama_cpp
    real = bindings.llama_model_default_params

    def defaults() -> Any:
        params = real()
        params.use_extra_bufts = False
        return params

    bindings.llama_model_default_params = defaults
    try:
        yield
    finally:
        bindings.llama_model_default_params = real


def _prefix_folder(prefix_dir: str | None, identity: ModelIdentity, n_ctx: int) -> Path | None:
    """One folder per model file, engine build and context size: a kept state
    is only valid for exactly the model and llama.cpp that wrote it."""
    if not prefix_dir:
        return None
    from importlib import metadata

    try:
        version = metadata.version("llama_cpp_python")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return Path(prefix_dir) / f"{identity.digest[:16]}-llama-cpp-python-{version}-ctx{n_ctx}"


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


class LlamaCppPythonModel:
    engine_name = "llama-cpp-python"

    def __init__(
        self,
        model_path: Path,
        *,
        identity: ModelIdentity,
        n_ctx: int = 4096,
        threads: int = 2,
        threads_batch: int | None = None,
        auto_threads: bool = False,
        extra_bufts: bool = True,
        prefix_dir: str | None = None,
        lookup_draft: int = 0,
        lazy_grammar: bool = True,
    ) -> None:
        try:
            from llama_cpp import Llama, llama_chat_format
        except ImportError as exc:  # pragma: no cover - the venv ships it
            raise LanguageModelError(
                "the llama-cpp-python engine is not installed (pip install llama-cpp-python)"
            ) from exc
        if not Path(model_path).is_file():
            raise LanguageModelError(f"model file not found: {model_path}")
        try:
            with _model_params(extra_bufts=extra_bufts):
                self._llm = Llama(
                    model_path=str(model_path),
                    n_ctx=n_ctx,
                    n_threads=threads,
                    n_threads_batch=threads_batch or threads,
                    verbose=False,
                )
        except Exception as exc:
            raise LanguageModelError(f"llama-cpp-python could not load {model_path}: {exc}") from exc
        self.extra_bufts = extra_bufts
        # Token counts of each evaluation in the last call: tests and benches
        # read them through the engine host to see what was (not) read again.
        self.eval_log: list[int] = []
        real_eval = self._llm.eval

        def logged_eval(tokens: Sequence[int]) -> None:
            self.eval_log.append(len(tokens))
            real_eval(tokens)

        self._llm.eval = logged_eval  # type: ignore[method-assign]
        template = self._llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise LanguageModelError(f"{model_path} has no chat template; the studio needs an instruct model")
        # Use the GGUF's own template for generation too (not a guessed format),
        # so counting and generating agree token for token.
        self._llm.chat_format = "chat_template.default"
        model = self._llm._model
        eos_id, bos_id = self._llm.token_eos(), self._llm.token_bos()
        self._formatter = llama_chat_format.Jinja2ChatFormatter(
            template=template,
            eos_token=model.token_get_text(eos_id) if eos_id != -1 else "",
            bos_token=model.token_get_text(bos_id) if bos_id != -1 else "",
        )
        self.identity = identity
        self.threads = threads  # what the last prompt ran with (revisions record it)
        self._auto_threads = auto_threads
        self._lock = threading.Lock()
        self._states: OrderedDict[tuple[int, ...], bytes] = OrderedDict()  # prompt tokens -> KV of sequence 0
        self._recent: list[tuple[int, ...]] = []  # the last prompts' tokens, newest last
        self._prefixes = PrefixStore(_prefix_folder(prefix_dir, identity, n_ctx))
        self._grammars: dict[str, LlamaGrammar] = {}  # JSON schema text -> compiled grammar
        # Prompt lookup for greedy answers: at most this many guessed tokens are
        # checked with each evaluation (0 = off, one token per evaluation as before).
        self.lookup_draft = max(0, int(lookup_draft))
        self.lookup_stats: dict[str, int] = {}  # the last answer's guesses: proposed, accepted, evaluations
        # JSON-schema answers: check the grammar on the chosen token only (grammar_sampling.py);
        # False leaves them to the library's chain, which masks the whole vocabulary each step.
        self.lazy_grammar = bool(lazy_grammar)
        _open_models.add(self)

    def configure(self, *, lookup_draft: int | None = None, lazy_grammar: bool | None = None) -> None:
        """Change settings that need no reload (benches compare with and without lookup,
        or the library's grammar sampling against the lazy one, in one host)."""
        if lookup_draft is not None:
            self.lookup_draft = max(0, int(lookup_draft))
        if lazy_grammar is not None:
            self.lazy_grammar = bool(lazy_grammar)

    def context_length(self) -> int:
        return int(self._llm.n_ctx())

    def count_tokens(self, messages: Sequence[ChatMessage]) -> int:
        return len(self._prompt_tokens(messages))

    def _prompt_tokens(self, messages: Sequence[ChatMessage]) -> list[int]:
        # Exactly as llama-cpp-python's chat handler tokenizes, so a prefilled
        # prompt is recognised token for token when the completion starts.
        # as_dict() gives the role/content pairs the library's TypedDicts describe.
        result = self._formatter(messages=[m.as_dict() for m in messages])  # type: ignore[misc]
        return list(self._llm.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True))

    def prefill(self, messages: Sequence[ChatMessage], *, cancelled: CancelCheck | None = None) -> tuple[int, int]:
        tokens = self._prompt_tokens(messages)
        with self._lock:
            self.eval_log = []
            return self._prefill_locked(tokens, cancelled), len(tokens)

    def keep_beginning(
        self, messages: Sequence[ChatMessage], *, cancelled: CancelCheck | None = None
    ) -> tuple[int, int]:
        tokens = self._beginning_tokens(messages)
        with self._lock:
            self.eval_log = []
            return self._keep_beginning_locked(tokens, cancelled), len(tokens)

    def _beginning_tokens(self, messages: Sequence[ChatMessage]) -> list[int]:
        """The tokens of `messages` up to where the next user turn's text begins. Found as
        the common start of two prompts that go on with different user texts, so the
        chat template's own markup between turns is included and no token that the
        following text could merge with is."""
        a = self._prompt_tokens([*messages, ChatMessage("user", "A")])
        b = self._prompt_tokens([*messages, ChatMessage("user", "B")])
        return a[: _common_prefix(a, b)]

    def _keep_beginning_locked(self, tokens: list[int], cancelled: CancelCheck | None) -> int:
        """Keep the state after `tokens` in the prefix store, reading only what no cache
        holds; returns how many of them are kept (fewer after a cancel)."""
        key = tuple(tokens)
        if len(tokens) < SHARED_PREFIX_MIN_TOKENS or key in self._prefixes:
            return len(tokens) if key in self._prefixes else 0
        llm = self._llm
        if self._auto_threads:
            self._choose_threads()
        live = list(llm.input_ids[: llm.n_tokens].tolist())
        if _common_prefix(live, tokens) < len(tokens):
            # A prompt read earlier that starts with the beginning: take it back, then cut it.
            kept = next((k for k in reversed(self._states) if k[: len(tokens)] == key), None)
            if kept is not None and self._restore(kept, self._states[kept]):
                live = list(kept)
        if _common_prefix(live, tokens) == len(tokens):
            if len(live) > len(tokens):
                # The cache goes on with an exhibit's prompt: keep that prompt's state
                # first, so its draft takes it back instead of reading it again.
                self._keep(tuple(live))
                llm._ctx.kv_cache_seq_rm(-1, len(tokens), -1)
                llm.n_tokens = len(tokens)
            self._keep_prefix(tokens)
            return len(tokens) if key in self._prefixes else 0
        cached = self._restore_shared(tokens, _common_prefix(live, tokens))  # e.g. the system text alone
        llm.n_tokens = min(llm.n_tokens, cached)  # eval() drops the KV cells past n_tokens
        while cached < len(tokens):
            if cancelled is not None and cancelled():
                return cached
            chunk = tokens[cached : min(len(tokens), cached + PREFILL_CHUNK)]
            llm.eval(chunk)
            cached += len(chunk)
        self._keep_prefix(tokens)
        return cached if key in self._prefixes else 0

    def _restore_shared(self, tokens: list[int], cached: int) -> int:
        """Take back the longest kept beginning of `tokens` (memory or disk) when it
        reaches well past the `cached` tokens the context already holds; returns how
        many tokens the context holds then. A kept state that fails to load is
        forgotten, and whatever the context still holds counts."""
        shared = self._prefixes.longest(tokens)
        if shared is None or len(shared) <= cached + RESTORE_MIN_TOKENS:
            return cached
        data = self._prefixes.data(shared)
        if data is not None and self._restore(shared, data):
            return len(shared)
        self._prefixes.discard(shared)
        return _common_prefix(self._llm.input_ids[: self._llm.n_tokens].tolist(), tokens)

    def _prefill_locked(self, tokens: list[int], cancelled: CancelCheck | None) -> int:
        """Evaluate the part of `tokens` not already in the KV cache, a chunk at a
        time, checking `cancelled` between chunks: llama.cpp cannot be stopped
        inside one evaluation, so the chunk size bounds how long a cancel waits
        (~0.7 s for 64 tokens of the 1.5B model on two cores). What was read
        stays cached, so a cancelled prefill still shortens the next one."""
        llm = self._llm
        if self._auto_threads:
            self._choose_threads()
        if len(tokens) >= llm.n_ctx():
            raise LanguageModelError(
                f"the prompt is {len(tokens)} tokens but the model's context holds {llm.n_ctx()}; "
                "use fewer sources or a larger context (llm.n_ctx)"
            )
        cached = _common_prefix(llm.input_ids[: llm.n_tokens].tolist(), tokens)
        kept = max(self._states, key=lambda key: _common_prefix(key, tokens), default=None)
        if kept is not None and _common_prefix(kept, tokens) > cached + RESTORE_MIN_TOKENS:
            self._states.move_to_end(kept)
            if self._restore(kept, self._states[kept]):
                cached = _common_prefix(kept, tokens)
            else:
                cached = 0
        cached = self._restore_shared(tokens, cached)
        # Leave the last token for the completion to evaluate: it needs that
        # token's logits, which a restored prefix does not carry.
        cached = min(cached, len(tokens) - 1)
        llm.n_tokens = min(llm.n_tokens, cached)  # eval() drops the KV cells past n_tokens
        parting = self._parting_point(tokens, cached)
        if parting == cached:
            # The live cache already ends where this prompt parts from an earlier
            # one (the curator moved to another exhibit): keep that beginning now.
            llm._ctx.kv_cache_seq_rm(-1, cached, -1)
            self._keep_prefix(tokens[:cached])
            parting = -1
        read = 0
        while cached < len(tokens) - 1:
            if cancelled is not None and cancelled():
                break
            end = min(len(tokens) - 1, cached + PREFILL_CHUNK)
            if cached < parting < end:
                end = parting  # stop exactly where this prompt parts from earlier ones
            chunk = tokens[cached:end]
            llm.eval(chunk)
            cached += len(chunk)
            read += len(chunk)
            if cached == parting:
                self._keep_prefix(tokens[:parting])
        if read and cached == len(tokens) - 1:
            self._keep(tuple(tokens[:cached]))
        self._remember(tuple(tokens))
        return cached

    def _parting_point(self, tokens: list[int], cached: int) -> int:
        """Where `tokens` parts from the earlier prompt it shares most with, if that
        shared beginning is long, not yet kept, and still to be read; else -1."""
        this = tuple(tokens)
        parting = max((_common_prefix(p, tokens) for p in self._recent if p != this), default=0)
        parting = min(parting, len(tokens) - 1)
        if parting < SHARED_PREFIX_MIN_TOKENS or parting < cached or tuple(tokens[:parting]) in self._prefixes:
            return -1
        return parting

    def _keep_prefix(self, tokens: list[int]) -> None:
        state = self._sequence_state()
        if state is not None:
            self._prefixes.add(tuple(tokens), state)

    def _remember(self, tokens: tuple[int, ...]) -> None:
        if tokens in self._recent:
            self._recent.remove(tokens)
        self._recent.append(tokens)
        del self._recent[:-RECENT_PROMPTS]

    def _sequence_state(self) -> bytes | None:
        # Sequence state, not Llama.save_state(): that also copies the logits
        # buffer (n_batch x vocabulary floats, 311 MB for Qwen) with every prompt.
        import ctypes

        import llama_cpp

        ctx = self._llm._ctx.ctx
        size = llama_cpp.llama_state_seq_get_size(ctx, 0)
        buffer = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_seq_get_data(ctx, buffer, size, 0)
        return bytes(memoryview(buffer)[:written]) if written else None

    def _keep(self, tokens: tuple[int, ...]) -> None:
        state = self._sequence_state()
        if state is not None:
            self._states[tokens] = state
            while len(self._states) > PROMPT_STATES:
                self._states.popitem(last=False)

    def _restore(self, tokens: tuple[int, ...], data: bytes) -> bool:
        import ctypes

        import llama_cpp

        llm = self._llm
        llm._ctx.kv_cache_seq_rm(-1, 0, -1)
        llm.n_tokens = 0
        buffer = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        if not llama_cpp.llama_state_seq_set_data(llm._ctx.ctx, buffer, len(data), 0):
            return False  # read the prompt again instead
        llm.input_ids[: len(tokens)] = tokens
        llm.n_tokens = len(tokens)
        return True

    def _grammar(self, json_schema: str) -> LlamaGrammar | None:
        """llama.cpp's GBNF grammar for a JSON Schema: sampling can only pick tokens it allows."""
        if not json_schema:
            return None
        grammar = self._grammars.get(json_schema)
        if grammar is None:
            from llama_cpp import LlamaGrammar

            try:
                grammar = LlamaGrammar.from_json_schema(json_schema, verbose=False)
            except Exception as exc:  # the converter raises plain exceptions for schemas it cannot express
                raise LanguageModelError(
                    f"llama-cpp-python cannot turn this JSON schema into a grammar: {exc}"
                ) from exc
            self._grammars[json_schema] = grammar
        return grammar

    def _choose_threads(self) -> None:
        threads = choose_threads()
        if threads != self.threads:
            self._llm._ctx.set_n_threads(threads, threads)
            self._llm.n_threads = self._llm.n_threads_batch = threads
            self.threads = threads

    def complete(
        self,
        messages: Sequence[ChatMessage],
        params: GenerationParams,
        *,
        on_token: TokenSink | None = None,
        cancelled: CancelCheck | None = None,
    ) -> Completion:
        pieces: list[str] = []
        finish: str | None = None
        was_cancelled = False
        clock = StreamClock()
        tokens = self._prompt_tokens(messages)
        with self._lock:
            self.eval_log = []
            self._prefill_locked(tokens, cancelled)
            if cancelled is not None and cancelled():
                return Completion(
                    text="",
                    finish_reason="cancelled",
                    prompt_tokens=len(tokens),
                    completion_tokens=0,
                    first_token_s=None,
                    total_s=clock.total(),
                )
            grammar = self._grammar(params.json_schema) if params.json_schema and self.lazy_grammar else None
            if self.lookup_draft and params.temperature == 0.0 and (grammar is not None or not params.json_schema):
                return self._write_answer(
                    tokens, messages, params, clock, on_token, cancelled, draft=self.lookup_draft, grammar=grammar
                )
            self.lookup_stats = {}
            if grammar is not None:
                return self._write_answer(tokens, messages, params, clock, on_token, cancelled, grammar=grammar)
            try:
                # Any: the library's overloads do not narrow its return type on stream=True.
                stream: Any = self._llm.create_chat_completion(
                    messages=[m.as_dict() for m in messages],  # type: ignore[misc]
                    stream=True,
                    max_tokens=params.max_tokens,
                    temperature=params.temperature,
                    top_p=params.top_p,
                    seed=params.seed,
                    stop=list(params.stop) or None,
                    grammar=self._grammar(params.json_schema),
                )
                for chunk in stream:
                    choice = chunk["choices"][0]
                    text = choice["delta"].get("content")
                    if text:
                        clock.token()
                        pieces.append(text)
                        if on_token is not None:
                            on_token(text)
                    if choice.get("finish_reason"):
                        finish = choice["finish_reason"]
                    if cancelled is not None and cancelled():
                        was_cancelled = True
                        stream.close()  # closing the generator stops decoding at once
                        break
            except ValueError as exc:  # llama-cpp-python reports an over-long prompt this way
                raise LanguageModelError(f"llama-cpp-python refused the request: {exc}") from exc
        return Completion(
            text="".join(pieces),
            finish_reason=normalise_finish(finish, was_cancelled),
            prompt_tokens=len(tokens),
            completion_tokens=len(self._llm.tokenize("".join(pieces).encode("utf-8"), add_bos=False)),
            first_token_s=clock.first,
            total_s=clock.total(),
        )

    def _write_answer(
        self,
        tokens: list[int],
        messages: Sequence[ChatMessage],
        params: GenerationParams,
        clock: StreamClock,
        on_token: TokenSink | None,
        cancelled: CancelCheck | None,
        *,
        draft: int = 0,
        grammar: LlamaGrammar | None = None,
    ) -> Completion:
        """The answer written by this engine's own decoding loop rather than
        create_chat_completion's, for two things the library does not do.

        Prompt lookup (`draft` > 0, greedy answers; generators/llm/lookup.py): each step
        evaluates the last accepted token and up to `draft` guessed tokens in one
        llama_batch, asking logits for those rows only: llama-cpp-python's own
        `draft_model` would set logits_all, a context-length x vocabulary float buffer
        (~2.5 GB for Qwen). The rows are sampled in order with the very sampler chain
        create_chat_completion builds, so the model's choice at each position is what it
        would have been one token at a time; guesses are kept while they match that
        choice, the first mismatch is replaced by it, and the KV cells of the guesses
        after it are removed.

        A grammar (a JSON schema's) checked lazily (generators/llm/grammar_sampling.py):
        the chain picks a token and the grammar is asked about that token only, instead
        of masking the whole vocabulary at every step as the library's chain does.

        Either way stop strings, the token limit and the end token are applied token by
        token, as the library does, and the text streams as the library streams it.
        """
        import llama_cpp

        llm, ctx = self._llm, self._llm._ctx
        n_ctx = llm.n_ctx()
        # As llama-cpp-python bounds it: <= 0 means "until the context is full".
        limit = params.max_tokens if params.max_tokens > 0 else n_ctx - len(tokens)
        limit = min(limit, n_ctx - len(tokens))
        chat = self._formatter(messages=[m.as_dict() for m in messages])  # type: ignore[misc]
        template_stop = chat.stop if isinstance(chat.stop, list) else [chat.stop] if chat.stop else []
        answer = AnswerText([*params.stop, *template_stop])
        guesses = NgramIndex(tokens, ngram_max=LOOKUP_NGRAM_MAX, ngram_min=LOOKUP_NGRAM_MIN)
        llm.set_seed(params.seed)
        # create_chat_completion's chain: its defaults for what GenerationParams does not carry.
        sampler = llm._init_sampler(
            top_k=40, top_p=params.top_p, min_p=0.05, typical_p=1.0, temp=params.temperature, repeat_penalty=1.0
        )
        constrained = GrammarSampler(llm, grammar, sampler) if grammar is not None else None  # owns the chain then
        vocab = llm._model.vocab
        stats = {"proposed": 0, "accepted": 0, "evaluations": 0}
        self.lookup_stats = stats if draft else {}
        n_past = llm.n_tokens  # the prompt but its last token, read by _prefill_locked
        pending = tokens[n_past]
        written: list[int] = []
        finish: str | None = None
        was_cancelled = False

        def emit(piece: str) -> None:
            if piece:
                clock.token()
                if on_token is not None:
                    on_token(piece)

        try:
            while finish is None and not was_cancelled:
                # No guess for the first token: the prompt's end says little about the
                # answer's start, and a longer first evaluation delays the first word.
                room = min(limit - len(written) - 1, n_ctx - n_past - 2)
                # Never more rows than llama-cpp-python's batch holds (n_batch), whatever was asked.
                room = min(room, llm.n_batch - 1)
                guessed = guesses.propose(min(draft, room)) if written and draft else []
                batch = [pending, *guessed]
                ctx.kv_cache_seq_rm(0, n_past, -1)  # cells left from an earlier, longer sequence
                llm._batch.set_batch(batch=batch, n_past=n_past, logits_all=True)
                try:
                    ctx.decode(llm._batch)
                except RuntimeError as exc:
                    raise LanguageModelError(f"llama-cpp-python could not evaluate the answer: {exc}") from exc
                self.eval_log.append(len(batch))
                llm.input_ids[n_past : n_past + len(batch)] = batch
                stats["evaluations"] += 1
                stats["proposed"] += len(guessed)
                chosen: list[int] = []
                for row in range(len(batch)):
                    if constrained is None:
                        token = sampler.sample(ctx, row)  # chooses and accepts
                    else:
                        token = constrained.pick(row)
                        if not llama_cpp.llama_vocab_is_eog(vocab, token):
                            constrained.accept(token)
                    chosen.append(token)
                    # Nothing is kept after the end of the answer, even a guess that matched it
                    # (the prompt's own end-of-turn tokens are among the guesses).
                    if row == len(guessed) or token != guessed[row] or llama_cpp.llama_vocab_is_eog(vocab, token):
                        break
                accepted = len(chosen) - 1
                stats["accepted"] += accepted
                n_past += 1 + accepted
                llm.n_tokens = n_past
                if accepted < len(guessed):
                    ctx.kv_cache_seq_rm(0, n_past, -1)  # the guesses after the first wrong one
                pending = chosen[-1]
                for token in chosen:
                    if llama_cpp.llama_vocab_is_eog(vocab, token):
                        finish = "stop"
                        break
                    written.append(token)
                    guesses.append(token)
                    emit(answer.add(llm._model.detokenize([token])))
                    if answer.stopped:
                        finish = "stop"
                    elif len(written) >= limit:
                        finish = "length"
                    elif cancelled is not None and cancelled():
                        # Asked after every token, as the one-token path does, even
                        # inside a step that accepted several guesses.
                        was_cancelled = True
                    if finish is not None or was_cancelled:
                        break
                if was_cancelled:
                    break
            if not was_cancelled:
                emit(answer.finish())  # the end held back in case it began a stop string
        finally:
            (constrained or sampler).close()
            llm._requires_eval = True  # the logits now are a checking batch's, not the last token's
        text = answer.text()
        extra: dict[str, object] = {}
        if draft:
            extra["lookup"] = dict(stats)
        if constrained is not None:
            extra["grammar"] = {"resampled": constrained.resampled}
        return Completion(
            text=text,
            finish_reason=normalise_finish(finish, was_cancelled),
            prompt_tokens=len(tokens),
            completion_tokens=len(self._llm.tokenize(text.encode("utf-8"), add_bos=False)),
            first_token_s=clock.first,
            total_s=clock.total(),
            extra=extra,
        )

    def forget_prompts(self) -> None:
        """Empty the KV cache and the kept prompt states (a cold start, for tests and benches)."""
        with self._lock:
            self._llm.reset()
            self._states.clear()
            self._recent.clear()
            self._prefixes.forget()

    def close(self) -> None:
        # Wait for a running completion or prefill on another thread: freeing the
        # model under it would crash the process (a model switch closes the old one).
        lock = getattr(self, "_lock", None)
        acquired = lock.acquire(timeout=60) if lock is not None else False
        try:
            llm = getattr(self, "_llm", None)
            if llm is not None and (acquired or lock is None):
                del self._llm  # close() twice, or after a failed load, finds no model (getattr above)
                self._states.clear()
                llm.close()
        finally:
            if acquired:
                lock.release()  # type: ignore[union-attr]
        _open_models.discard(self)
