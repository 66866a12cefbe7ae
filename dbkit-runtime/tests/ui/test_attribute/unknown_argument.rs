#[dbkit_runtime::test(migrations = MIGRATIONS, fixture("users"))]
async fn misspelled(_db: dbkit_runtime::TestDb) {}

#[dbkit_runtime::test(migrations = MIGRATIONS, timeout = 10)]
async fn unknown(_db: dbkit_runtime::TestDb) {}

fn main() {}
