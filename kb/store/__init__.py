"""Store backends behind one interface; `open_store` picks one from settings."""

from kb.store.base import ScoredRecord, Store, StorePoint, doc_id_for, point_id
from kb.store.factory import open_store

__all__ = ["Store", "StorePoint", "ScoredRecord", "doc_id_for", "point_id", "open_store"]
