# Sourced by setup.sh and test.sh: where the heavy builds live and how the Rust side is built.
# Heavy Rust builds live outside the clone so fresh clones on the same machine reuse them.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vlayer/target}"
export VLAYER_GUEST_TARGET_DIR="${VLAYER_GUEST_TARGET_DIR:-$HOME/.cache/vlayer/guest-target}"
# The guest ELF that guest_wrapper embeds (bash/build-guest.sh builds it there).
export VLAYER_GUEST_ELF="$VLAYER_GUEST_TARGET_DIR/riscv32im-risc0-zkvm-elf/release/vlayer-zkvm-guest"
# The small guest of the segment-proving tests (guest/zkvm/src/bin/vlayer-segments-test.rs), built beside it.
export VLAYER_SEGMENTS_TEST_ELF="$VLAYER_GUEST_TARGET_DIR/riscv32im-risc0-zkvm-elf/release/vlayer-segments-test"
