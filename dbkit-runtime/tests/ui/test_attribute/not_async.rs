#[dbkit_runtime::test(migrations = MIGRATIONS)]
fn signs_up(_db: dbkit_runtime::TestDb) {}

fn main() {}
