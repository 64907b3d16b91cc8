"""Samples of text models as text: word ids to characters, size-matched references, excerpts.

Word samples become text exactly as ``wiki.*.tokens`` writes it and are encoded with the
training text's character vocabulary (:func:`words_to_chars`); a size-matched reference is
contiguous training text cut into the samples' lengths (:func:`size_matched_reference`);
excerpts are Appendix F's (:func:`excerpt`).  Ragged sets are ``.npz`` files with keys
``sample_00000``, … (:func:`save_sequences`).  Why and how: docs/METHODS.md §4.3.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .data.text import code_points
from .io import atomic_path, smallest_uint_dtype

__all__ = [
    "SAMPLE_DIVIDER", "TextVocabulary", "as_sequences", "excerpt", "excerpts_text",
    "load_vocab", "save_sequences", "samples_text", "size_matched_reference", "words_to_chars",
]

#: What precedes sample ``n`` (1, 2, …) in a text file of several samples: openai/gpt-2's divider,
#: so that ``miscaling prepare gpt2`` reads such a file back sample by sample.
SAMPLE_DIVIDER = "=" * 40 + " SAMPLE {n} " + "=" * 40


@dataclass(frozen=True)
class TextVocabulary:
    """A ``vocab.json`` (:mod:`miscaling.data.vocab`): level, symbols in id order, ``<eos>``."""

    level: str
    symbols: tuple[str, ...]
    eos: str | None = None
    source: str = "vocabulary"

    def __post_init__(self) -> None:
        if self.level not in ("char", "word"):
            raise ValueError(f"{self.source}: level must be 'char' or 'word', got {self.level!r}")
        if not self.symbols:
            raise ValueError(f"{self.source}: no symbols")
        if self.level == "char":
            bad = [s for s in self.symbols if not (isinstance(s, str) and len(s) == 1)]
            if bad:
                raise ValueError(f"{self.source}: a char vocabulary holds single characters, "
                                 f"got {bad[0]!r}")
        else:
            if self.eos not in self.symbols:
                raise ValueError(f"{self.source}: word vocabulary lacks its eos symbol "
                                 f"{self.eos!r}")
            bad = [s for s in self.symbols if s != self.eos and
                   not (isinstance(s, str) and s and s.split() == [s])]
            if bad:  # whitespace inside a token would not survive text -> tokens
                raise ValueError(f"{self.source}: word {bad[0]!r} is empty or holds whitespace")

    @property
    def size(self) -> int:
        return len(self.symbols)

    def check_ids(self, ids: np.ndarray, what: str) -> None:
        """ValueError unless ``ids`` are integers in ``0 … size − 1``."""
        if ids.size == 0:
            return
        if not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(f"{what} must hold integer symbol ids, got dtype {ids.dtype}")
        low, high = int(ids.min()), int(ids.max())
        if low < 0 or high >= self.size:
            raise ValueError(f"{what} holds id {high if high >= self.size else low}, outside "
                             f"0 … {self.size - 1} of the {self.level} vocabulary "
                             f"{self.source}")

    def decode(self, ids, what: str = "ids") -> str:
        """The text of one sequence of ids (word level: docs/METHODS.md §4.3)."""
        ids = np.asarray(ids).ravel()
        self.check_ids(ids, what)
        if self.level == "char":
            codes = np.array([ord(s) for s in self.symbols], dtype="<u4")[ids]
            return codes.tobytes().decode("utf-32-le", "surrogatepass")
        if ids.size == 0:
            return ""
        pieces = [s + " " for s in self.symbols]
        eos_id = self.symbols.index(self.eos)
        pieces[eos_id] = "\n "  # the newline, then the next line's leading space
        text = " " + "".join(map(pieces.__getitem__, ids.tolist()))
        return text[:-1] if ids[-1] == eos_id else text  # no next line: no leading space

    def encode(self, text: str, what: str = "text") -> np.ndarray:
        """Character ids of ``text`` (char level only); a character outside it is an error."""
        if self.level != "char":
            raise ValueError(f"{self.source} is a {self.level} vocabulary; characters need a "
                             "char vocabulary")
        alphabet = np.array([ord(s) for s in self.symbols], dtype=np.int64)
        order = np.argsort(alphabet)
        codes = code_points(text).astype(np.int64)
        where = np.searchsorted(alphabet[order], codes).clip(max=alphabet.size - 1)
        missing = alphabet[order][where] != codes
        if missing.any():
            first = int(np.flatnonzero(missing)[0])
            lacking = sorted({chr(c) for c in codes[missing].tolist()})
            context = text[max(0, first - 20):first + 20]
            raise ValueError(f"{what}: the char vocabulary {self.source} lacks "
                             + ", ".join(f"{c!r} (U+{ord(c):04X})" for c in lacking[:10])
                             + (f" and {len(lacking) - 10} more" if len(lacking) > 10 else "")
                             + f"; first at character {first:,}: …{context!r}…")
        return order[where].astype(smallest_uint_dtype(self.size - 1))


def load_vocab(path: str | os.PathLike, level: str | None = None) -> TextVocabulary:
    """Read a ``vocab.json`` (``miscaling prepare corpus|gpt2``); ``level`` is the one expected."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"vocabulary {str(path)!r} does not exist")
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"vocabulary {str(path)!r} is not JSON: {err}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("symbols"), list):
        raise ValueError(f"vocabulary {str(path)!r} has no list 'symbols' (expected the "
                         "vocab.json of `miscaling prepare`)")
    vocab = TextVocabulary(payload.get("level"), tuple(payload["symbols"]), payload.get("eos"),
                           source=repr(str(path)))
    if level is not None and vocab.level != level:
        raise ValueError(f"vocabulary {str(path)!r} is at {vocab.level} level; expected a "
                         f"{level} vocabulary")
    return vocab


def as_sequences(samples, what: str = "samples") -> list[np.ndarray]:
    """One 1-D array per sequence: rows of a 2-D array, a 1-D array as one, a list as it is."""
    if isinstance(samples, np.ndarray):
        if samples.ndim == 1:
            return [samples]
        if samples.ndim == 2:
            return list(samples)
        raise ValueError(f"{what} must be 1-D or 2-D, got shape {samples.shape}")
    sequences = [np.asarray(s) for s in samples]
    for index, sequence in enumerate(sequences):
        if sequence.ndim != 1:
            raise ValueError(f"{what}: sequence {index} must be 1-D, got shape {sequence.shape}")
    return sequences


def words_to_chars(samples, word_vocab: TextVocabulary, char_vocab: TextVocabulary,
                   what: str = "samples") -> tuple[list[np.ndarray], list[str]]:
    """Word ids -> text (as ``wiki.*.tokens``) -> character ids, one sequence per stream.

    ``samples``: a 2-D [streams, length] array, a 1-D array (one stream) or a list of 1-D
    arrays.  Returns the character id arrays (dtype of ``char_vocab``) and the texts.
    """
    if word_vocab.level != "word" or char_vocab.level != "char":
        raise ValueError(f"expected a word and a char vocabulary, got {word_vocab.level} "
                         f"({word_vocab.source}) and {char_vocab.level} ({char_vocab.source})")
    sequences = as_sequences(samples, what)
    for index, sequence in enumerate(sequences):  # every id checked before any decoding
        word_vocab.check_ids(sequence, f"{what} sequence {index}")
    texts = [word_vocab.decode(s) for s in sequences]
    chars = [char_vocab.encode(t, f"{what} sequence {i}") for i, t in enumerate(texts)]
    return chars, texts


def samples_text(texts: Sequence[str]) -> str:
    """Several samples in one text: each after a ``==== SAMPLE n ====`` line (n from 1), with a
    final newline as ``print`` adds; ``miscaling prepare gpt2`` reads it back sample by sample."""
    return "".join(f"{SAMPLE_DIVIDER.format(n=n)}\n{text}\n"
                   for n, text in enumerate(texts, start=1))


def size_matched_reference(train: np.ndarray, lengths: Sequence[int], seed: int = 0,
                           what: str = "training text") -> tuple[list[np.ndarray], int]:
    """Contiguous ``train`` text cut into sequences of ``lengths``, from a seeded offset.

    The reference holds exactly ``sum(lengths)`` symbols, consecutive in ``train`` from an
    offset drawn uniformly (``numpy.random.default_rng(seed)``) among those that fit, so that
    the estimator sees the same number of pairs per lag as in the samples.  Returns the
    sequences and the offset.
    """
    train = np.asarray(train)
    if train.ndim != 1:
        raise ValueError(f"{what} must be one 1-D stream of symbols, got shape {train.shape}")
    lengths = [int(n) for n in lengths]
    if not lengths or min(lengths) < 1:
        raise ValueError(f"sequence lengths must be >= 1 and at least one, got {lengths[:5]}")
    total = sum(lengths)
    if total > train.size:
        raise ValueError(f"{what} holds {train.size:,} symbols, fewer than the {total:,} of "
                         "the samples to match")
    offset = int(np.random.default_rng(seed).integers(0, train.size - total + 1))
    bounds = offset + np.concatenate([[0], np.cumsum(lengths)])
    return [train[a:b] for a, b in zip(bounds[:-1], bounds[1:])], offset


def save_sequences(sequences: Iterable[np.ndarray], path: str | os.PathLike) -> None:
    """Sequences to ``.npz`` (keys ``sample_00000``, … in order; lengths may differ) or, when
    all have one length, ``.npy`` (2-D), atomically."""
    sequences = [np.asarray(s) for s in sequences]
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".npz", ".npy"):
        raise ValueError(f"output {str(path)!r} must end in .npz or .npy")
    if suffix == ".npy" and len({s.size for s in sequences}) > 1:
        raise ValueError(f"output {str(path)!r}: sequences of different lengths need .npz")
    with atomic_path(path) as tmp:
        if suffix == ".npy":
            np.save(tmp, np.stack(sequences))
        else:
            width = max(5, len(str(len(sequences) - 1)))  # zero-padded: key order is stream order
            np.savez(tmp, **{f"sample_{i:0{width}d}": s for i, s in enumerate(sequences)})


def excerpt(samples, vocab: TextVocabulary, n_chars: int,
            separator: str = "\n[… next sample …]\n") -> str:
    """The first ``n_chars`` characters of ``samples`` as text, continuing into the next
    sequence (after ``separator``, not counted) when one is shorter."""
    if n_chars < 1:
        raise ValueError(f"n_chars must be >= 1, got {n_chars}")
    parts, left = [], n_chars
    for sequence in as_sequences(samples):
        if left <= 0:
            break
        # a word gives at least one character, so n words are enough for n characters
        text = vocab.decode(sequence[:left])[:left]
        parts.append(text)
        left -= len(text)
    return separator.join(parts)


def excerpts_text(entries: Sequence[tuple[str, str, list[np.ndarray], TextVocabulary]],
                  n_chars: int) -> str:
    """Appendix F: one section per ``(name, source, sequences, vocab)`` with a heading line,
    a line saying what it shows, then the excerpt."""
    sections = []
    for name, source, sequences, vocab in entries:
        total = sum(s.size for s in sequences)
        unit = "words" if vocab.level == "word" else "characters"
        sections.append(
            f"==== {name} ====\n"
            f"first {n_chars:,} characters of {source} ({len(sequences):,} sequences, "
            f"{total:,} {unit})\n\n{excerpt(sequences, vocab, n_chars)}\n")
    return "\n".join(sections)
