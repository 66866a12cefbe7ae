use dbkit_runtime::Table;

#[derive(Table)]
pub struct Account {
    #[dbkit(primary_kee)]
    pub id: i64,
    pub email: String,
}

fn main() {}
