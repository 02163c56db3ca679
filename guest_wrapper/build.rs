//! Embeds the zkVM guest ELF that bash/build-guest.sh built (path in VLAYER_GUEST_ELF) into the extension module,
//! so a wheel carries exactly the program whose image ID it reports.

use std::{env, fs, path::PathBuf};

use sha2::{Digest, Sha256};

fn main() {
    println!("cargo:rerun-if-env-changed=VLAYER_GUEST_ELF");
    let Ok(elf_path) = env::var("VLAYER_GUEST_ELF") else {
        panic!(
            "VLAYER_GUEST_ELF is not set: build the guest first \
             (VLAYER_GUEST_ELF=$(bash bash/build-guest.sh)); bash/setup.sh does this"
        );
    };
    println!("cargo:rerun-if-changed={elf_path}");
    let elf =
        fs::read(&elf_path).unwrap_or_else(|err| panic!("VLAYER_GUEST_ELF={elf_path}: {err}"));
    if elf.get(..4) != Some(b"\x7fELF".as_slice()) {
        panic!("VLAYER_GUEST_ELF={elf_path} is not an ELF file");
    }
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR for build scripts"));
    fs::write(out.join("vlayer-zkvm-guest.elf"), &elf).expect("OUT_DIR is writable");
    println!(
        "cargo:rustc-env=VLAYER_GUEST_ELF_SHA256={}",
        hex(&Sha256::digest(&elf))
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
