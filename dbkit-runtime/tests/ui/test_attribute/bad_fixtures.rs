#[dbkit_runtime::test(migrations = MIGRATIONS, fixtures(users))]
async fn not_a_literal(_db: dbkit_runtime::TestDb) {}

#[dbkit_runtime::test(migrations = MIGRATIONS, fixtures("users", "users"))]
async fn listed_twice(_db: dbkit_runtime::TestDb) {}

#[dbkit_runtime::test(migrations = MIGRATIONS, fixtures("seed/users"))]
async fn neither_name_nor_path(_db: dbkit_runtime::TestDb) {}

fn main() {}
