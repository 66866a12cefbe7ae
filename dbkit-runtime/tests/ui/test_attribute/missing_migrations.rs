#[dbkit_runtime::test]
async fn without_arguments(_db: dbkit_runtime::TestDb) {}

#[dbkit_runtime::test(fixtures("users"))]
async fn with_fixtures_only(_db: dbkit_runtime::TestDb) {}

fn main() {}
