//! `Sequence`, `Domain` and `CompositeType`, and a table whose fields are
//! of the declared types.

use dbkit_runtime::{CompositeType, Domain, PgEnum, PgType, Sequence, Table};

#[derive(Sequence)]
#[dbkit(name = "order_numbers", start = 1000, increment = 2, as = "integer", cycle)]
pub struct OrderNumbers;

#[derive(Domain)]
#[dbkit(name = "email", not_null, check(name = "email_check", expr = "VALUE ~ '@'"))]
pub struct Email(pub String);

#[derive(PgEnum)]
pub enum Kind {
    Home,
    Work,
}

#[derive(CompositeType)]
#[dbkit(schema = "geo")]
pub struct Address {
    pub street: String,
    pub email: Option<Email>,
    pub kind: Kind,
}

#[derive(Table)]
pub struct Orders {
    #[dbkit(primary_key, default = "nextval('order_numbers')")]
    pub number: i32,
    pub contact: Email,
    pub ship_to: Option<Vec<Address>>,
}

fn main() {
    assert_eq!(<OrderNumbers as dbkit_runtime::Sequence>::NAME, "order_numbers");
    assert_eq!(<Email as PgType>::NAME, "email");
    assert_eq!(<Address as PgType>::SCHEMA, "geo");
    assert_eq!(<Orders as dbkit_runtime::Table>::COLUMNS, ["number", "contact", "ship_to"]);
}
