"""Vocabularies: how a level turns text into symbols, and symbols into the smallest integer ids.

``char``: every Unicode code point, newline included; ids in code point order (independent of the
order of the splits).  ``word``: the whitespace tokens of every line plus ``<eos>`` per line, as
PyTorch's ``word_language_model/data.py``; ids in order of first appearance over the splits given
(train, valid, test reproduce that example's ids), ``eos_id`` recorded in ``vocab.json``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

import numpy as np

from ..io import smallest_uint_dtype, write_json
from .text import code_points

EOS = "<eos>"
VOCAB_FILE = "vocab.json"

_CODE_POINTS = 0x110000


def word_pieces(chunks: Iterable[str]) -> Iterator[list[str]]:
    """Word tokens of text arriving in chunks, ``<eos>`` after every line, one list per chunk.

    Equal to ``line.split() + ['<eos>']`` over the lines of the file (PyTorch's data.py):
    replacing each newline by `` <eos> `` and splitting on whitespace gives the same tokens
    without a Python loop over lines.  A token cut by the chunk boundary is carried over.
    """
    carry, last_char = "", "\n"
    for chunk in chunks:
        text = carry + chunk
        tokens = text.replace("\n", f" {EOS} ").split()
        carry = tokens.pop() if tokens and not text[-1].isspace() else ""
        last_char = chunk[-1]
        yield tokens
    if last_char != "\n":  # an unterminated last line still gets its <eos>
        yield [carry, EOS] if carry else [EOS]



def id_dtype(vocab_size: int) -> np.dtype:
    """The smallest unsigned integer dtype that holds ids ``0 … vocab_size − 1``."""
    dtype = smallest_uint_dtype(vocab_size - 1)
    if dtype.kind != "u":
        raise ValueError(f"vocabulary of {vocab_size:,} symbols does not fit in uint32")
    return dtype


class Vocabulary(Protocol):
    """What a level provides: how text becomes pieces, and how pieces become ids."""

    level: str
    eos: str | None
    id_order: str

    def pieces(self, chunks: Iterable[str]) -> Iterator: ...

    def add(self, piece) -> int: ...

    def symbols(self) -> list[str]: ...

    def encoder(self, dtype: np.dtype) -> Callable[[object], np.ndarray]: ...


class CharVocabulary:
    """Every Unicode code point is a symbol; ids in code point order."""

    level = "char"
    eos = None
    id_order = "code point"

    def __init__(self) -> None:
        self._seen = np.zeros(_CODE_POINTS, dtype=bool)

    @staticmethod
    def pieces(chunks: Iterable[str]) -> Iterable[str]:
        return chunks

    def add(self, piece: str) -> int:
        """Record the characters of ``piece``; return how many symbols it holds."""
        codes = code_points(piece)
        self._seen[codes] = True
        return codes.size

    def _codes(self) -> np.ndarray:
        return np.flatnonzero(self._seen)

    def symbols(self) -> list[str]:
        return [chr(code) for code in self._codes()]

    def encoder(self, dtype: np.dtype) -> Callable[[str], np.ndarray]:
        table = np.zeros(_CODE_POINTS, dtype=dtype)  # code point -> id
        codes = self._codes()
        table[codes] = np.arange(codes.size)

        def encode(piece: str) -> np.ndarray:
            return table[code_points(piece)]

        return encode


class WordVocabulary:
    """Whitespace tokens plus ``<eos>`` per line; ids in order of first appearance."""

    level = "word"
    eos = EOS
    id_order = "first appearance over the splits in the order given"

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}

    pieces = staticmethod(word_pieces)

    def add(self, piece: list[str]) -> int:
        """Record the tokens of ``piece``; return how many it holds."""
        ids = self._ids
        for token in dict.fromkeys(piece):  # unique tokens in first-seen order, built in C
            ids.setdefault(token, len(ids))
        return len(piece)

    def symbols(self) -> list[str]:
        return list(self._ids)  # dicts keep insertion order, which is id order

    def encoder(self, dtype: np.dtype) -> Callable[[list[str]], np.ndarray]:
        lookup = self._ids.__getitem__

        def encode(piece: list[str]) -> np.ndarray:
            return np.fromiter(map(lookup, piece), dtype=dtype, count=len(piece))

        return encode


LEVELS: dict[str, type] = {"char": CharVocabulary, "word": WordVocabulary}


def new_vocabulary(level: str) -> Vocabulary:
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    return LEVELS[level]()


def vocabulary_metadata(vocab: Vocabulary, symbols: list[str], dtype: np.dtype) -> dict:
    return {
        "level": vocab.level,
        "vocab_size": len(symbols),
        "dtype": dtype.name,
        "id_order": vocab.id_order,
        "eos": vocab.eos,
        "eos_id": symbols.index(vocab.eos) if vocab.eos in symbols else None,
    }



def write_vocab(path: str | os.PathLike, summary: dict, symbols: list[str]) -> None:
    """``vocab.json``: ``summary`` plus ``symbols`` in id order.

    JSON's ASCII escapes (the default) keep the file valid UTF-8 (and ASCII) even for lone
    surrogates from JSON input.
    """
    write_json(path, {**summary, "symbols": symbols})
