"""Teleport (`setChain`) from an L1 to an OP-stack L2: the L2's state is accepted only through the output root
its L1 anchors (docs/teleport.md)."""
