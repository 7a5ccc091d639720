//! Splits the browser bundle at its lazy-loading points (Leptos' `#[lazy_route]`s) into a main
//! module and chunks that the browser fetches when a page needs them. Called by
//! `scripts/build-site.sh` between `cargo build` and `wasm-bindgen`:
//!
//! `wasm-split <cargo's .wasm> <pkg dir> <main module out>`
//!
//! The chunks and their loader (`__wasm_split.*.js`) go into the pkg dir with the manifest
//! (`__wasm_split_manifest.json`: page → chunks) from which the server adds `<link rel=preload>`
//! for the chunks a page needs. The names are the ones Leptos' `HydrationScripts` looks for.
use std::path::{Path, PathBuf};

fn main() {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [input, pkg_dir, main_out] = args.as_slice() else {
        eprintln!("usage: wasm-split <input.wasm> <pkg dir> <main module out.wasm>");
        std::process::exit(2);
    };
    if let Err(error) = split(input, pkg_dir, main_out) {
        eprintln!("wasm-split: {error:?}");
        std::process::exit(1);
    }
}

fn split(input: &Path, pkg_dir: &Path, main_out: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let wasm = std::fs::read(input)?;
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
    for module in &split.split_modules {
        println!("{}", module.display());
    }
    Ok(())
}
