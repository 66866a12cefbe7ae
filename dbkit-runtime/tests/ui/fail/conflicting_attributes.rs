use dbkit_runtime::Table;

#[derive(Table)]
pub struct Ticket {
    #[dbkit(primary_key, identity, serial)]
    pub id: i64,
    #[dbkit(default = "0", generated = "id * 2")]
    pub double: i64,
    #[dbkit(primary_key)]
    pub code: Option<String>,
    #[dbkit(skip, unique)]
    pub cache: String,
}

fn main() {}
