#[dbkit_runtime::test(migrations = MIGRATIONS)]
async fn no_database() {}

#[dbkit_runtime::test(migrations = MIGRATIONS)]
async fn two_arguments(_db: dbkit_runtime::TestDb, _other: u32) {}

#[dbkit_runtime::test(migrations = MIGRATIONS)]
async fn generic<T>(_db: dbkit_runtime::TestDb) {}

fn main() {}
