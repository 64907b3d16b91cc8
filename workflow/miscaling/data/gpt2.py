"""GPT-2 samples as one character sequence per sample, so that no symbol pair crosses a sample.

Two source formats: the ``==== SAMPLE n ====`` text of openai/gpt-2's sampling scripts, and the
gpt-2-output-dataset ``.jsonl`` (one object with a ``"text"`` field per line).  The output is a
ragged ``samples.npz`` written one sample at a time, plus ``vocab.json`` as for a corpus.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import zipfile
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path

import numpy as np

from ..io import atomic_path
from .text import DEFAULT_CHUNK_BYTES, check_chunk_bytes, decoded_chunks, lines
from .vocab import VOCAB_FILE, CharVocabulary, id_dtype, vocabulary_metadata, write_vocab

SAMPLES_FILE = "samples.npz"
SAMPLE_FORMATS = ("auto", "dividers", "jsonl")

# The divider that openai/gpt-2's sampling scripts print before every sample.
_SAMPLE_DIVIDER = re.compile(r"=+ SAMPLE (\d+) =+")


def _divider_samples(path: Path, chunk_bytes: int) -> Iterator[str]:
    """Samples of openai/gpt-2's sample text: ``==== SAMPLE n ====`` lines, n = 1, 2, …

    The sampling script prints each divider, then ``print(text)``: the newline that print
    adds is not part of the sample and is removed.
    """
    expected, sample = 1, None  # sample: the lines of the sample being read
    for line in lines(decoded_chunks(path, chunk_bytes)):
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
    for number, line in enumerate(lines(decoded_chunks(path, chunk_bytes)), start=1):
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
    check_chunk_bytes(chunk_bytes, "gpt2_samples")
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
        **vocabulary_metadata(vocab, symbols, dtype),
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
        write_vocab(vocab_tmp, summary, symbols)
    return summary
