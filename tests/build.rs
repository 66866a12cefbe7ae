//! Rebuilds the fixture binary when a migration is added to one of its
//! embedded folders: include_dir only notices changed files.

fn main() {
    println!("cargo:rerun-if-changed=fixtures/migrate");
}
