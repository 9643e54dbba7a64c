"""cdpo: a Customer Data Platform from raw sources to unified profiles, from one pipeline.yml.

This module is the library's front door: it re-exports the public names of its packages.
"""

from __future__ import annotations

from cdpo.errors import (
    AuthenticationError,
    CdpoError,
    ConfigError,
    ConflictError,
    GenerateError,
    NotFoundError,
    PhaseStepFailed,
    QualityGateFailed,
    StateError,
    TargetError,
    TerminalTargetError,
    TransientTargetError,
    TranslationError,
    UnsupportedOperatorError,
    WorkflowError,
)

__version__ = "0.1.0"

__all__ = [
    "AuthenticationError",
    "CdpoError",
    "ConfigError",
    "ConflictError",
    "GenerateError",
    "NotFoundError",
    "PhaseStepFailed",
    "QualityGateFailed",
    "StateError",
    "TargetError",
    "TerminalTargetError",
    "TransientTargetError",
    "TranslationError",
    "UnsupportedOperatorError",
    "WorkflowError",
    "__version__",
]
