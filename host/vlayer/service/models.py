"""Request models of the JSON-RPC methods. Unknown fields are refused (`extra="forbid"`), so a typo in a field name
is an error, not a silently different call. The same models document the endpoint in the OpenAPI schema."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Hex = Annotated[str, Field(pattern=r"^0x([0-9a-fA-F]{2})*$")]
Address = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{40}$")]
Hash = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{64}$")]
Uint64 = Annotated[int, Field(ge=0, le=2**64 - 1)]
RequestId = int | str | None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class CallArgs(Strict):
    """vlayer v1's call: `vgas_limit` (alias `gas_limit`, which SDK 1.3 sends) is the proving budget in vgas,
    1 vgas = 1,000,000 zkVM cycles. `evm_gas_limit` is our addition: the EVM gas of the call (default: the block's
    gas limit, capped as the fork caps a transaction), since v1's fixed 100,000,000 exceeds what post-Osaka
    transactions may use."""

    to: Address
    data: Hex = "0x"
    vgas_limit: Uint64 | None = None
    gas_limit: Uint64 | None = None
    evm_gas_limit: Uint64 | None = None

    @model_validator(mode="after")
    def _one_budget(self) -> CallArgs:
        if self.gas_limit is not None and self.vgas_limit is not None and self.gas_limit != self.vgas_limit:
            raise ValueError("gas_limit is an alias of vgas_limit; give one of them (or the same value)")
        return self

    @property
    def vgas(self) -> int | None:
        return self.vgas_limit if self.vgas_limit is not None else self.gas_limit


class CallContext(Strict):
    #: vlayer v1 defaults to Ethereum mainnet when the context names no chain.
    chain_id: Uint64 = 1
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


class AuthErrorBody(BaseModel):
    """HTTP 401's body, as vlayer v1 sends it."""

    error: str


class RpcResponse(BaseModel):
    jsonrpc: Literal["2.0"]
    id: RequestId
    result: Any = None
    error: RpcErrorBody | None = None
