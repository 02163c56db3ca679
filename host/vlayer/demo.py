"""The end-to-end job on the embedded default: a local anvil, a real ERC20, a preflight of balanceOf.

    bash bash/demo.sh        (or: .venv/bin/python -m vlayer.demo [--prove])

It compiles the example token with the pinned solc, deploys it on a fresh anvil, moves some tokens so the chain has
history, pins a block and preflights `balanceOf(holder)` there: the call runs in py-evm over state fetched and
proven from anvil, and the proof bundle the guest needs is verified. Then the guest re-executes the call natively
and inside the RISC Zero zkVM (cycles, segments), and both journals must equal the preflight's. With `--prove` it
also proves a composite receipt on this CPU (tens of minutes on 2 cores) and verifies it.
"""

from __future__ import annotations

import sys

from eth_abi.abi import encode
from eth_utils.abi import function_signature_to_4byte_selector

from vlayer.devnet import REPO_ROOT, Anvil, compile_solidity
from vlayer.errors import VlayerError
from vlayer.guest import run_and_check
from vlayer.guest_input import expected_journal, input_for
from vlayer.hexutil import hex_bytes
from vlayer.preflight.execute import CallRequest, preflight
from vlayer.receipts import zkvm
from vlayer.rpc import RpcClient

TOKEN_SOURCE = REPO_ROOT / "examples" / "simple" / "src" / "ExampleToken.sol"


def run(prove: bool = False) -> None:
    print(f"compiling {TOKEN_SOURCE.relative_to(REPO_ROOT)} with solc (evmVersion osaka)")
    token = compile_solidity({"ExampleToken.sol": TOKEN_SOURCE.read_text()})["ExampleToken"]
    with Anvil() as anvil:
        print(f"anvil listening on {anvil.url}")
        deployer, holder = anvil.rpc("eth_accounts")[:2]
        ctor = encode(["address[]", "uint256[]"], [[deployer], [1_000 * 10**18]])
        address = anvil.transact({"from": deployer, "data": hex_bytes(token["bytecode"] + ctor)})["contractAddress"]
        print(f"ExampleToken deployed at {address}")
        transfer = function_signature_to_4byte_selector("transfer(address,uint256)") + encode(
            ["address", "uint256"], [holder, 250 * 10**18]
        )
        anvil.transact({"from": deployer, "to": address, "data": hex_bytes(transfer)})
        block = int(anvil.rpc("eth_blockNumber"), 16)
        data = function_signature_to_4byte_selector("balanceOf(address)") + encode(["address"], [holder])
        client = RpcClient.http(anvil.url)
        result = preflight(client, CallRequest(to=bytes.fromhex(address[2:]), data=data), block)
        balance = int.from_bytes(result.return_data, "big")
        print(f"preflight of balanceOf({holder}) at block {result.block_number} ({result.fork.label} rules)")
        print(f"  block hash     {hex_bytes(result.block_hash)}")
        print(f"  balance        {balance / 10**18:g} EXT")
        print(f"  gas used       {result.gas_used}")
        print(f"  touched        {len(result.access.accounts)} accounts, {result.access.slot_count} slots")
        print(f"  witness        {result.bundle.witness_bytes} bytes, all proofs verified against the state root")
        print(f"  rpc            {result.http_requests} HTTP requests, {result.timings['total'] * 1e3:.1f} ms")
        if balance != 250 * 10**18:
            raise SystemExit(f"demo: expected a balance of 250 EXT, got {balance}")
        guest_input = input_for(result)
        run_and_check(result)
        print("guest (native)   journal equals preflight's")
        zk = zkvm.execute(guest_input)
        if zk.journal != expected_journal(result):
            raise SystemExit("demo: the zkVM journal differs from preflight's")
        print(f"guest (zkVM)     journal equals preflight's; image id 0x{zkvm.image_id().hex()}")
        print(f"  cycles         {zk.total_cycles:,} total, {zk.user_cycles:,} user, {zk.segments} segments")
        if prove:
            print("proving a composite receipt on this CPU (slow)")
            proved = zkvm.prove(guest_input, "composite")
            verified = zkvm.verify(proved.receipt, zkvm.image_id())
            size = len(proved.receipt)
            print(f"  proved in {proved.prove_seconds:.0f}s, receipt {size:,} bytes, {verified.kind} verified")


def main() -> None:
    try:
        run(prove="--prove" in sys.argv[1:])
    except VlayerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
