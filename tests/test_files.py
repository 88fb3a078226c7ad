"""Streamed file hashing."""

from __future__ import annotations

import hashlib

from endurance import _files


def test_sha256_file_matches_hashing_the_bytes_whole_across_block_edges(tmp_path):
    path = tmp_path / "blocks.bin"
    data = bytes(range(256)) * ((1 << 20) // 256) + b"tail"  # one full block and a short one
    path.write_bytes(data)
    assert _files.sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_sha256_file_of_an_empty_file(tmp_path):
    path = tmp_path / "empty"
    path.write_bytes(b"")
    assert _files.sha256_file(path) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
