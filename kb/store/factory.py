"""Pick the store backend from settings: a Qdrant server when KB_QDRANT_URL is set, else embedded Qdrant Edge."""

from __future__ import annotations

from kb.settings import Settings
from kb.store.base import Store


def open_store(settings: Settings) -> Store:
    """Open (not create) the collection the settings point at."""
    if settings.qdrant_url:
        from kb.store.server import ServerStore

        return ServerStore(settings.collection, url=settings.qdrant_url, api_key=settings.qdrant_api_key,
                           shards=settings.shards, replicas=settings.replicas)
    from kb.store.edge import EdgeStore

    return EdgeStore(settings.store_path())
