use dbkit_runtime::Table;

pub struct Money(pub i64);

#[derive(Table)]
pub struct Payment {
    #[dbkit(primary_key)]
    pub id: i64,
    pub amount: Money,
    pub refunds: Option<Vec<Money>>,
}

fn main() {}
