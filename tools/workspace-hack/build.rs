//! Empty on purpose: cargo resolves `[build-dependencies]` only for a package with a build script,
//! and those are what this crate exists for (see Cargo.toml).
fn main() {
    println!("cargo::rerun-if-changed=build.rs");
}
