//! The roles that migrations' policies name (`CREATE POLICY … TO role`,
//! `ALTER POLICY … TO role`), with the policy, its table and the line.
//!
//! Roles belong to the cluster, not to a database, and no migration creates
//! them: a policy naming a role that does not exist fails at migrate time,
//! midway. The migration engine reads the pending migrations' roles with
//! [`policy_roles`] and checks them before it applies anything, and
//! disposable databases (test databases, `check --replay`) create them. The
//! SQL is read, not the snapshots, so a hand-written policy counts too and
//! a release binary needs nothing but its embedded migrations.
//!
//! Only the statement's head is read (up to `USING`, `WITH CHECK` or its
//! end): names, dots, commas and keywords, so a small scanner does, and
//! statements that are not policies are passed over after their first
//! words.

use crate::sql_split::sql_statements;

/// A role named by a policy of a migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRole {
    /// The role, as PostgreSQL reads it (unquoted names lowercased).
    pub role: String,
    /// The policy's name.
    pub policy: String,
    /// Its table, as written (`public.documents`), quotes removed.
    pub table: String,
    /// The 1-based line of the statement in the migration.
    pub line: usize,
}

/// Every role the policies of `sql` name, in the order written; `PUBLIC`,
/// `CURRENT_USER`, `CURRENT_ROLE` and `SESSION_USER` are no role to create
/// and are left out.
pub fn policy_roles(sql: &str) -> Vec<PolicyRole> {
    let mut roles = Vec::new();
    for statement in sql_statements(sql) {
        roles.extend(roles_of_statement(statement.code(), statement.line));
    }
    roles
}

/// The roles `sql` creates itself (`CREATE ROLE`, `CREATE USER`,
/// `CREATE GROUP`), which its policies may name before the server has them.
pub fn created_roles(sql: &str) -> Vec<String> {
    let mut roles = Vec::new();
    for statement in sql_statements(sql) {
        let tokens = head_tokens(statement.code());
        let creates_role = tokens.first().is_some_and(|token| token.is_word("create"))
            && tokens.get(1).is_some_and(|token| {
                token.is_word("role") || token.is_word("user") || token.is_word("group")
            });
        if let (true, Some(name)) = (creates_role, tokens.get(2).and_then(Head::name)) {
            roles.push(name.to_string());
        }
    }
    roles
}

/// Role names a cluster must hold for `sql`'s policies, sorted, once each.
pub fn required_roles(sql: &str) -> Vec<String> {
    let mut names: Vec<String> = policy_roles(sql)
        .into_iter()
        .map(|use_| use_.role)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// A token of a statement's head.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Head {
    /// An unquoted word, lowercased.
    Word(String),
    /// A quoted name, unescaped.
    Quoted(String),
    Dot,
    Comma,
    /// Anything else (`(`, `;`, an operator): the head ends there.
    Other,
}

impl Head {
    fn name(&self) -> Option<&str> {
        match self {
            Head::Word(word) | Head::Quoted(word) => Some(word),
            _ => None,
        }
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(self, Head::Word(found) if found == word)
    }
}

/// The tokens of `code` up to the first that is not a name, `.` or `,`, or
/// up to `USING` / `WITH`: for any statement but a policy, a few words.
fn head_tokens(code: &str) -> Vec<Head> {
    let bytes = code.as_bytes();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let rest = &code[at..];
        let byte = bytes[at];
        if byte.is_ascii_whitespace() {
            at += 1;
        } else if rest.starts_with("--") {
            at += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            at += block_comment_length(rest);
        } else if byte == b'"' {
            let mut name = String::new();
            let mut end = 1;
            let inner = &rest[1..];
            let mut chars = inner.char_indices().peekable();
            loop {
                match chars.next() {
                    None => {
                        end = rest.len();
                        break;
                    }
                    Some((index, '"')) => {
                        if matches!(chars.peek(), Some((_, '"'))) {
                            chars.next();
                            name.push('"');
                        } else {
                            end += index + 1;
                            break;
                        }
                    }
                    Some((_, c)) => name.push(c),
                }
            }
            tokens.push(Head::Quoted(name));
            at += end;
        } else if byte == b'.' {
            tokens.push(Head::Dot);
            at += 1;
        } else if byte == b',' {
            tokens.push(Head::Comma);
            at += 1;
        } else if byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80 {
            let length = rest
                .char_indices()
                .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '$'))
                .map_or(rest.len(), |(index, _)| index);
            if length == 0 {
                // A character outside ASCII that is no letter (`—`).
                tokens.push(Head::Other);
                break;
            }
            let word = rest[..length].to_lowercase();
            let ends_head = word == "using" || word == "with";
            tokens.push(Head::Word(word));
            at += length;
            if ends_head {
                break;
            }
        } else {
            tokens.push(Head::Other);
            break;
        }
    }
    tokens
}

fn block_comment_length(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut depth = 0;
    let mut at = 0;
    while at + 1 < bytes.len() {
        if bytes[at] == b'/' && bytes[at + 1] == b'*' {
            depth += 1;
            at += 2;
        } else if bytes[at] == b'*' && bytes[at + 1] == b'/' {
            depth -= 1;
            at += 2;
            if depth == 0 {
                return at;
            }
        } else {
            at += 1;
        }
    }
    bytes.len()
}

/// `CREATE|ALTER POLICY name ON table … TO a, b …`.
fn roles_of_statement(code: &str, line: usize) -> Vec<PolicyRole> {
    let tokens = head_tokens(code);
    let is_policy = matches!(tokens.first(), Some(Head::Word(verb)) if verb == "create" || verb == "alter")
        && tokens.get(1).is_some_and(|token| token.is_word("policy"));
    if !is_policy {
        return Vec::new();
    }
    let Some(policy) = tokens.get(2).and_then(Head::name) else {
        return Vec::new();
    };
    if !tokens.get(3).is_some_and(|token| token.is_word("on")) {
        return Vec::new();
    }
    let mut at = 4;
    let mut table_parts = Vec::new();
    while let Some(part) = tokens.get(at).and_then(Head::name) {
        table_parts.push(part.to_string());
        at += 1;
        if tokens.get(at) == Some(&Head::Dot) {
            at += 1;
        } else {
            break;
        }
    }
    let table = table_parts.join(".");
    // `TO` may follow `AS …` and `FOR …`; `RENAME TO` renames the policy.
    let Some(to) = tokens
        .iter()
        .enumerate()
        .skip(at)
        .find(|(_, token)| token.is_word("to"))
        .map(|(index, _)| index)
    else {
        return Vec::new();
    };
    if tokens
        .get(to.wrapping_sub(1))
        .is_some_and(|token| token.is_word("rename"))
    {
        return Vec::new();
    }
    let mut roles = Vec::new();
    let mut at = to + 1;
    while let Some(token) = tokens.get(at) {
        let role = match token {
            Head::Word(word)
                if matches!(
                    word.as_str(),
                    "public" | "current_user" | "current_role" | "session_user"
                ) =>
            {
                None
            }
            Head::Word(word) if word == "using" || word == "with" => break,
            Head::Word(word) | Head::Quoted(word) => Some(word.clone()),
            _ => break,
        };
        if let Some(role) = role {
            roles.push(PolicyRole {
                role,
                policy: policy.to_string(),
                table: table.clone(),
                line,
            });
        }
        at += 1;
        if tokens.get(at) == Some(&Head::Comma) {
            at += 1;
        } else {
            break;
        }
    }
    roles
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(sql: &str, expected: &[&str]) {
        let found: Vec<String> = policy_roles(sql)
            .iter()
            .map(|role| {
                format!(
                    "{} by {} on {} at {}",
                    role.role, role.policy, role.table, role.line
                )
            })
            .collect();
        assert_eq!(found, expected, "{sql}");
    }

    #[test]
    fn roles_of_create_and_alter_policy() {
        check(
            "CREATE TABLE t (id int);\n\nCREATE POLICY \"owner_reads\" ON \"public\".\"documents\" AS RESTRICTIVE FOR SELECT TO app_user, \"Auditor\"\n  USING (owner_id = 1);\n",
            &[
                "app_user by owner_reads on public.documents at 3",
                "Auditor by owner_reads on public.documents at 3",
            ],
        );
        check(
            "alter policy p on t to PUBLIC, Reader using (true);",
            &["reader by p on t at 1"],
        );
        check(
            "CREATE POLICY p ON t TO current_user, session_user, public USING (true);",
            &[],
        );
        check("ALTER POLICY p ON t RENAME TO q;", &[]);
        check("CREATE POLICY p ON t USING (to_user = 1);", &[]);
        check(
            "-- a comment\nCREATE /* x */ POLICY \"we\"\"ird\" ON s.\"T\" FOR ALL TO \"a,b\";",
            &["a,b by we\"ird on s.T at 2"],
        );
        check("CREATE POLICYX p ON t TO a;", &[]);
        check("CREATE POLICY", &[]);
        check("— CREATE POLICY p ON t TO a;", &[]);
        check("CREATE POLICY p ON t TO a— b;", &["a by p on t at 1"]);
        check(
            "CREATE POLICY p ON t TO \"unterminated",
            &["unterminated by p on t at 1"],
        );
    }

    #[test]
    fn roles_a_migration_creates_itself() {
        assert_eq!(
            created_roles(
                "CREATE ROLE app_user NOLOGIN;\ncreate user \"Bob\";\nCREATE TABLE role (id int);"
            ),
            vec!["app_user".to_string(), "Bob".to_string()]
        );
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_read_to_its_end(text in "(CREATE POLICY p ON t TO |\\PC|\"|--|/\\*)*") {
            let _ = policy_roles(&text);
            let _ = created_roles(&text);
        }
    }

    #[test]
    fn required_roles_are_sorted_once_each() {
        assert_eq!(
            required_roles("CREATE POLICY a ON t TO z, y; CREATE POLICY b ON t TO y;"),
            vec!["y".to_string(), "z".to_string()]
        );
    }
}
