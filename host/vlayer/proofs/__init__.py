"""Proof bundles and their verification."""
