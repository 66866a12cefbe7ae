//! Per-rule severities, read from `[workspace.metadata.dbkit.lint]`.

use std::collections::BTreeMap;

use super::rules::{RULES, Severity, find_rule, rule_id_list};

/// The severity of each rule: its default unless the workspace overrides it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LintConfig {
    overrides: BTreeMap<&'static str, Severity>,
}

impl LintConfig {
    /// Reads the JSON form (as `cargo metadata` gives it) of the
    /// `[workspace.metadata.dbkit.lint]` table, which maps rule ids to
    /// `"error"`, `"warning"` or `"off"`:
    ///
    /// ```toml
    /// [workspace.metadata.dbkit.lint]
    /// adding-not-null-column = "warning"
    /// require-lock-timeout = "off"
    /// ```
    ///
    /// `null` (no table) gives the defaults. A value that is not a table,
    /// an unknown rule id or an unknown severity is an error whose message
    /// names the key and lists what is valid.
    pub fn from_metadata(value: &serde_json::Value) -> Result<LintConfig, String> {
        let table = match value {
            serde_json::Value::Null => return Ok(LintConfig::default()),
            serde_json::Value::Object(table) => table,
            other => {
                return Err(format!(
                    "`workspace.metadata.dbkit.lint` must be a table of rule ids to severities, not `{other}`"
                ));
            }
        };
        let mut overrides = BTreeMap::new();
        for (key, severity) in table {
            let Some(rule) = find_rule(key) else {
                return Err(format!(
                    "unknown lint rule `{key}` in `workspace.metadata.dbkit.lint`; the rules are: {}",
                    rule_id_list()
                ));
            };
            let severity = severity
                .as_str()
                .and_then(parse_severity)
                .ok_or_else(|| {
                    format!(
                        "invalid severity {severity} for `{key}` in `workspace.metadata.dbkit.lint`; expected \"error\", \"warning\" or \"off\""
                    )
                })?;
            overrides.insert(rule.id, severity);
        }
        Ok(LintConfig { overrides })
    }

    /// Sets one rule's severity (for callers building a configuration in
    /// code); an unknown id is ignored, since no finding can carry it.
    pub fn with_severity(mut self, rule_id: &str, severity: Severity) -> LintConfig {
        if let Some(rule) = find_rule(rule_id) {
            self.overrides.insert(rule.id, severity);
        }
        self
    }

    /// The severity of the rule with this id: the workspace's override, or
    /// the rule's default; `Off` for an id that names no rule.
    pub fn severity(&self, rule_id: &str) -> Severity {
        if let Some(severity) = self.overrides.get(rule_id) {
            return *severity;
        }
        RULES
            .iter()
            .find(|rule| rule.id == rule_id)
            .map_or(Severity::Off, |rule| rule.default_severity)
    }
}

fn parse_severity(text: &str) -> Option<Severity> {
    Severity::ALL
        .into_iter()
        .find(|severity| severity.as_str() == text)
}
