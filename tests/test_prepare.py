"""Tests of miscaling.data.prepare: corpus encoding, text8 split, GPT-2 samples."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import numpy as np
import pytest
from miscaling.data.prepare import (
    EOS,
    encode_corpus,
    gpt2_samples,
    id_dtype,
    split_text8,
)
from miscaling.io import load_sequences

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def write(path: Path, content: str | bytes) -> Path:
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.write_bytes(data)
    return path


def read_vocab(out_dir: Path) -> dict:
    return json.loads((out_dir / "vocab.json").read_text(encoding="ascii"))


def decode(out_dir: Path, split: str, joiner: str = "") -> str:
    symbols = read_vocab(out_dir)["symbols"]
    return joiner.join(symbols[i] for i in np.load(out_dir / f"{split}.npy"))


def pytorch_tokens(text: str) -> list[str]:
    """Reference: PyTorch word_language_model data.py, ``line.split() + ['<eos>']`` per line."""
    tokens = []
    for line in io.StringIO(text, newline="\n"):  # lines as iterating over the file gives
        tokens += line.split() + [EOS]
    return tokens


def leftovers(directory: Path) -> list[str]:
    """Names in ``directory`` other than finished outputs (temporary files)."""
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


def assert_no_outputs(directory: Path) -> None:
    assert not directory.exists() or list(directory.iterdir()) == []


# --------------------------------------------------------------------------- char level


MULTIBYTE = "añ€😀\nb€\n"  # 1-, 2-, 3- and 4-byte UTF-8 characters


@pytest.mark.parametrize("chunk_bytes", [1, 2, 3, 5, 1 << 20])
def test_char_level_multibyte_characters_across_chunk_boundaries(tmp_path, chunk_bytes):
    train = write(tmp_path / "train.txt", MULTIBYTE)
    test = write(tmp_path / "test.txt", "b\n")
    out = tmp_path / "out"
    summary = encode_corpus({"train": train, "test": test}, "char", out,
                            chunk_bytes=chunk_bytes)
    vocab = read_vocab(out)
    assert vocab["symbols"] == sorted(set(MULTIBYTE))  # code point order, newline included
    assert summary["vocab_size"] == 6
    assert summary["lengths"] == {"train": 8, "test": 2}
    assert summary["dtype"] == "uint8"
    assert decode(out, "train") == MULTIBYTE
    assert decode(out, "test") == "b\n"
    assert leftovers(out) == []


def test_char_ids_agree_across_splits_and_vocab_json_records_metadata(tmp_path):
    train = write(tmp_path / "a.txt", "abc")
    valid = write(tmp_path / "b.txt", "cxa")
    out = tmp_path / "out"
    encode_corpus({"train": train, "valid": valid}, "char", out)
    assert np.load(out / "train.npy").tolist() == [0, 1, 2]
    assert np.load(out / "valid.npy").tolist() == [2, 3, 0]  # 'x' only occurs in valid
    vocab = read_vocab(out)
    assert vocab["symbols"] == ["a", "b", "c", "x"]
    assert vocab["level"] == "char" and vocab["eos"] is None
    assert vocab["lengths"] == {"train": 3, "valid": 3}
    assert vocab["sources"] == {"train": str(train), "valid": str(valid)}


def test_gzip_input_is_read_transparently(tmp_path):
    plain = write(tmp_path / "plain.txt", MULTIBYTE)
    zipped = write(tmp_path / "zipped.tokens", gzip.compress(MULTIBYTE.encode()))
    encode_corpus({"a": plain}, "char", tmp_path / "plain")
    encode_corpus({"a": zipped}, "char", tmp_path / "zipped", chunk_bytes=3)
    assert np.array_equal(np.load(tmp_path / "plain" / "a.npy"),
                          np.load(tmp_path / "zipped" / "a.npy"))


@pytest.mark.parametrize("distinct, dtype", [(256, "uint8"), (257, "uint16")])
def test_dtype_is_the_smallest_that_holds_the_vocabulary(tmp_path, distinct, dtype):
    text = "".join(chr(0x100 + i) for i in range(distinct))
    summary = encode_corpus({"train": write(tmp_path / "t.txt", text)}, "char", tmp_path / "o")
    assert summary["dtype"] == dtype
    assert np.load(tmp_path / "o" / "train.npy").dtype == np.dtype(dtype)
    assert decode(tmp_path / "o", "train") == text


def test_id_dtype_boundaries():
    assert id_dtype(1) == np.uint8 and id_dtype(256) == np.uint8
    assert id_dtype(257) == np.uint16 and id_dtype(65_536) == np.uint16
    assert id_dtype(65_537) == np.uint32
    with pytest.raises(ValueError, match="does not fit"):
        id_dtype(2**32 + 1)


# --------------------------------------------------------------------------- word level


WORD_TEXT = "the cat  sat\n\n  on the\tmat \nthe end"  # blank line, tabs, no final newline


@pytest.mark.parametrize("chunk_bytes", [1, 2, 3, 4, 7, 1 << 20])
def test_word_level_matches_pytorch_tokenisation(tmp_path, chunk_bytes):
    out = tmp_path / "out"
    summary = encode_corpus({"train": write(tmp_path / "w.txt", WORD_TEXT)}, "word", out,
                            chunk_bytes=chunk_bytes)
    expected = pytorch_tokens(WORD_TEXT)
    assert expected == ["the", "cat", "sat", EOS, EOS, "on", "the", "mat", EOS, "the", "end",
                        EOS]
    assert decode(out, "train", " ").split(" ") == expected
    vocab = read_vocab(out)
    assert vocab["symbols"] == ["the", "cat", "sat", EOS, "on", "mat", "end"]  # first seen
    assert summary["eos_id"] == 3 and vocab["eos"] == EOS
    assert summary["lengths"] == {"train": 12}


@pytest.mark.parametrize("text", ["\n", "\n\n", "a", "a\n", " ", "a\n ", "  x  y  \n z",
                                  "long" * 20 + " tail\n"])
@pytest.mark.parametrize("chunk_bytes", [1, 3, 1 << 20])
def test_word_level_edge_cases(tmp_path, text, chunk_bytes):
    out = tmp_path / "out"
    encode_corpus({"train": write(tmp_path / "w.txt", text)}, "word", out,
                  chunk_bytes=chunk_bytes)
    assert decode(out, "train", " ").split(" ") == pytorch_tokens(text)


def test_blank_lines_give_just_eos(tmp_path):
    out = tmp_path / "out"
    summary = encode_corpus({"train": write(tmp_path / "w.txt", "\n\n\n")}, "word", out)
    assert read_vocab(out)["symbols"] == [EOS]
    assert np.load(out / "train.npy").tolist() == [0, 0, 0]
    assert summary["lengths"] == {"train": 3}


def test_word_ids_agree_across_splits_in_the_order_given(tmp_path):
    train = write(tmp_path / "train.txt", "b a\n")
    test = write(tmp_path / "test.txt", "c a\n")
    out = tmp_path / "out"
    encode_corpus({"train": train, "test": test}, "word", out)
    assert read_vocab(out)["symbols"] == ["b", "a", EOS, "c"]
    assert np.load(out / "train.npy").tolist() == [0, 1, 2]
    assert np.load(out / "test.npy").tolist() == [3, 1, 2]


# --------------------------------------------------------------------------- errors


def test_bad_utf8_names_file_and_byte_offset_and_leaves_no_output(tmp_path):
    good = write(tmp_path / "good.txt", "fine\n")
    bad = write(tmp_path / "bad.txt", b"ab\xc3\xa9cd\xff rest")
    out = tmp_path / "out"
    for chunk_bytes in (1, 4, 1 << 20):
        with pytest.raises(ValueError, match=r"bad\.txt.*not valid UTF-8.*byte offset 6"):
            encode_corpus({"train": good, "test": bad}, "word", out, chunk_bytes=chunk_bytes)
    assert_no_outputs(out)


def test_truncated_multibyte_character_at_end_of_file_is_an_error(tmp_path):
    bad = write(tmp_path / "cut.txt", "ok €".encode()[:-1])
    with pytest.raises(ValueError, match=r"cut\.txt.*byte offset 3"):
        encode_corpus({"train": bad}, "char", tmp_path / "out", chunk_bytes=2)


def test_failure_keeps_previous_outputs_and_leaves_no_temporary_files(tmp_path):
    out = tmp_path / "out"
    encode_corpus({"train": write(tmp_path / "a.txt", "old\n")}, "char", out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = write(tmp_path / "bad.txt", b"\xff")
    with pytest.raises(ValueError, match="not valid UTF-8"):
        encode_corpus({"train": write(tmp_path / "b.txt", "new\n"), "test": bad}, "char", out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_truncated_gzip_is_an_error_naming_the_file(tmp_path):
    cut = write(tmp_path / "cut.txt.gz", gzip.compress(b"some text\n" * 100)[:-20])
    with pytest.raises(ValueError, match=r"cut\.txt\.gz.*damaged gzip"):
        encode_corpus({"train": cut}, "char", tmp_path / "out")
    with pytest.raises(ValueError, match=r"cut\.txt\.gz.*damaged gzip"):
        split_text8(cut, tmp_path / "split", sizes=(1, 1, 998))
    assert_no_outputs(tmp_path / "out")
    assert_no_outputs(tmp_path / "split")


def test_empty_file_is_an_error(tmp_path):
    empty = write(tmp_path / "empty.txt", b"")
    with pytest.raises(ValueError, match=r"empty\.txt.*is empty"):
        encode_corpus({"train": empty}, "char", tmp_path / "out")
    empty_gzip = write(tmp_path / "empty.gz", gzip.compress(b""))
    with pytest.raises(ValueError, match=r"empty\.gz.*is empty"):
        encode_corpus({"train": empty_gzip}, "word", tmp_path / "out")
    assert_no_outputs(tmp_path / "out")


def test_whitespace_without_newline_is_one_line_at_word_level(tmp_path):
    # Whitespace without a newline is one (empty) line: PyTorch gives it one <eos>.
    summary = encode_corpus({"train": write(tmp_path / "s.txt", "  ")}, "word", tmp_path / "o")
    assert summary["lengths"] == {"train": 1}


def test_bad_arguments(tmp_path):
    text = write(tmp_path / "t.txt", "x")
    with pytest.raises(ValueError, match="unknown level"):
        encode_corpus({"train": text}, "byte", tmp_path / "o")
    with pytest.raises(ValueError, match="split name"):
        encode_corpus({"../train": text}, "char", tmp_path / "o")
    with pytest.raises(ValueError, match="no splits"):
        encode_corpus({}, "char", tmp_path / "o")
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        encode_corpus({"train": tmp_path / "missing.txt"}, "char", tmp_path / "o")


# --------------------------------------------------------------------------- text8


def test_split_text8_writes_consecutive_byte_ranges(tmp_path):
    content = b"abcdefghij klmnopqrstuvwxyz"
    source = write(tmp_path / "text8", content)
    paths = split_text8(source, tmp_path / "out", sizes=(20, 3, 4), chunk_bytes=3)
    assert list(paths) == ["train", "valid", "test"]
    assert [p.name for p in paths.values()] == ["train.txt", "valid.txt", "test.txt"]
    assert b"".join(p.read_bytes() for p in paths.values()) == content
    assert [p.stat().st_size for p in paths.values()] == [20, 3, 4]
    zipped = write(tmp_path / "text8.gz", gzip.compress(content))
    again = split_text8(zipped, tmp_path / "gz", sizes=(20, 3, 4))
    assert [p.read_bytes() for p in again.values()] == [p.read_bytes() for p in paths.values()]


@pytest.mark.parametrize("size", [26, 28, 5])
def test_split_text8_wrong_size_is_an_error_and_leaves_no_output(tmp_path, size):
    source = write(tmp_path / "text8", b"x" * size)
    with pytest.raises(ValueError, match=rf"holds {size} bytes.*need exactly 27"):
        split_text8(source, tmp_path / "out", sizes=(20, 3, 4))
    assert_no_outputs(tmp_path / "out")


def test_split_text8_rejects_bad_sizes(tmp_path):
    source = write(tmp_path / "text8", b"xyz")
    with pytest.raises(ValueError, match="3 positive integers"):
        split_text8(source, tmp_path / "out", sizes=(2, 1))
    for sizes in ((2, 0, 1), (2.0, 1, 0), ("1", 1, 1), (True, 1, 1)):
        with pytest.raises(ValueError, match="3 positive integers"):
            split_text8(source, tmp_path / "out", sizes=sizes)
    assert_no_outputs(tmp_path / "out")


@pytest.mark.parametrize("chunk_bytes", [0, -1, 2.5, None])
def test_every_entry_point_refuses_a_bad_chunk_size(tmp_path, chunk_bytes):
    source = write(tmp_path / "t.txt", "abc\n")
    calls = {
        "encode_corpus": lambda: encode_corpus({"train": source}, "char", tmp_path / "o",
                                               chunk_bytes=chunk_bytes),
        "split_text8": lambda: split_text8(source, tmp_path / "o", sizes=(2, 1, 1),
                                           chunk_bytes=chunk_bytes),
        "gpt2_samples": lambda: gpt2_samples(source, tmp_path / "o", chunk_bytes=chunk_bytes),
    }
    for name, call in calls.items():
        with pytest.raises(ValueError, match=rf"invalid {name}: chunk_bytes must be"):
            call()
    assert_no_outputs(tmp_path / "o")


def test_vocab_json_is_indented_ascii_json(tmp_path):
    """The exact bytes of vocab.json: one-space indent, ASCII escapes, a final newline."""
    source = write(tmp_path / "s.jsonl", '{"text": "a\\ud800b\u00e9\u20ac"}\n')
    summary = gpt2_samples(source, tmp_path / "out")
    raw = (tmp_path / "out" / "vocab.json").read_bytes()
    expected = {**summary, "symbols": ["a", "b", "\u00e9", "\u20ac", "\ud800"]}  # code points
    assert raw == (json.dumps(expected, ensure_ascii=True, indent=1) + "\n").encode("ascii")


# --------------------------------------------------------------------------- GPT-2 samples


def divider(number: int) -> str:
    return f"{'=' * 40} SAMPLE {number} {'=' * 40}\n"


GPT2_SAMPLES = ["First sample.\n\nSecond paragraph é", "two\n", "", "last <|endoftext|>x"]
# As openai/gpt-2's scripts print them: the divider, then print(text).
GPT2_TEXT = "".join(divider(i) + text + "\n" for i, text in enumerate(GPT2_SAMPLES, 1))


def read_samples(out_dir: Path) -> list[str]:
    symbols = read_vocab(out_dir)["symbols"]
    with np.load(out_dir / "samples.npz") as archive:
        return ["".join(symbols[i] for i in archive[key]) for key in archive.files]


@pytest.mark.parametrize("chunk_bytes", [1, 7, 1 << 20])
def test_gpt2_dividers_are_removed_one_sequence_per_sample(tmp_path, chunk_bytes):
    out = tmp_path / "out"
    summary = gpt2_samples(write(tmp_path / "samples.txt", GPT2_TEXT), out,
                           chunk_bytes=chunk_bytes)
    assert read_samples(out) == GPT2_SAMPLES
    with np.load(out / "samples.npz") as archive:
        assert archive.files == ["sample_00000", "sample_00001", "sample_00002", "sample_00003"]
    assert summary["n_samples"] == 4
    assert summary["n_symbols"] == sum(map(len, GPT2_SAMPLES))
    assert read_vocab(out)["symbols"] == sorted(set("".join(GPT2_SAMPLES)))
    assert [s.size for s in load_sequences(out / "samples.npz")] == list(map(len, GPT2_SAMPLES))
    assert leftovers(out) == []


def test_gpt2_jsonl(tmp_path):
    lines = [json.dumps({"id": i, "text": text, "length": 1}) for i, text in
             enumerate(GPT2_SAMPLES)]
    source = write(tmp_path / "small-117M.test.jsonl.gz",
                   gzip.compress(("\n".join(lines) + "\n").encode()))
    out = tmp_path / "out"
    summary = gpt2_samples(source, out)
    assert read_samples(out) == GPT2_SAMPLES
    assert summary["n_samples"] == 4


def test_gpt2_jsonl_lone_surrogate_survives(tmp_path):
    source = write(tmp_path / "s.jsonl", '{"text": "a\\ud800b"}\n')
    gpt2_samples(source, tmp_path / "out")
    assert read_samples(tmp_path / "out") == ["a\ud800b"]


@pytest.mark.parametrize("content, message", [
    (divider(1) + "a\n" + divider(3) + "b\n", "sample 3 where sample 2"),
    ("preamble\n" + divider(1) + "a\n", "text before the first"),
    ("\n\n", "no '=== SAMPLE n ===' dividers"),
])
def test_gpt2_divider_format_errors(tmp_path, content, message):
    with pytest.raises(ValueError, match=message):
        gpt2_samples(write(tmp_path / "s.txt", content), tmp_path / "out")
    assert_no_outputs(tmp_path / "out")


@pytest.mark.parametrize("line, message", [("not json", "line 2 is not JSON"),
                                           ('{"txt": "a"}', "line 2 has no string field")])
def test_gpt2_jsonl_errors(tmp_path, line, message):
    source = write(tmp_path / "s.jsonl", '{"text": "ok"}\n' + line + "\n")
    with pytest.raises(ValueError, match=message):
        gpt2_samples(source, tmp_path / "out")


# --------------------------------------------------------------------------- real corpora


needs_shared_data = pytest.mark.skipif(not SHARED_DATA.is_dir(),
                                       reason=f"{SHARED_DATA} is absent")


@pytest.mark.realdata
@needs_shared_data
def test_wikitext2_published_numbers(tmp_path):
    splits = {s: SHARED_DATA / "wikitext-2" / f"wiki.{s}.tokens.gz"
              for s in ("train", "valid", "test")}
    words = encode_corpus(splits, "word", tmp_path / "word")
    assert words["vocab_size"] == 33_278  # Merity et al. 2016
    assert words["lengths"] == {"train": 2_088_628, "valid": 217_646, "test": 245_569}
    chars = encode_corpus(splits, "char", tmp_path / "char")
    assert chars["vocab_size"] == 283
    assert encode_corpus({"train": splits["train"]}, "char", tmp_path / "c")["vocab_size"] == 283


@pytest.mark.realdata
@needs_shared_data
def test_ptb_published_numbers(tmp_path):
    ptb = SHARED_DATA / "ptb"
    splits = {"train": ptb / "ptb.train.txt.gz", "valid": ptb / "ptb.valid.txt",
              "test": ptb / "ptb.test.txt"}
    words = encode_corpus(splits, "word", tmp_path / "word")
    assert words["vocab_size"] == 10_000  # Mikolov's preprocessing, <unk> and <eos> included
    # 887,521 words + 42,068 <eos> (one per line): Mikolov's published 929k counts the <eos>.
    assert words["lengths"] == {"train": 929_589, "valid": 73_760, "test": 82_430}
    train_eos = int((np.load(tmp_path / "word" / "train.npy") == words["eos_id"]).sum())
    assert train_eos == 42_068
    chars = encode_corpus(splits, "char", tmp_path / "char")
    assert chars["vocab_size"] == 50
    assert chars["lengths"]["train"] == 5_101_618  # ASCII: characters = bytes


@pytest.mark.realdata
@needs_shared_data
def test_gpt2_sample_file_holds_500_samples(tmp_path):
    source = SHARED_DATA / "gpt2-samples" / "gpt2-1.5B-unconditional-t1.txt.gz"
    summary = gpt2_samples(source, tmp_path)
    assert summary["n_samples"] == 500
    assert summary["n_symbols"] == 2_298_447
    with np.load(tmp_path / "samples.npz") as archive:
        assert archive.files[-1] == "sample_00499"
        assert all(archive[key].size > 0 for key in archive.files)
