"""The GNN teacher: a heterogeneous graph model of the curriculum (see issue 3)."""
