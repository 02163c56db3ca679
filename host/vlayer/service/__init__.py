"""The prove service: a JSON-RPC 2.0 endpoint (vlayer v1's `v_call`, `v_getProofReceipt`, `v_versions`) over a
persistent job store and a bounded pool of proving workers."""
