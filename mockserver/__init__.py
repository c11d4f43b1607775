"""An in-memory stand-in for the Mixpeek retriever interactions API."""

from mockserver.app import create_app
from mockserver.background import BackgroundServer
from mockserver.config import Settings

__all__ = ["BackgroundServer", "Settings", "create_app"]
