"""The sandbox's own error."""

from __future__ import annotations

from otpkit._errors import OtpkitError

__all__ = ["SandboxError"]


class SandboxError(OtpkitError):
    """The sandbox could not be started or reached, or it refused a control request."""
