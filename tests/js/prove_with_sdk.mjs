// Drives vlayer v1's published SDK exactly as a vlayer app does: createVlayerClient -> prove -> waitForProvingResult,
// then viem's writeContract to the verifier with the SDK's result, unchanged. Run by tests/test_vlayer_sdk.py.
//   node prove_with_sdk.mjs CONFIG.json    (prints one JSON line: the hash, the result, the transaction's status)
import { readFileSync } from "node:fs";
import { createVlayerClient } from "@vlayer/sdk";
import { createPublicClient, createWalletClient, http } from "viem";
import { foundry } from "viem/chains";

const cfg = JSON.parse(readFileSync(process.argv[2], "utf8"));
const vlayer = createVlayerClient({ url: cfg.serviceUrl, ...(cfg.token ? { token: cfg.token } : {}) });
const args = {
  address: cfg.prover,
  proverAbi: cfg.proverAbi,
  functionName: cfg.functionName,
  args: cfg.args,
  chainId: foundry.id,
};
// The SDK's own default gas limit (500 vgas) unless the test asks for another.
if (cfg.gasLimit !== undefined) args.gasLimit = cfg.gasLimit;

try {
  const hash = await vlayer.prove(args);
  const result = await vlayer.waitForProvingResult({ hash, sleepDuration: 200, numberOfRetries: 600 });
  const transport = http(cfg.rpcUrl);
  const wallet = createWalletClient({ chain: foundry, transport });
  const chain = createPublicClient({ chain: foundry, transport });
  const txHash = await wallet.writeContract({
    address: cfg.verifier,
    abi: cfg.verifierAbi,
    functionName: cfg.verifierFunction,
    args: result,
    account: cfg.account,
  });
  const receipt = await chain.waitForTransactionReceipt({ hash: txHash });
  const json = (value) => JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  console.log(json({ hash: hash.hash ?? hash, result, tx: txHash, status: receipt.status }));
} catch (err) {
  console.log(JSON.stringify({ error: String(err?.message ?? err), name: err?.name ?? null }));
  process.exitCode = 1;
}
