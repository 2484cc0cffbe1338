"""OpenStax CNXML importer (being split into one module per element family)."""
from kg.importers.cnxml.book import *  # noqa: F401,F403
from kg.importers.cnxml.book import __all__, _context_count  # noqa: F401
