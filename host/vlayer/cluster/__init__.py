"""Proving one run in pieces: the run executed into segments, each segment proved anywhere (this process, or a node
of a Ray cluster), every segment receipt checked against its segment and saved as it arrives, the composite
receipt assembled and verified. docs/scale-out.md."""
