"""Errors the pipeline raises on bad input: each names the file or key and the problem."""


class CoprodError(Exception):
    """Base class: a run stops with this message and writes nothing."""


class ChecksumError(CoprodError):
    """A raw file's SHA-256 differs from the registry's."""


class AcquisitionError(CoprodError):
    """A raw file could not be copied or downloaded."""


class SchemaError(CoprodError):
    """A raw file lacks columns or sheets its reader needs, or is truncated/malformed."""


class GeographyError(CoprodError):
    """Codes of an unexpected vintage or a join that loses rows not listed as expected."""


class ConfigError(CoprodError):
    """A config value is missing or out of range."""


class ReportError(CoprodError):
    """The report sources break an invariant (hand-typed number, undefined variable, ...)."""


class PlausibilityError(SchemaError):
    """A tidy table's values break a bound or identity that must hold (coprod.data.validation)."""


class NetworkError(AcquisitionError):
    """No connection to the publisher (DNS, refused, timed out after the retries)."""


class HTTPStatusError(AcquisitionError):
    """The publisher answered with an HTTP error status (404, 500...)."""


class TruncatedDownloadError(AcquisitionError):
    """The body ended before its declared length."""


class NotADataFileError(AcquisitionError):
    """The download is an HTML page or otherwise not the expected file format."""


class ArchiveMemberError(AcquisitionError):
    """A downloaded or shipped archive lacks the member the registry names."""


class LockMismatchError(ChecksumError):
    """An official download differs from the hash recorded in the lock file."""
