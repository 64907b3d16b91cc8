"""Corpora: verified downloads (:mod:`.download`) and integer encodings (:mod:`.prepare`)."""
