"""``miscaling text words-to-chars | reference | excerpts``: text models' samples as text."""

from __future__ import annotations

import argparse
from pathlib import Path

from miscaling.cli.common import InputError, log, non_negative_int, positive_int, require_suffix


def register(commands) -> None:
    """Add this family's subcommands to ``commands`` (an argparse subparsers action)."""
    text = commands.add_parser("text", help="text samples: words to characters, size-matched "
                               "references, excerpts")
    steps = text.add_subparsers(dest="kind", required=True, metavar="STEP")

    words = steps.add_parser(
        "words-to-chars", help="word samples -> text as wiki.*.tokens -> character ids")
    words.add_argument("samples", help="word ids (.npy [streams, length] or 1-D, or .npz)")
    words.add_argument("--word-vocab", required=True, help="vocab.json of the word corpus")
    words.add_argument("--char-vocab", required=True,
                       help="vocab.json of the training text at character level")
    words.add_argument("--out", required=True,
                       help="character ids, one sequence per stream (.npz, keys sample_00000, …)")
    words.add_argument("--text-out", default=None,
                       help="also the text (.txt; each stream after a '==== SAMPLE n ====' line)")
    words.set_defaults(func=run_words_to_chars)

    reference = steps.add_parser(
        "reference", help="contiguous training text cut like a sample set (same size)")
    reference.add_argument("samples", help="the sample set to match (.npy or .npz)")
    reference.add_argument("--train", required=True, help="training text ids (.npy, 1-D)")
    reference.add_argument("--seed", type=non_negative_int, default=0,
                           help="draws the offset in the training text (default: %(default)s)")
    reference.add_argument("--out", required=True,
                           help="the reference (.npz; .npy when all lengths are equal)")
    reference.set_defaults(func=run_reference)

    excerpts = steps.add_parser("excerpts", help="Appendix F: the first characters of samples "
                                "as text, one section per model")
    excerpts.add_argument("--samples", nargs="+", action="extend", required=True,
                          help="sample sets (.npy or .npz), one per model")
    excerpts.add_argument("--vocab", nargs="+", action="extend", required=True,
                          help="vocab.json: one for all sample sets or one per set (char level "
                               "decodes characters, word level words)")
    excerpts.add_argument("--names", nargs="+", action="extend", default=None,
                          help="section headings, one per sample set (default: file names)")
    excerpts.add_argument("--chars", type=positive_int, default=600,
                          help="characters per model (default: %(default)s)")
    excerpts.add_argument("--out", required=True, help="text file (.txt)")
    excerpts.set_defaults(func=run_excerpts)


def _require_file(path: str, flag: str) -> None:
    if not Path(path).is_file():
        raise InputError(f"{flag} {path!r} does not exist")


def _load_ids(path: str, flag: str):
    """Sequences of non-negative integer ids from .npy (1-D or 2-D) or .npz."""
    import numpy as np

    from miscaling.io import load_sequences

    if Path(path).suffix.lower() not in (".npy", ".npz"):
        raise InputError(f"{flag} {path!r} must end in .npy or .npz")
    data = load_sequences(path)
    for array in data if isinstance(data, list) else [data]:
        if array.size and (not np.issubdtype(array.dtype, np.integer) or array.min() < 0):
            raise InputError(f"{flag} {path!r} must hold non-negative integer symbol ids")
    if sum(array.size for array in (data if isinstance(data, list) else [data])) == 0:
        raise InputError(f"{flag} {path!r} holds no symbols")
    return data


def run_words_to_chars(args: argparse.Namespace) -> None:
    from miscaling.io import atomic_path
    from miscaling.text_samples import load_vocab, samples_text, save_sequences, words_to_chars

    require_suffix(args.out, ".npz")
    if args.text_out is not None:
        require_suffix(args.text_out, ".txt", flag="--text-out")
    word_vocab = load_vocab(args.word_vocab, "word")
    char_vocab = load_vocab(args.char_vocab, "char")
    samples = _load_ids(args.samples, "samples")
    chars, texts = words_to_chars(samples, word_vocab, char_vocab, what=repr(args.samples))
    if args.text_out is not None:
        with atomic_path(args.text_out) as tmp:
            tmp.write_text(samples_text(texts), encoding="utf-8")
    save_sequences(chars, args.out)
    n_words = sum(s.size for s in (samples if isinstance(samples, list) else [samples]))
    log.info("%d stream(s), %s word ids (<eos> included) -> %s characters", len(chars),
             f"{n_words:,}", f"{sum(c.size for c in chars):,}")


def run_reference(args: argparse.Namespace) -> None:
    from miscaling.text_samples import as_sequences, save_sequences, size_matched_reference

    require_suffix(args.out, ".npz", ".npy")
    _require_file(args.train, "--train")
    samples = as_sequences(_load_ids(args.samples, "samples"))
    lengths = [s.size for s in samples]
    if args.out.lower().endswith(".npy") and len(set(lengths)) > 1:
        raise InputError(f"--out {args.out!r}: the samples' lengths differ; use .npz")
    train = _load_ids(args.train, "--train")
    if isinstance(train, list) or train.ndim != 1:
        raise InputError(f"--train {args.train!r} must be one 1-D stream of ids (.npy)")
    reference, offset = size_matched_reference(train, lengths, args.seed,
                                               what=f"--train {args.train!r}")
    save_sequences(reference, args.out)
    log.info("%d sequence(s), %s symbols from offset %s of %s", len(reference),
             f"{sum(lengths):,}", f"{offset:,}", args.train)


def run_excerpts(args: argparse.Namespace) -> None:
    from miscaling.io import atomic_path
    from miscaling.text_samples import as_sequences, excerpts_text, load_vocab

    require_suffix(args.out, ".txt")
    count = len(args.samples)
    if len(args.vocab) not in (1, count):
        raise InputError(f"--vocab: give one vocabulary or one per sample set ({count}), "
                         f"got {len(args.vocab)}")
    names = args.names if args.names is not None else [Path(p).stem for p in args.samples]
    if len(names) != count:
        raise InputError(f"--names: give one name per sample set ({count}), got {len(names)}")
    for path in args.samples:
        _require_file(path, "--samples")
    vocabs = {path: load_vocab(path) for path in args.vocab}
    entries = []
    for index, (name, path) in enumerate(zip(names, args.samples)):
        vocab = vocabs[args.vocab[index if len(args.vocab) > 1 else 0]]
        sequences = as_sequences(_load_ids(path, "--samples"))
        for number, sequence in enumerate(sequences):
            vocab.check_ids(sequence, f"--samples {path!r} sequence {number}")
        entries.append((name, path, sequences, vocab))
    with atomic_path(args.out) as tmp:
        tmp.write_text(excerpts_text(entries, args.chars), encoding="utf-8")
    log.info("excerpts of %d sample set(s) in %s", count, args.out)
