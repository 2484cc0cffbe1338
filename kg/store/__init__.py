"""Store backends: :class:`EmbeddedStore` (default) and :class:`RemoteStore` (any SPARQL 1.1
endpoint). :func:`open_store` picks one from a workspace's settings."""
from kg.store.base import (AskResult, GraphChange, GraphResult, QueryResult, SelectResult,
                           Store)
from kg.store.embedded import EmbeddedStore
from kg.store.remote import RemoteStore

__all__ = ["Store", "EmbeddedStore", "RemoteStore", "SelectResult", "AskResult", "GraphResult",
           "QueryResult", "GraphChange"]
