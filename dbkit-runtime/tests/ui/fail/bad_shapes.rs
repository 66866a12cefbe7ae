use dbkit_runtime::{PgEnum, Table};

#[derive(Table)]
pub struct Wrapper(i64);

#[derive(Table)]
pub struct Generic<T> {
    pub value: T,
}

#[derive(PgEnum)]
pub enum Shape {
    Circle(f64),
    Square,
}

#[derive(PgEnum)]
pub enum Never {}

#[derive(PgEnum)]
pub enum Status {
    InReview,
    #[dbkit(rename = "in_review")]
    Reviewing,
}

#[derive(Table)]
#[dbkit(check(expr = "n > 0"), index(columns(m)))]
pub struct Counter {
    pub n: i32,
}

fn main() {}
