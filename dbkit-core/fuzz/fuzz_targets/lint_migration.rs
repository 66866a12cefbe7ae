//! Fuzzes `lint_migration`: any text must give findings with sane positions, never a panic.

#![no_main]

use dbkit_core::lint::{LintConfig, Severity, lint_migration};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let findings = lint_migration(text, &LintConfig::default());
    let lines = u32::try_from(text.split('\n').count()).unwrap_or(u32::MAX);
    let mut previous = (0, 0);
    for finding in &findings {
        assert!(finding.line >= 1 && finding.line <= lines, "{finding:?}");
        assert!(finding.column >= 1, "{finding:?}");
        assert_ne!(finding.severity, Severity::Off);
        assert!(!finding.message.is_empty() && !finding.why.is_empty() && !finding.help.is_empty());
        assert!(
            (finding.line, finding.column) >= previous,
            "findings are sorted"
        );
        previous = (finding.line, finding.column);
    }
});
