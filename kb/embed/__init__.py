"""Embedders: one interface, one factory."""

from kb.embed.base import Embedder
from kb.embed.factory import create_embedder, register_embedder

__all__ = ["Embedder", "create_embedder", "register_embedder"]
