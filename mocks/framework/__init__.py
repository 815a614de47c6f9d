"""What every HTTP mock shares: app factory, recording, admin API, behaviours."""

from .app import create_mock_app
from .service import MockResult, MockService

__all__ = ["MockResult", "MockService", "create_mock_app"]
