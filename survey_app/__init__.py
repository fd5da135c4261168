"""Hài Lòng: citizen satisfaction surveys and feedback for Hai Phong's commune-level service centres.

Importing the package does not build the web app: call :func:`create_app`.
"""


def create_app(test_config: dict | None = None):
    """Build the Flask application (see :mod:`survey_app.factory`)."""
    from .factory import create_app as _create_app

    return _create_app(test_config)


__all__ = ["create_app"]
