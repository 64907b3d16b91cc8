"""Turn downloaded corpus text into compact integer arrays (MI measurement, LM training).

Streaming entry points that write atomically: :func:`encode_corpus` (one vocabulary over a
corpus' splits, ``<split>.npy`` and ``vocab.json``, at character or word level: :mod:`.vocab`),
:func:`split_text8` (90/5/5 MB byte ranges) and :func:`gpt2_samples` (one character sequence per
sample in a ragged ``samples.npz``).  Inputs may be gzip-compressed (:mod:`.text`).  This module
encodes a corpus and re-exports the public names of :mod:`.text8` and :mod:`.gpt2`.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np

from ..io import atomic_path
from .gpt2 import SAMPLE_FORMATS, SAMPLES_FILE, gpt2_samples
from .text import DEFAULT_CHUNK_BYTES, check_chunk_bytes, decoded_chunks, open_binary
from .text8 import TEXT8_SIZES, TEXT8_SPLITS, split_text8
from .vocab import (
    EOS,
    LEVELS,
    VOCAB_FILE,
    CharVocabulary,
    Vocabulary,
    WordVocabulary,
    id_dtype,
    new_vocabulary,
    vocabulary_metadata,
    write_vocab,
)

__all__ = [
    "DEFAULT_CHUNK_BYTES", "EOS", "LEVELS", "SAMPLE_FORMATS", "SAMPLES_FILE", "TEXT8_SIZES",
    "TEXT8_SPLITS", "VOCAB_FILE", "CharVocabulary", "WordVocabulary", "encode_corpus",
    "gpt2_samples", "id_dtype", "open_binary", "split_text8",
]

_SPLIT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def _check_splits(splits: Mapping[str, str | os.PathLike]) -> dict[str, Path]:
    if not splits:
        raise ValueError("no splits given")
    sources = {}
    for name, path in splits.items():
        if not isinstance(name, str) or not _SPLIT_NAME.fullmatch(name):
            raise ValueError(f"split name {name!r} must be letters, digits, '_', '.', '-' "
                             "(it becomes a file name)")
        sources[name] = Path(path)
        if not sources[name].is_file():
            raise FileNotFoundError(f"input {str(path)!r} for split {name!r} does not exist")
    return sources


def _count_symbols(vocab: Vocabulary, path: Path, chunk_bytes: int) -> int:
    """Pass 1: add the symbols of ``path`` to ``vocab`` and return how many it holds."""
    length = sum(vocab.add(piece) for piece in vocab.pieces(decoded_chunks(path, chunk_bytes)))
    if length == 0:
        raise ValueError(f"{str(path)!r} holds no {vocab.level} symbols")
    return length


def _encode_into(array_path: Path, pieces: Iterable, encode: Callable, length: int,
                 dtype: np.dtype, source: Path) -> None:
    """Pass 2: encode ``pieces`` into a new ``.npy`` of exactly ``length`` ids, chunk by chunk."""
    array = np.lib.format.open_memmap(array_path, mode="w+", dtype=dtype, shape=(length,))
    try:
        changed = ValueError(f"{str(source)!r} changed while it was being encoded")
        filled = 0
        for piece in pieces:
            ids = encode(piece)
            if filled + ids.size > length:
                raise changed
            array[filled:filled + ids.size] = ids
            filled += ids.size
        if filled != length:
            raise changed
        array.flush()
    finally:
        del array  # close the memory map before the file is renamed or removed


def encode_corpus(splits: Mapping[str, str | os.PathLike], level: str,
                  out_dir: str | os.PathLike, *,
                  chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> dict:
    """Encode the text files of a corpus's splits with one shared vocabulary.

    Parameters
    ----------
    splits
        Split name -> UTF-8 text file (optionally gzip), e.g. ``{"train": …, "valid": …,
        "test": …}``.  At word level the order matters for the ids (first appearance).
    level
        ``"char"`` (Unicode code points, newline included) or ``"word"`` (whitespace tokens
        plus ``<eos>`` per line, as PyTorch's word_language_model example).
    out_dir
        Receives ``<split>.npy`` (1-D ids, the smallest of uint8/uint16/uint32 that holds the
        vocabulary) and ``vocab.json`` (the metadata below plus ``symbols``, the list of
        symbols in id order).
    chunk_bytes
        Bytes read per step; bounds memory, not the result.

    Returns
    -------
    dict with ``level``, ``vocab_size``, ``dtype``, ``id_order``, ``eos``, ``eos_id``,
    ``lengths`` (split -> number of ids) and ``sources`` (split -> input path).

    Each file is read twice (vocabulary and lengths, then encoding), so memory stays at a
    few chunks plus the vocabulary.  All outputs are written to temporary files and renamed
    only once every split has been encoded; ``vocab.json`` comes last.
    """
    check_chunk_bytes(chunk_bytes, "encode_corpus")
    sources = _check_splits(splits)
    vocab = new_vocabulary(level)
    lengths = {name: _count_symbols(vocab, path, chunk_bytes) for name, path in sources.items()}
    symbols = vocab.symbols()
    dtype = id_dtype(len(symbols))
    encode = vocab.encoder(dtype)
    summary = {
        **vocabulary_metadata(vocab, symbols, dtype),
        "lengths": lengths,
        "sources": {name: os.fspath(path) for name, path in sources.items()},
    }
    out = Path(out_dir)
    with contextlib.ExitStack() as outputs:
        # Entered first, so renamed last: a complete vocab.json marks a complete set.
        vocab_tmp = outputs.enter_context(atomic_path(out / VOCAB_FILE))
        for name, path in sources.items():
            array_tmp = outputs.enter_context(atomic_path(out / f"{name}.npy"))
            pieces = vocab.pieces(decoded_chunks(path, chunk_bytes))
            _encode_into(array_tmp, pieces, encode, lengths[name], dtype, path)
        write_vocab(vocab_tmp, summary, symbols)
    return summary

