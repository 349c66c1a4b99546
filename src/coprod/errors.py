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
