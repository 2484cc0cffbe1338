"""The knowledge graph: importers, the store (embedded pyoxigraph or a remote SPARQL 1.1
endpoint), neighbourhood queries, curricular analytics and the HeteroData export."""
