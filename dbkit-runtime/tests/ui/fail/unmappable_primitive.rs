use dbkit_runtime::Table;

#[derive(Table)]
pub struct Counter {
    pub hits: u32,
}

fn main() {}
