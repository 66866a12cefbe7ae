//! Rebuilds the shop when a migration is added: include_dir only notices changed files.

fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
