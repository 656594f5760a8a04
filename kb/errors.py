"""The error family. Each message names the object and the fix; the CLI prints it as one line."""


class KBError(Exception):
    """Base for errors a user can act on."""

    exit_code = 1


class ConfigError(KBError):
    """A setting is wrong or inconsistent with the stored data."""

    exit_code = 2


class FilterError(ConfigError):
    """A search filter cannot be read (`field` names it, `value` is what was given)."""

    def __init__(self, message: str, field: str, value: str):
        super().__init__(message)
        self.field = field
        self.value = value


class StoreLockedError(KBError):
    """The embedded store is held by another process (`owner`: its pid, command, start and app URL)."""

    def __init__(self, message: str, owner: dict | None = None):
        super().__init__(message)
        self.owner = owner or {}


class IdentityMismatchError(ConfigError):
    """The collection was built with another model or chunking than the current settings."""


class ModelError(KBError):
    """The embedding model cannot be built or loaded."""


class IngestError(KBError):
    """A file cannot be ingested; the message names the file and the cause."""

    def __init__(self, path: str, cause: str):
        super().__init__(f"{path}: {cause}")
        self.path = path
        self.cause = cause
