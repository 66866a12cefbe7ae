//! The `cargo-dbkit` binary: cargo runs it as `cargo-dbkit dbkit …` for `cargo dbkit …`.

fn main() -> std::process::ExitCode {
    cargo_dbkit::run(std::env::args_os())
}
