"""'Latest wins': answers to superseded requests are recognised and dropped.

A slot that reads a photograph, a page that prepares its inputs, a similarity being
computed: each asks a worker, and the user may ask again before the answer comes. Take a
token when asking; when the answer arrives, use it only if its token is still current.
"""

from __future__ import annotations


class Latest:
    def __init__(self):
        self._token = 0

    def next(self) -> int:
        """A new request: earlier tokens stop being current."""
        self._token += 1
        return self._token

    def current(self, token: int) -> bool:
        return token == self._token

    def invalidate(self) -> None:
        """Nothing asked so far is wanted any more."""
        self._token += 1
