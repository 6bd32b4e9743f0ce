//! Embeds every `profiles/*.yaml` into the binary, so the shipped profiles
//! work from any directory. Adding a file to `profiles/` is all it takes.

use std::env;
use std::fs;
use std::path::Path;

fn main() {
    let dir = Path::new(&env::var("CARGO_MANIFEST_DIR").expect("set by cargo")).join("profiles");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = fs::read_dir(&dir)
        .expect("profiles/ exists")
        .map(|e| e.expect("readable profiles/ entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    let mut code =
        String::from("/// (file name, contents) of every shipped profile, sorted by file name.\n");
    code.push_str("pub(crate) const EMBEDDED: &[(&str, &str)] = &[\n");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path.file_name().expect("a file").to_string_lossy();
        code.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    code.push_str("];\n");
    let out = Path::new(&env::var("OUT_DIR").expect("set by cargo")).join("embedded_profiles.rs");
    fs::write(out, code).expect("OUT_DIR is writable");
}
