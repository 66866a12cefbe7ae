//! `cargo xtask lint-corpus`: the migration lint over the real SQL of
//! `tests/fixtures/corpus` (migration folders and sample schemas nobody on
//! dbkit wrote), with the number of findings of each rule per folder, to
//! compare the lint with other linters on the same files and to see what a
//! rule change does to real migrations.

use anyhow::{Context, Result};
use dbkit_core::lint::{LintConfig, lint_migration};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub fn run(args: &[String]) -> Result<()> {
    if let Some(argument) = args.first() {
        anyhow::bail!("unknown option `{argument}`\n\nusage: cargo xtask lint-corpus");
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/corpus");
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&root)
        .with_context(|| format!("reading {}", root.display()))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.is_dir())
        .collect();
    folders.sort();
    let config = LintConfig::default();
    let mut rules: BTreeMap<&'static str, BTreeMap<String, usize>> = BTreeMap::new();
    let mut totals = Vec::new();
    for folder in &folders {
        let name = folder
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut files: Vec<PathBuf> = std::fs::read_dir(folder)?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|extension| extension == "sql"))
            .collect();
        files.sort();
        let mut statements = 0;
        for file in &files {
            let sql = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            statements += dbkit_core::sql_split::sql_statements(&sql).count();
            for finding in lint_migration(&sql, &config) {
                *rules
                    .entry(finding.rule)
                    .or_default()
                    .entry(name.clone())
                    .or_default() += 1;
            }
        }
        totals.push((name, files.len(), statements));
    }
    println!(
        "| rule | {} |",
        totals
            .iter()
            .map(|(name, ..)| name.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    );
    println!("| --- |{}", " ---: |".repeat(totals.len()));
    println!(
        "| *files / statements* | {} |",
        totals
            .iter()
            .map(|(_, files, statements)| format!("{files} / {statements}"))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    for (rule, counts) in &rules {
        let cells: Vec<String> = totals
            .iter()
            .map(|(name, ..)| counts.get(name).map_or("".to_string(), usize::to_string))
            .collect();
        println!("| `{rule}` | {} |", cells.join(" | "));
    }
    Ok(())
}
