//! The browser bundle's last steps after `cargo build` (called by `scripts/build-site.sh`):
//!
//! `wasm-split <cargo's .wasm> <pkg dir> <scratch path for the main module>`
//!
//! 1. **Split** at the lazy-loading points (Leptos' `#[island(lazy)]`s) into a main module and
//!    chunks that the browser fetches when a page shows that island. The chunks and their loader
//!    (`__wasm_split.*.js`) go into the pkg dir with the manifest (`__wasm_split_manifest.json`:
//!    split point → chunks).
//!    The names are the ones Leptos' `HydrationScripts` looks for.
//! 2. **Bind** the main module: wasm-bindgen's own library writes `storepulse.js` and
//!    `storepulse_bg.wasm` into the pkg dir, with the options `wasm-bindgen --target web
//!    --no-typescript --keep-lld-exports --no-demangle` has. The library rather than the
//!    `wasm-bindgen-cli` binary: its version is the one Cargo.lock gives the app's `wasm-bindgen`
//!    (the two must match), and a first build does not compile the CLI's test runner, HTTP server
//!    and client (about half of what `cargo install wasm-bindgen-cli` built).
use std::path::{Path, PathBuf};

fn main() {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [input, pkg_dir, main_out] = args.as_slice() else {
        eprintln!("usage: wasm-split <input.wasm> <pkg dir> <scratch path for the main module>");
        std::process::exit(2);
    };
    if let Err(error) = split(input, pkg_dir, main_out).and_then(|()| bind(main_out, pkg_dir)) {
        eprintln!("wasm-split: {error}");
        std::process::exit(1);
    }
}

fn split(input: &Path, pkg_dir: &Path, main_out: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let wasm = std::fs::read(input).map_err(|e| format!("{}: {e}", input.display()))?;
    let mut options = wasm_split_cli_support::Options::new(&wasm);
    options.output_dir = pkg_dir;
    options.main_out_path = main_out;
    // The wasm-bindgen module the chunks share memory and table with.
    options.main_module = "./storepulse.js";
    options.link_name = "./__wasm_split.______________________.js";
    let split = wasm_split_cli_support::transform(options).map_err(|e| format!("{e:?}"))?;
    std::fs::write(
        pkg_dir.join("__wasm_split_manifest.json"),
        serde_json::to_string_pretty(&split.prefetch_map)?,
    )?;
    Ok(())
}

fn bind(main_module: &Path, pkg_dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(main_module)
        .web(true)?
        .typescript(false)
        .keep_lld_exports(true)
        .demangle(false)
        // What the CLI does unless told `--omit-default-module-path`.
        .omit_default_module_path(false)
        .out_name("storepulse")
        .generate(pkg_dir)
        .map_err(|e| format!("wasm-bindgen: {e:?}").into())
}
