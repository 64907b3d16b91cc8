"""Corpora: the registry (:mod:`.registry`), verified downloads (:mod:`.download`) from the
network or a mirror (:mod:`.mirror`), their manifests (:mod:`.manifest`) and integer encodings
(:mod:`.prepare`, built on :mod:`.text`, :mod:`.vocab`, :mod:`.text8` and :mod:`.gpt2`)."""
