"""The GNN teacher: a heterogeneous graph model of the curriculum.

:mod:`gnn.data` (graph to tensors), :mod:`gnn.model`, :mod:`gnn.splits`, :mod:`gnn.train`,
:mod:`gnn.metrics` and :mod:`gnn.evaluate`, :mod:`gnn.infer` (the trained teacher as a
service), :mod:`gnn.suggest` (prerequisite suggestions with provenance).
"""
