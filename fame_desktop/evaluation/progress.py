"""What the evaluation loop reports as it goes (no imports: the CLI subclasses it before torch loads)."""


class Progress:
    """Does nothing by default; the CLI draws a progress bar, a GUI or an engine may log."""

    def phase(self, name: str, total: int, done: int) -> None:
        """A phase ("scoring", "evaluation") starts: `total` pairs, `done` of them already in the folder."""

    def pair(self, row: dict) -> None:
        """A pair has ended; its row is written."""

    def method(self, pair_id: str, key: str, event) -> None:
        """A method's progress event (e.g. core.fame.FameProgress) on pair `pair_id`."""
