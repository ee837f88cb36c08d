"""Errors the core raises for bad input; each carries a one-line, user-facing reason."""


class FameError(Exception):
    """Base class: a problem with the user's input or files, not a bug."""


class ImageLoadError(FameError):
    """A file that cannot be used as a photograph (missing, not an image, corrupt, too big)."""


class FaceNotFoundError(FameError):
    """No face was detected in a photograph."""


class FaceIndexError(FameError):
    """A face index that does not exist in the photograph."""


class CheckpointError(FameError):
    """A model checkpoint that is missing, corrupt, unsafe or of the wrong architecture."""


class ModelError(FameError):
    """An unknown model name or a model that cannot be set up."""


class ExportError(FameError):
    """Results that cannot be written (unwritable path, full disk)."""


class CaseFileError(FameError):
    """A case file that is missing, corrupt, altered or of an unknown format version."""


class TargetExistsError(ExportError):
    """An output that exists already and is not to be replaced (the CLI's --overwrite replaces it)."""


class CaseModelUnavailable(CaseFileError):
    """A case whose result cannot be checked: its face model (e.g. an AdaFace checkpoint) is not here."""

    def __init__(self, message: str, model_key: str, checkpoint: str | None):
        super().__init__(message)
        self.model_key = model_key
        self.checkpoint = checkpoint


class SigningError(FameError):
    """A signing key that is missing, not an Ed25519 key, or cannot be unlocked."""


class PassphraseNeeded(SigningError):
    """The private key is protected by a passphrase and none (or a wrong one) was given."""
