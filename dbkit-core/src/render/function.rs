//! The SQL of functions, procedures and triggers.
//!
//! A function's body goes between dollar quotes whose tag appears nowhere
//! in it; a SQL-standard body (`BEGIN ATOMIC … END`, `RETURN expr`) is SQL
//! and follows the options as it is. `SET` values are written as string
//! literals, one per list element, which is how PostgreSQL keeps a list
//! setting such as `search_path` (one literal holding `a, b` would be one
//! schema named `a, b`). A trigger is written from its typed parts.

use crate::model::{Argument, Function, Trigger, Volatility, setting_elements};
use crate::sql_text::{dollar_quote, quote_identifier, quote_literal, quote_qualified};

/// `CREATE [OR REPLACE] FUNCTION …;` and its comment when it has one (or,
/// replacing, when the comment changed).
pub(super) fn create_function(function: &Function, replacing: Option<&Function>) -> Vec<String> {
    let mut statements = vec![function_statement(function, replacing.is_some())];
    let comment_changed = match replacing {
        Some(old) => old.comment != function.comment,
        None => function.comment.is_some(),
    };
    if comment_changed {
        statements.push(format!(
            "COMMENT ON {} {} IS {};",
            function.kind_keyword(),
            signature(function),
            function
                .comment
                .as_deref()
                .map_or_else(|| "NULL".to_string(), quote_literal)
        ));
    }
    statements
}

pub(super) fn drop_function(function: &Function) -> Vec<String> {
    vec![format!(
        "DROP {} {};",
        function.kind_keyword(),
        signature(function)
    )]
}

/// `"schema"."name"(types)`: what `DROP` and `COMMENT ON` take.
fn signature(function: &Function) -> String {
    format!(
        "{}({})",
        quote_qualified(&function.name),
        function.signature_types().join(", ")
    )
}

fn function_statement(function: &Function, or_replace: bool) -> String {
    let arguments: Vec<String> = function.arguments.iter().map(Argument::to_sql).collect();
    let mut sql = format!(
        "CREATE {}{} {}({})",
        if or_replace { "OR REPLACE " } else { "" },
        function.kind_keyword(),
        quote_qualified(&function.name),
        arguments.join(", ")
    );
    if let Some(returns) = &function.returns {
        sql.push_str(&format!("\nRETURNS {returns}"));
    }
    sql.push_str(&format!(
        "\nLANGUAGE {}",
        quote_identifier(&function.language)
    ));
    let mut options: Vec<String> = Vec::new();
    if !function.procedure {
        if function.volatility != Volatility::Volatile {
            options.push(function.volatility.keyword().to_string());
        }
        if function.strict {
            options.push("STRICT".to_string());
        }
        if function.parallel != crate::model::Parallel::Unsafe {
            options.push(format!(
                "PARALLEL {}",
                function.parallel.word().to_uppercase()
            ));
        }
    }
    if function.security_definer {
        options.push("SECURITY DEFINER".to_string());
    }
    if !options.is_empty() {
        sql.push('\n');
        sql.push_str(&options.join(" "));
    }
    for setting in &function.settings {
        let values: Vec<String> = setting_elements(&setting.value)
            .iter()
            .map(|element| quote_literal(element))
            .collect();
        sql.push_str(&format!(
            "\nSET {} = {}",
            quote_identifier(&setting.name),
            if values.is_empty() {
                "''".to_string()
            } else {
                values.join(", ")
            }
        ));
    }
    if function.atomic_body() {
        sql.push('\n');
        sql.push_str(function.body.trim().trim_end_matches(';').trim_end());
    } else {
        sql.push_str(&format!("\nAS {}", dollar_quote(&function.body, "body")));
    }
    sql.push(';');
    sql
}

pub(super) fn create_trigger(trigger: &Trigger) -> String {
    let events: Vec<String> = trigger
        .events
        .iter()
        .map(|event| {
            let columns: Vec<String> = trigger
                .columns
                .iter()
                .map(|c| quote_identifier(c))
                .collect();
            if *event == crate::model::TriggerEvent::Update && !columns.is_empty() {
                format!("UPDATE OF {}", columns.join(", "))
            } else {
                event.keyword().to_string()
            }
        })
        .collect();
    let mut sql = format!(
        "CREATE TRIGGER {} {} {} ON {}\nFOR EACH {}",
        quote_identifier(&trigger.name),
        trigger.timing.keyword(),
        events.join(" OR "),
        quote_qualified(&trigger.table),
        if trigger.for_each_row {
            "ROW"
        } else {
            "STATEMENT"
        }
    );
    if let Some(when) = &trigger.when {
        sql.push_str(&format!("\nWHEN ({when})"));
    }
    let arguments: Vec<String> = trigger.arguments.iter().map(|a| quote_literal(a)).collect();
    sql.push_str(&format!(
        "\nEXECUTE FUNCTION {}({});",
        quote_qualified(&trigger.function),
        arguments.join(", ")
    ));
    sql
}

pub(super) fn drop_trigger(trigger: &Trigger) -> String {
    format!(
        "DROP TRIGGER {} ON {};",
        quote_identifier(&trigger.name),
        quote_qualified(&trigger.table)
    )
}
