"""Turn downloaded corpus text into compact integer arrays (MI measurement, LM training).

Three entry points, all streaming (memory does not grow with the corpus) and all writing
atomically (a failure leaves the previous outputs or none, never a truncated file):

* :func:`encode_corpus` — one vocabulary over all splits of a corpus, one ``<split>.npy`` per
  split plus ``vocab.json``, at character or word level.
* :func:`split_text8` — text8's consecutive 90 MB / 5 MB / 5 MB train/valid/test byte ranges.
* :func:`gpt2_samples` — GPT-2 samples (the ``==== SAMPLE n ====`` text of openai/gpt-2 or
  the gpt-2-output-dataset ``.jsonl``) as one character sequence per sample in a ragged
  ``samples.npz``, so that no symbol pair crosses a sample boundary.

Levels (the only place where they differ is :class:`CharVocabulary` / :class:`WordVocabulary`):

* ``char``: every Unicode code point is a symbol, newline included.  Ids follow code point
  order, so they do not depend on the order of the splits.
* ``word``: whitespace tokens of every line plus ``<eos>`` at the end of every line, exactly
  as PyTorch's ``word_language_model/data.py`` (``line.split() + ['<eos>']``).  Ids follow
  first appearance over the splits in the order given, which with train, valid, test
  reproduces that example's ids exactly; ``<eos>`` gets the id of its first appearance (the
  end of the first line), recorded as ``eos_id`` in ``vocab.json``.

Input files may be gzip-compressed (recognised by their magic bytes, whatever the name).
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import json
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import BinaryIO, Protocol

import numpy as np

from ..io import atomic_path

__all__ = [
    "EOS", "LEVELS", "SAMPLES_FILE", "TEXT8_SIZES", "VOCAB_FILE",
    "encode_corpus", "gpt2_samples", "id_dtype", "open_binary", "split_text8",
]

EOS = "<eos>"
VOCAB_FILE = "vocab.json"
SAMPLES_FILE = "samples.npz"
TEXT8_SIZES = (90_000_000, 5_000_000, 5_000_000)
TEXT8_SPLITS = ("train", "valid", "test")
SAMPLE_FORMATS = ("auto", "dividers", "jsonl")

#: Bytes read per step.  Memory is a small multiple of this (decoded text, UTF-32 code points,
#: word lists).  Measured on 10^8 characters (benchmarks/bench_prepare.py): 256 KiB–2 MiB are
#: equally fast, 8 MiB is 40% slower (the per-chunk arrays no longer stay in cache).
DEFAULT_CHUNK_BYTES = 1 << 20

_GZIP_MAGIC = b"\x1f\x8b"
_CODE_POINTS = 0x110000
_SPLIT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
# The divider that openai/gpt-2's sampling scripts print before every sample.
_SAMPLE_DIVIDER = re.compile(r"=+ SAMPLE (\d+) =+")


# --------------------------------------------------------------------------- reading text


def open_binary(path: str | os.PathLike) -> BinaryIO:
    """Open ``path`` for binary reading, decompressing it on the fly if it is gzip."""
    with open(path, "rb") as probe:
        is_gzip = probe.read(2) == _GZIP_MAGIC
    return gzip.open(path, "rb") if is_gzip else open(path, "rb")


@contextlib.contextmanager
def _damaged_gzip_is_an_error(path: Path) -> Iterator[None]:
    """Turn the errors of a truncated or corrupt gzip input (a broken download) into a
    ``ValueError`` that names the file."""
    try:
        yield
    except (EOFError, gzip.BadGzipFile, zlib.error) as err:
        raise ValueError(f"{str(path)!r} is a damaged gzip file: {err}") from err


def _decoded_chunks(path: Path, chunk_bytes: int) -> Iterator[str]:
    """The UTF-8 text of ``path`` in pieces of at most ``chunk_bytes`` characters.

    A character whose bytes straddle two reads is completed by the next read (the incremental
    decoder keeps the partial sequence).  Raises ``ValueError`` naming the file and the byte
    offset (in the decompressed content for gzip) of invalid UTF-8, or if the file is empty.
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    consumed = 0  # bytes handed to the decoder so far
    with open_binary(path) as stream, _damaged_gzip_is_an_error(path):
        while True:
            raw = stream.read(chunk_bytes)
            # The decoder's error positions count from the start of its pending bytes.
            pending = len(decoder.getstate()[0])
            try:
                text = decoder.decode(raw, final=not raw)
            except UnicodeDecodeError as err:
                offset = consumed - pending + err.start
                raise ValueError(f"{str(path)!r} is not valid UTF-8: {err.reason} at byte "
                                 f"offset {offset:,}") from None
            consumed += len(raw)
            if not raw:
                break
            if text:
                yield text
    if consumed == 0:
        raise ValueError(f"{str(path)!r} is empty")


def _lines(chunks: Iterable[str]) -> Iterator[str]:
    """Lines (split on ``\\n`` only, terminator removed) of text arriving in chunks.

    Like iterating over a file: text after the last newline is a final line, a trailing
    newline does not start an empty one.
    """
    carry = ""
    for chunk in chunks:
        lines = (carry + chunk).split("\n")
        carry = lines.pop()
        yield from lines
    if carry:
        yield carry


def _word_pieces(chunks: Iterable[str]) -> Iterator[list[str]]:
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


def _code_points(text: str) -> np.ndarray:
    """Unicode code points of ``text`` as uint32, without a Python loop per character."""
    # surrogatepass: JSON may carry lone surrogates ("\ud800"), which are code points too.
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


# --------------------------------------------------------------------------- vocabularies


def id_dtype(vocab_size: int) -> np.dtype:
    """The smallest unsigned integer dtype that holds ids ``0 … vocab_size − 1``."""
    for dtype in (np.uint8, np.uint16, np.uint32):
        if vocab_size <= np.iinfo(dtype).max + 1:
            return np.dtype(dtype)
    raise ValueError(f"vocabulary of {vocab_size:,} symbols does not fit in uint32")


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
        codes = _code_points(piece)
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
            return table[_code_points(piece)]

        return encode


class WordVocabulary:
    """Whitespace tokens plus ``<eos>`` per line; ids in order of first appearance."""

    level = "word"
    eos = EOS
    id_order = "first appearance over the splits in the order given"

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}

    pieces = staticmethod(_word_pieces)

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


def _new_vocabulary(level: str) -> Vocabulary:
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    return LEVELS[level]()


def _vocabulary_metadata(vocab: Vocabulary, symbols: list[str], dtype: np.dtype) -> dict:
    return {
        "level": vocab.level,
        "vocab_size": len(symbols),
        "dtype": dtype.name,
        "id_order": vocab.id_order,
        "eos": vocab.eos,
        "eos_id": symbols.index(vocab.eos) if vocab.eos in symbols else None,
    }


def _write_json(path: Path, content: dict) -> None:
    # ASCII escapes keep the file valid UTF-8 even for lone surrogates from JSON input.
    path.write_text(json.dumps(content, ensure_ascii=True, indent=1) + "\n", encoding="ascii")


# --------------------------------------------------------------------------- corpora


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
    length = sum(vocab.add(piece) for piece in vocab.pieces(_decoded_chunks(path, chunk_bytes)))
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
    sources = _check_splits(splits)
    vocab = _new_vocabulary(level)
    lengths = {name: _count_symbols(vocab, path, chunk_bytes) for name, path in sources.items()}
    symbols = vocab.symbols()
    dtype = id_dtype(len(symbols))
    encode = vocab.encoder(dtype)
    summary = {
        **_vocabulary_metadata(vocab, symbols, dtype),
        "lengths": lengths,
        "sources": {name: os.fspath(path) for name, path in sources.items()},
    }
    out = Path(out_dir)
    with contextlib.ExitStack() as outputs:
        # Entered first, so renamed last: a complete vocab.json marks a complete set.
        vocab_tmp = outputs.enter_context(atomic_path(out / VOCAB_FILE))
        for name, path in sources.items():
            array_tmp = outputs.enter_context(atomic_path(out / f"{name}.npy"))
            pieces = vocab.pieces(_decoded_chunks(path, chunk_bytes))
            _encode_into(array_tmp, pieces, encode, lengths[name], dtype, path)
        _write_json(vocab_tmp, {**summary, "symbols": symbols})
    return summary


# --------------------------------------------------------------------------- text8


def _copy_bytes(source: BinaryIO, target: BinaryIO, size: int, chunk_bytes: int) -> int:
    """Copy up to ``size`` bytes; return how many were copied (fewer only at end of input)."""
    copied = 0
    while copied < size:
        block = source.read(min(chunk_bytes, size - copied))
        if not block:
            break
        target.write(block)
        copied += len(block)
    return copied


def _remaining_bytes(source: BinaryIO, chunk_bytes: int) -> int:
    return sum(len(block) for block in iter(partial(source.read, chunk_bytes), b""))


def split_text8(path: str | os.PathLike, out_dir: str | os.PathLike,
                sizes: tuple[int, int, int] = TEXT8_SIZES, *,
                chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> dict[str, Path]:
    """Split text8 into consecutive byte ranges ``train.txt``, ``valid.txt``, ``test.txt``.

    The paper used the first 90 MB, the next 5 MB and the last 5 MB (the usual text8 split).
    The input (optionally gzip) must be exactly ``sum(sizes)`` bytes, otherwise
    ``ValueError``; a smaller ``sizes`` is for tests.  Returns split name -> output path.
    """
    sizes = tuple(sizes)
    if len(sizes) != len(TEXT8_SPLITS) or any(int(s) != s or s < 1 for s in sizes):
        raise ValueError(f"sizes must be {len(TEXT8_SPLITS)} positive integers "
                         f"({', '.join(TEXT8_SPLITS)}), got {sizes!r}")
    total = sum(sizes)
    outputs = {name: Path(out_dir) / f"{name}.txt" for name in TEXT8_SPLITS}
    with (open_binary(path) as source, _damaged_gzip_is_an_error(Path(path)),
          contextlib.ExitStack() as stack):
        copied = 0
        for name, size in zip(TEXT8_SPLITS, sizes):
            with open(stack.enter_context(atomic_path(outputs[name])), "wb") as target:
                copied += _copy_bytes(source, target, size, chunk_bytes)
        actual = copied + _remaining_bytes(source, chunk_bytes)
        if actual != total:
            raise ValueError(f"{str(path)!r} holds {actual:,} bytes, but the splits "
                             f"{' + '.join(f'{s:,}' for s in sizes)} need exactly {total:,}")
    return outputs


# --------------------------------------------------------------------------- GPT-2 samples


def _divider_samples(path: Path, chunk_bytes: int) -> Iterator[str]:
    """Samples of openai/gpt-2's sample text: ``==== SAMPLE n ====`` lines, n = 1, 2, …

    The sampling script prints each divider, then ``print(text)``: the newline that print
    adds is not part of the sample and is removed.
    """
    expected, sample = 1, None  # sample: the lines of the sample being read
    for line in _lines(_decoded_chunks(path, chunk_bytes)):
        divider = _SAMPLE_DIVIDER.fullmatch(line)
        if divider:
            if int(divider[1]) != expected:
                raise ValueError(f"{str(path)!r}: divider of sample {divider[1]} where sample "
                                 f"{expected} was expected")
            if sample is not None:
                yield "\n".join(sample)
            sample, expected = [], expected + 1
        elif sample is not None:
            sample.append(line)
        elif line.strip():
            raise ValueError(f"{str(path)!r}: text before the first '=== SAMPLE 1 ===' divider")
    if sample is None:
        raise ValueError(f"{str(path)!r} holds no '=== SAMPLE n ===' dividers")
    yield "\n".join(sample)


def _jsonl_samples(path: Path, chunk_bytes: int) -> Iterator[str]:
    """The ``"text"`` of every JSON object (one per line) of a gpt-2-output-dataset file."""
    for number, line in enumerate(_lines(_decoded_chunks(path, chunk_bytes)), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise ValueError(f"{str(path)!r} line {number} is not JSON: {err}") from None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise ValueError(f"{str(path)!r} line {number} has no string field 'text'")
        yield record["text"]


_SAMPLE_READERS = {"dividers": _divider_samples, "jsonl": _jsonl_samples}


def _sample_format(path: Path, source_format: str) -> str:
    if source_format not in SAMPLE_FORMATS:
        raise ValueError(f"unknown source_format {source_format!r}; expected one of "
                         f"{', '.join(SAMPLE_FORMATS)}")
    if source_format != "auto":
        return source_format
    name = path.name.lower().removesuffix(".gz")
    return "jsonl" if name.endswith(".jsonl") else "dividers"


def _write_ragged_npz(path: Path, arrays: Iterable[tuple[str, np.ndarray]]) -> None:
    """Write named 1-D arrays as an uncompressed ``.npz`` one at a time (as ``np.savez``
    lays it out), so that only one array is in memory at once."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for key, array in arrays:
            with archive.open(f"{key}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def gpt2_samples(path: str | os.PathLike, out_dir: str | os.PathLike, *,
                 source_format: str = "auto",
                 chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> dict:
    """Encode GPT-2 samples at character level, one sequence per sample.

    Parameters
    ----------
    path
        Either openai/gpt-2's sample text (samples after lines like ``=== SAMPLE 1 ===``,
        40 ``=`` each side; the dividers are dropped) or a gpt-2-output-dataset ``.jsonl``
        (one object with a ``"text"`` field per line); optionally gzip.
    out_dir
        Receives ``samples.npz`` (keys ``sample_00000``, … in sample order, one 1-D id array
        each, possibly empty) and ``vocab.json`` (as :func:`encode_corpus` at char level).
    source_format
        ``"dividers"``, ``"jsonl"`` or ``"auto"`` (``jsonl`` for names ending in
        ``.jsonl``/``.jsonl.gz``).

    Returns
    -------
    dict with the vocabulary metadata, ``n_samples``, ``n_symbols`` and ``source``.

    Text inside a sample, ``<|endoftext|>`` markers included, is kept as it is.
    """
    source = Path(path)
    if not source.is_file():
        raise FileNotFoundError(f"input {str(path)!r} does not exist")
    read_samples = partial(_SAMPLE_READERS[_sample_format(source, source_format)], source,
                           chunk_bytes)
    vocab = CharVocabulary()
    lengths = [vocab.add(sample) for sample in read_samples()]  # pass 1
    if sum(lengths) == 0:
        raise ValueError(f"{str(path)!r}: the samples hold no characters")
    symbols = vocab.symbols()
    dtype = id_dtype(len(symbols))
    encode = vocab.encoder(dtype)
    summary = {
        **_vocabulary_metadata(vocab, symbols, dtype),
        "n_samples": len(lengths),
        "n_symbols": sum(lengths),
        "source": os.fspath(source),
    }
    width = max(5, len(str(len(lengths) - 1)))  # zero-padded: key order is sample order

    def encoded_samples() -> Iterator[tuple[str, np.ndarray]]:  # pass 2
        for index, (sample, length) in enumerate(zip(read_samples(), lengths, strict=True)):
            ids = encode(sample)
            if ids.size != length:
                raise ValueError(f"{str(path)!r} changed while it was being encoded")
            yield f"sample_{index:0{width}d}", ids

    out = Path(out_dir)
    with contextlib.ExitStack() as outputs:
        vocab_tmp = outputs.enter_context(atomic_path(out / VOCAB_FILE))
        _write_ragged_npz(outputs.enter_context(atomic_path(out / SAMPLES_FILE)),
                          encoded_samples())
        _write_json(vocab_tmp, {**summary, "symbols": symbols})
    return summary
