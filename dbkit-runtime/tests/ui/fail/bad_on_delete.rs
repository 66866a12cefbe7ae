use dbkit_runtime::Table;

#[derive(Table)]
pub struct Post {
    #[dbkit(references = "users.id", on_delete = "cascde")]
    pub author_id: i64,
    #[dbkit(references = "users", on_update = "restrict")]
    pub editor_id: i64,
}

fn main() {}
