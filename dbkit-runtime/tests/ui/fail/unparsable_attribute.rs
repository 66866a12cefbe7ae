use dbkit_runtime::Table;

#[derive(Table)]
#[dbkit(table = "posts" schema = "blog")]
pub struct Post {
    #[dbkit(default = 5)]
    pub views: i32,
}

#[derive(Table)]
pub struct Draft {
    #[dbkit(primary_key,, identity)]
    pub id: i64,
}

fn main() {}
