"""Tests for miscaling.text_samples and `miscaling text`: words -> text -> characters, the
size-matched data reference, Appendix F excerpts."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli
from miscaling.data.prepare import encode_corpus, gpt2_samples
from miscaling.io import load_sequences
from miscaling.text_samples import (
    TextVocabulary,
    excerpt,
    excerpts_text,
    load_vocab,
    samples_text,
    save_sequences,
    size_matched_reference,
    words_to_chars,
)

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

# WikiText's layout: a space, each token followed by a space, the newline; empty lines " \n".
TINY = " \n = Tiny = \n \n The cat sat . \n A <unk> ran , the cat sat . \n \n"



@pytest.fixture()
def tiny(tmp_path):
    """The tiny corpus at word and char level: (word ids, word vocab, char ids, char vocab)."""
    source = tmp_path / "wiki.train.tokens"
    source.write_text(TINY, encoding="utf-8")
    encode_corpus({"train": source}, "word", tmp_path / "word")
    encode_corpus({"train": source}, "char", tmp_path / "char")
    return (np.load(tmp_path / "word/train.npy"), tmp_path / "word/vocab.json",
            np.load(tmp_path / "char/train.npy"), tmp_path / "char/vocab.json")


def test_tiny_corpus_round_trip(tiny):
    word_ids, word_json, char_ids, char_json = tiny
    words, chars = load_vocab(word_json, "word"), load_vocab(char_json, "char")
    assert words.decode(word_ids) == TINY
    assert chars.decode(char_ids) == TINY
    encoded, texts = words_to_chars(word_ids, words, chars)
    assert texts == [TINY]
    np.testing.assert_array_equal(encoded[0], char_ids)
    assert encoded[0].dtype == char_ids.dtype


def test_streams_that_start_or_end_inside_a_line(tiny):
    word_ids, word_json, _, char_json = tiny
    words, chars = load_vocab(word_json), load_vocab(char_json)
    ids = {s: i for i, s in enumerate(words.symbols)}
    stream = [ids[w] for w in ["cat", "sat", "<eos>", "<eos>", "The", "cat"]]
    assert words.decode(stream) == " cat sat \n \n The cat "
    assert words.decode([ids["<eos>"]]) == " \n"
    assert words.decode([]) == ""
    samples = np.array([stream, stream[::-1]], dtype=np.uint16)  # 2-D: one text per row
    encoded, texts = words_to_chars(samples, words, chars)
    assert texts[1] == " cat The \n \n sat cat "
    assert [chars.decode(c) for c in encoded] == texts


def test_unknown_characters_and_ids_are_named(tiny):
    _, word_json, _, _ = tiny
    words = load_vocab(word_json)
    chars = TextVocabulary("char", tuple(sorted(set(TINY) - {"a"})), source="'c.json'")
    with pytest.raises(ValueError, match=r"'c.json' lacks 'a' \(U\+0061\)"):
        chars.encode("The cat sat")
    with pytest.raises(ValueError, match="sequence 0: the char vocabulary 'c.json' lacks 'a'"):
        words_to_chars(np.array([0, words.symbols.index("cat")]), words, chars)
    with pytest.raises(ValueError, match=f"holds id {words.size}, outside 0 … {words.size - 1}"):
        words_to_chars(np.array([[0, words.size]]), words, chars)
    with pytest.raises(ValueError, match="expected a word and a char vocabulary"):
        words_to_chars(np.array([0]), chars, words)


def test_vocabularies_are_checked(tmp_path, tiny):
    _, word_json, _, char_json = tiny
    with pytest.raises(ValueError, match="at word level; expected a char vocabulary"):
        load_vocab(word_json, "char")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_vocab(tmp_path / "nope.json")
    with pytest.raises(ValueError, match="holds whitespace"):
        TextVocabulary("word", ("a b", "<eos>"), "<eos>")
    with pytest.raises(ValueError, match="lacks its eos"):
        TextVocabulary("word", ("a",), "<eos>")
    with pytest.raises(ValueError, match="single characters"):
        TextVocabulary("char", ("ab",))


def test_samples_text_reads_back_with_prepare_gpt2(tmp_path, tiny):
    texts = [" a b \n c ", " \n", TINY]
    path = tmp_path / "samples.txt"
    path.write_text(samples_text(texts), encoding="utf-8")
    gpt2_samples(path, tmp_path / "back")
    back = load_sequences(tmp_path / "back/samples.npz")
    vocab = load_vocab(tmp_path / "back/vocab.json")
    assert [vocab.decode(ids) for ids in back] == texts


def test_size_matched_reference_is_contiguous_seeded_and_same_size():
    train = np.arange(1000)
    lengths = [100, 37, 1, 262]
    reference, offset = size_matched_reference(train, lengths, seed=3)
    assert [r.size for r in reference] == lengths
    np.testing.assert_array_equal(np.concatenate(reference), np.arange(offset, offset + 400))
    again, same = size_matched_reference(train, lengths, seed=3)
    assert same == offset and all((a == b).all() for a, b in zip(again, reference))
    offsets = {size_matched_reference(train, lengths, seed=s)[1] for s in range(20)}
    assert len(offsets) > 1 and max(offsets) <= 600
    assert size_matched_reference(train, [1000])[1] == 0  # exactly fits
    with pytest.raises(ValueError, match="holds 1,000 symbols, fewer than the 1,001"):
        size_matched_reference(train, [1000, 1])
    with pytest.raises(ValueError, match="1-D stream"):
        size_matched_reference(train.reshape(10, 100), [5])


def test_save_sequences_keeps_stream_order(tmp_path):
    sequences = [np.full(n + 1, n, dtype=np.uint8) for n in range(12)]
    save_sequences(sequences, tmp_path / "s.npz")
    back = load_sequences(tmp_path / "s.npz")
    assert [b.tolist() for b in back] == [s.tolist() for s in sequences]
    with np.load(tmp_path / "s.npz") as archive:
        assert archive.files[:2] == ["sample_00000", "sample_00001"]
    save_sequences([np.zeros(3), np.ones(3)], tmp_path / "s.npy")
    assert np.load(tmp_path / "s.npy").shape == (2, 3)
    with pytest.raises(ValueError, match="different lengths need .npz"):
        save_sequences(sequences, tmp_path / "r.npy")


def test_excerpts(tiny):
    word_ids, word_json, char_ids, char_json = tiny
    words, chars = load_vocab(word_json), load_vocab(char_json)
    assert excerpt(char_ids, chars, 10) == TINY[:10]
    assert excerpt(word_ids, words, 25) == TINY[:25]
    short = [char_ids[:4], char_ids[4:]]
    assert excerpt(short, chars, 6, separator="|") == TINY[:4] + "|" + TINY[4:6]
    text = excerpts_text([("char_lstm", "c.npy", [char_ids], chars),
                          ("word_lstm", "w.npy", [word_ids], words)], 12)
    assert text.startswith(f"==== char_lstm ====\nfirst 12 characters of c.npy (1 sequences, "
                           f"{char_ids.size:,} characters)\n\n{TINY[:12]}\n\n==== word_lstm")
    assert text.endswith(f"{word_ids.size:,} words)\n\n{TINY[:12]}\n")


def test_cli_words_to_chars_reference_and_excerpts(tmp_path, tiny):
    word_ids, word_json, char_ids, char_json = tiny
    words = np.stack([word_ids[:9], word_ids[-9:]])
    np.save(tmp_path / "words.npy", words)
    assert run_cli("text", "words-to-chars", tmp_path / "words.npy", "--word-vocab", word_json,
                   "--char-vocab", char_json, "--out", tmp_path / "chars.npz",
                   "--text-out", tmp_path / "chars.txt") == 0
    chars = load_sequences(tmp_path / "chars.npz")
    vocab = load_vocab(char_json)
    texts = [load_vocab(word_json).decode(row) for row in words]
    assert [vocab.decode(c) for c in chars] == texts
    assert (tmp_path / "chars.txt").read_text(encoding="utf-8") == samples_text(texts)

    train = tmp_path / "train.npy"
    np.save(train, char_ids)
    assert run_cli("text", "reference", tmp_path / "chars.npz", "--train", train, "--seed", "1",
                   "--out", tmp_path / "ref.npz") == 0
    reference = load_sequences(tmp_path / "ref.npz")
    assert [r.size for r in reference] == [c.size for c in chars]
    assert run_cli("text", "reference", tmp_path / "words.npy", "--train", train,
                   "--out", tmp_path / "ref.npy") == 0
    assert np.load(tmp_path / "ref.npy").shape == words.shape

    assert run_cli("text", "excerpts", "--samples", tmp_path / "chars.npz", tmp_path / "words.npy",
                   "--vocab", char_json, word_json, "--names", "chars", "words",
                   "--chars", "20", "--out", tmp_path / "f.txt") == 0
    text = (tmp_path / "f.txt").read_text(encoding="utf-8")
    assert "==== chars ====" in text and "==== words ====" in text
    assert texts[0][:20] in text


def test_cli_rejects_bad_input_before_writing(tmp_path, tiny, capsys):
    word_ids, word_json, char_ids, char_json = tiny
    np.save(tmp_path / "words.npy", word_ids)
    np.save(tmp_path / "train.npy", char_ids[:10])
    np.save(tmp_path / "big.npy", np.array([0, 200], dtype=np.uint8))
    cases = [
        (("words-to-chars", tmp_path / "words.npy", "--word-vocab", char_json, "--char-vocab",
          char_json, "--out", tmp_path / "o.npz"), "at char level; expected a word"),
        (("words-to-chars", tmp_path / "words.npy", "--word-vocab", word_json, "--char-vocab",
          char_json, "--out", tmp_path / "o.npy"), "must end in .npz"),
        (("reference", tmp_path / "words.npy", "--train", tmp_path / "train.npy",
          "--out", tmp_path / "o.npz"), "fewer than"),
        (("reference", tmp_path / "words.npy", "--train", tmp_path / "none.npy",
          "--out", tmp_path / "o.npz"), "does not exist"),
        (("excerpts", "--samples", tmp_path / "words.npy", "--vocab", char_json, word_json,
          word_json, "--out", tmp_path / "o.txt"), "one vocabulary or one per sample set"),
        (("excerpts", "--samples", tmp_path / "big.npy", "--vocab", char_json,
          "--out", tmp_path / "o.txt"), "holds id 200, outside 0 …"),
    ]
    for args, message in cases:
        assert run_cli("text", *args) == 2
        assert message in capsys.readouterr().err
    assert not any(p.name.startswith("o.") for p in tmp_path.iterdir())


@pytest.mark.realdata
@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"{SHARED_DATA} is absent")
def test_wikitext2_valid_round_trip(tmp_path):
    """Text -> word ids (the data package) -> text is the decompressed file, and -> characters
    is the data package's character encoding of the same file."""
    source = SHARED_DATA / "wikitext-2" / "wiki.valid.tokens.gz"
    encode_corpus({"valid": source}, "word", tmp_path / "word")
    encode_corpus({"valid": source}, "char", tmp_path / "char")
    words = load_vocab(tmp_path / "word/vocab.json", "word")
    chars = load_vocab(tmp_path / "char/vocab.json", "char")
    word_ids = np.load(tmp_path / "word/valid.npy")
    encoded, texts = words_to_chars(word_ids, words, chars)
    assert texts[0] == gzip.decompress(source.read_bytes()).decode("utf-8")
    np.testing.assert_array_equal(encoded[0], np.load(tmp_path / "char/valid.npy"))
