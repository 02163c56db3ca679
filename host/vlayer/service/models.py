"""Request models of the JSON-RPC methods. Unknown fields are refused (`extra="forbid"`), so a typo in a field name
is an error, not a silently different call. The same models document the endpoint in the OpenAPI schema."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Hex = Annotated[str, Field(pattern=r"^0x([0-9a-fA-F]{2})*$")]
Address = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{40}$")]
Hash = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{64}$")]
Uint64 = Annotated[int, Field(ge=0, le=2**64 - 1)]
RequestId = int | str | None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class CallArgs(Strict):
    to: Address
    data: Hex = "0x"
    gas_limit: Uint64 | None = None


class CallContext(Strict):
    chain_id: Uint64
    block_number: Uint64 | None = None


class ReceiptArgs(Strict):
    hash: Hash


class VCall(Strict):
    jsonrpc: Literal["2.0"]
    id: RequestId = None
    method: Literal["v_call"]
    params: tuple[CallArgs, CallContext]


class VGetProofReceipt(Strict):
    jsonrpc: Literal["2.0"]
    id: RequestId = None
    method: Literal["v_getProofReceipt"]
    params: ReceiptArgs | tuple[ReceiptArgs]


class VVersions(Strict):
    jsonrpc: Literal["2.0"]
    id: RequestId = None
    method: Literal["v_versions"]
    params: tuple[()] | None = None


RpcRequest = Annotated[VCall | VGetProofReceipt | VVersions, Field(discriminator="method")]
METHODS = ("v_call", "v_getProofReceipt", "v_versions")


class RpcErrorBody(BaseModel):
    code: int
    message: str
    data: Any = None


class RpcResponse(BaseModel):
    jsonrpc: Literal["2.0"]
    id: RequestId
    result: Any = None
    error: RpcErrorBody | None = None
