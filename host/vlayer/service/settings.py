"""What a prove service runs with. Built from code, a JSON file or the CLI; nothing is read from globals."""

from __future__ import annotations

from dataclasses import dataclass, field

from vlayer.chain.forks import ChainSpec
from vlayer.errors import InputError
from vlayer.prove import MAINNET_CHAIN_IDS, ProofModeName
from vlayer.receipts import shrink_wrap, zkvm
from vlayer.reverts.decode import Abi
from vlayer.rpc.transport import DEFAULT_MAX_RESPONSE_BYTES
from vlayer.state_dir import default_db_url


@dataclass(frozen=True)
class ChainConfig:
    rpc_url: str
    #: A dev chain's hardfork (anvil's `--hardfork`); None for chains with a built-in schedule.
    hardfork: str | None = None

    def spec(self, chain_id: int) -> ChainSpec | None:
        return ChainSpec.dev(self.hardfork, chain_id) if self.hardfork else None


@dataclass(frozen=True)
class Settings:
    chains: dict[int, ChainConfig]
    #: SQLAlchemy URL of the job store: `postgresql+psycopg://...` for PostgreSQL; by default SQLite in the project's
    #: `.vlayer/` or the user's data directory (vlayer.state_dir), never the cwd.
    database_url: str = field(default_factory=lambda: default_db_url("jobs.sqlite3"))
    proof_mode: ProofModeName = ProofModeName.FAKE
    #: Fake proofs are produced only when this is on (an explicit opt-in), and never for mainnet chain ids.
    dev_mode: bool = False
    workers: int = 2
    #: Requests must carry `Authorization: Bearer <token>` when set.
    auth_token: str | None = None
    max_calldata_bytes: int = 128 * 1024
    #: The largest `POST /` body read (a batch of requests included); larger ones are refused before reading them.
    max_body_bytes: int = 4 * 1024 * 1024
    #: Seconds one HTTP request to a chain's node may take, its whole answer included (docs/operations.md).
    rpc_timeout: float = 30.0
    #: The largest answer read from a chain's node.
    rpc_max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    #: Compare each preflight with the node's own eth_call at the pinned block (vlayer.preflight.node_check).
    node_check: bool = True
    #: Seconds a replica's claim on a running job holds without renewal (renewed every third of it, at most every
    #: second); a replica that dies has its jobs taken over by another this long after its last renewal.
    lease_seconds: float = 30.0
    #: Ray address (HOST:PORT) of a proving cluster (docs/scale-out.md); None proves in this process.
    cluster: str | None = None
    #: Segment size (log2 cycles) of composite proofs; RISC Zero's default (about 9 GiB per segment on a CPU).
    segment_po2: int = 20
    #: Seconds one segment may take before the coordinator gives it to another prover (cluster only).
    segment_timeout: float | None = None
    #: The Groth16 shrink-wrap command (`--groth16-prover`; vlayer.receipts.shrink_wrap); None: a container
    #: runtime with RISC Zero's image, where one works.
    groth16_prover: str | None = None
    #: Seconds running jobs get to finish when the service is stopped (SIGTERM/SIGINT); those still running then
    #: go back to the queue for the next start. Below the supervisor's stop timeout (systemd: 90 s).
    shutdown_grace: float = 30.0
    #: The provers' ABIs (`vlayer serve --abi/--project`): a failed job's revert is named with their custom errors, and
    #: the dashboard names a job's function. vlayer's own errors, Error(string) and Panic are named without them.
    abis: tuple[Abi, ...] = ()

    def __post_init__(self) -> None:
        if self.auth_token is not None and not self.auth_token.strip():
            # An empty token would let `Authorization: Bearer ` through: no token at all is the honest spelling.
            raise InputError("the auth token is empty; set a non-empty token, or none to leave the service open")
        if self.auth_token is not None and self.auth_token != self.auth_token.strip():
            raise InputError("the auth token has leading or trailing whitespace, which HTTP headers cannot carry")
        for name in ("max_body_bytes", "rpc_max_response_bytes", "max_calldata_bytes"):
            if getattr(self, name) < 1024:
                raise InputError(f"{name} must be at least 1024, got {getattr(self, name)}")
        if not 0 < self.rpc_timeout <= 3600:
            raise InputError(f"rpc_timeout must be above 0 and at most 3600 seconds, got {self.rpc_timeout}")
        if not self.chains:
            raise InputError("the service needs at least one chain (chain id -> RPC URL)")
        if self.workers < 1:
            raise InputError("workers must be at least 1")
        if not 0 <= self.shutdown_grace <= 3600:
            raise InputError(f"shutdown_grace must be 0 to 3600 seconds, got {self.shutdown_grace}")
        if self.lease_seconds < 1:
            raise InputError("lease_seconds must be at least 1")
        if not 14 <= self.segment_po2 <= 22:
            raise InputError(f"segment_po2 must be 14..22, got {self.segment_po2}")
        if self.cluster is not None and self.proof_mode is ProofModeName.FAKE:
            raise InputError("a proving cluster proves zkVM receipts; fake proofs (dev mode) need none")
        for chain_id, chain in self.chains.items():
            if not chain.rpc_url.startswith(("http://", "https://")):
                raise InputError(f"chain {chain_id}: RPC URL must be http(s), got {chain.rpc_url!r}")
        if self.proof_mode is ProofModeName.FAKE:
            if not self.dev_mode:
                raise InputError("proof mode 'fake' needs dev mode switched on explicitly")
            mainnets = sorted(set(self.chains) & MAINNET_CHAIN_IDS)
            if mainnets:
                raise InputError(f"fake proofs are refused on mainnet chain ids: {mainnets}")
        else:
            available = zkvm.available_modes()
            needs = "succinct" if self.proof_mode is ProofModeName.GROTH16 else self.proof_mode.value
            if needs not in available:
                raise InputError(
                    f"proof mode {self.proof_mode.value!r} cannot run on this build (it can: "
                    f"{', '.join(available)}); see docs/proof-modes.md"
                )
            if self.proof_mode is ProofModeName.GROTH16:
                why = shrink_wrap.available(self.groth16_prover)
                if why is not None:
                    raise InputError(why)
