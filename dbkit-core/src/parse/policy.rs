//! `#[dbkit(policy(...))]` on a `Table` struct: a row-level security
//! policy of the table → a [`PolicyDeclaration`].
//!
//! What PostgreSQL would refuse when the migration runs is refused here,
//! where the code is: an unknown command, `using` on an `INSERT` policy,
//! `with_check` on a `SELECT` or `DELETE` one, an empty expression, two
//! policies of one table with one name.

use super::attribute::{AttributeItem, AttributeValue};
use super::declaration::PolicyDeclaration;
use super::diagnostic::{Diagnostic, place_of_span};
use super::suggestion::closest_match;
use super::table::{check_identifier, find_entry, list_entries, optional_string};
use crate::model::PolicyCommand;

/// The arguments `policy(...)` takes.
pub(crate) const POLICY_ARGUMENTS: &[&str] =
    &["name", "for", "to", "using", "with_check", "restrictive"];

const EXAMPLE: &str =
    "policy(name = \"owner_reads\", for = \"select\", to(app_user), using = \"owner_id = …\")";

/// One `policy(...)`, with its name's place in `file`.
pub(crate) fn read_struct_policy(
    item: &AttributeItem,
    file: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Option<PolicyDeclaration>, Diagnostic> {
    if matches!(item.value, AttributeValue::Flag) {
        return Err(item
            .diagnostic("`policy` needs a name and what it allows")
            .with_help(format!("write `#[dbkit({EXAMPLE})]`")));
    }
    let entries = list_entries(item, POLICY_ARGUMENTS, EXAMPLE, diagnostics)?;
    let Some(name) = optional_string(&entries, "name")? else {
        return Err(item
            .diagnostic("`policy` needs a `name`")
            .with_help(format!("name the policy: `{EXAMPLE}`")));
    };
    let mut problems = Vec::new();
    check_identifier(&name.value, name.span, "policy name", &mut problems);
    if let Some(problem) = problems.pop() {
        return Err(problem);
    }
    let command = match optional_string(&entries, "for")? {
        Some(command) => match PolicyCommand::from_name(&command.value) {
            Some(parsed)
                if PolicyCommand::NAMES.contains(&command.value.trim().to_lowercase().as_str()) =>
            {
                parsed
            }
            _ => return Err(unknown_command(&command.value, command.span)),
        },
        None => PolicyCommand::All,
    };
    let roles = match find_entry(&entries, "to") {
        Some(entry) => read_roles(entry)?,
        None => Vec::new(),
    };
    let restrictive = match find_entry(&entries, "restrictive") {
        Some(entry) => {
            entry.expect_flag()?;
            true
        }
        None => false,
    };
    let using = read_expression(&entries, "using")?;
    let with_check = read_expression(&entries, "with_check")?;
    if let Some((_, entry)) = &using
        && !command.takes_using()
    {
        return Err(entry
            .diagnostic("an `INSERT` policy takes no `using`")
            .with_label("PostgreSQL refuses it")
            .with_help("new rows are checked by `with_check = \"…\"`; write that instead"));
    }
    if let Some((_, entry)) = &with_check
        && !command.takes_with_check()
    {
        return Err(entry
            .diagnostic(format!(
                "a `{}` policy takes no `with_check`",
                command.sql()
            ))
            .with_label("PostgreSQL refuses it")
            .with_help(
                "rows that are read or deleted are chosen by `using = \"…\"`; write that instead",
            ));
    }
    let mut roles: Vec<String> = roles;
    roles.retain(|role| role != "public");
    roles.sort();
    roles.dedup();
    Ok(Some(PolicyDeclaration {
        name: name.value,
        command,
        restrictive,
        roles,
        using: using.map(|(text, _)| text),
        with_check: with_check.map(|(text, _)| text),
        place: place_of_span(name.item_start, name.item_end, file),
    }))
}

fn unknown_command(value: &str, span: proc_macro2::Span) -> Diagnostic {
    let diagnostic = Diagnostic::new(span, format!("unknown policy command `{value}`"))
        .with_label("not a command a policy applies to");
    match closest_match(value, PolicyCommand::NAMES) {
        Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
        None => diagnostic.with_help(format!(
            "`for` takes one of: {}; leave it out for all of them",
            PolicyCommand::NAMES.join(", ")
        )),
    }
}

/// `to(app_user, "Reporting")`: role names; `public` is every role.
fn read_roles(entry: &AttributeItem) -> Result<Vec<String>, Diagnostic> {
    let items = entry.expect_list("to(app_user, admin)")?;
    if items.is_empty() {
        return Err(entry
            .diagnostic("`to` needs at least one role")
            .with_help("write `to(app_user)`, or leave `to` out for every role (PUBLIC)"));
    }
    let mut roles = Vec::with_capacity(items.len());
    for item in items {
        if !matches!(item.value, AttributeValue::Flag) {
            return Err(item
                .diagnostic("expected a role name")
                .with_help("list role names separated by commas: `to(app_user, admin)`"));
        }
        let mut problems = Vec::new();
        check_identifier(&item.name, item.name_span, "role name", &mut problems);
        if let Some(problem) = problems.pop() {
            return Err(problem);
        }
        // An unquoted `public` is PostgreSQL's PUBLIC, any case.
        if !item.quoted && item.name.eq_ignore_ascii_case("public") {
            roles.push("public".to_string());
        } else {
            roles.push(item.name.clone());
        }
    }
    Ok(roles)
}

/// `using = "…"` or `with_check = "…"`, not empty.
fn read_expression<'a>(
    entries: &[&'a AttributeItem],
    name: &str,
) -> Result<Option<(String, &'a AttributeItem)>, Diagnostic> {
    let Some(entry) = find_entry(entries, name) else {
        return Ok(None);
    };
    let (text, span) = entry.expect_string()?;
    if text.trim().is_empty() {
        return Err(Diagnostic::new(span, format!("the policy's `{name}` is empty"))
            .with_help(format!("write the condition: `{name} = \"owner_id = current_user_id()\"`, or remove `{name}`")));
    }
    Ok(Some((text, entry)))
}
