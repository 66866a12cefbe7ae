//! `cargo dbkit pull`'s code generation over random schemas: a random
//! schema is created on a fresh database (rendered from empty), read back,
//! turned into the modules pull writes, which are parsed and resolved as
//! `cargo dbkit generate` reads them; the migration generated from empty
//! for that code, applied to a second fresh database, must give the same
//! schema as the first, empty schemas aside, or, when the generator
//! reported something the DSL cannot say, the schema the code declares.

use cargo_dbkit::{
    find_uncompared_options, find_unsupported_objects, module_files, without_empty_schemas,
};
use dbkit_core::codegen::{CodegenOptions, Unexpressed, generate_modules};
use dbkit_core::compare::{format_differences, schema_differences};
use dbkit_core::model::Schema;
use dbkit_core::parse::parse_source_file;
use dbkit_core::resolve::resolve_schema;
use dbkit_core::test_support::strategies::arbitrary_schema;
use dbkit_tests::{TestDatabase, database_holding, migration_between, proptest_config, runtime};
use proptest::prelude::*;

/// Each case makes two databases (about 10 ms each on a disposable server)
/// and parses the generated code; `PROPTEST_CASES` raises the count.
fn config() -> ProptestConfig {
    proptest_config(48, 100)
}

/// The schema the pulled files declare, read as `generate` reads them.
fn pulled_code_schema(database_schema: &Schema) -> Result<(Schema, String), String> {
    let modules = module_files(database_schema, Default::default());
    let listing: String = modules
        .files
        .iter()
        .map(|file| format!("==> {} <==\n{}\n", file.file_name, file.source))
        .collect();
    let mut declarations = Vec::new();
    for file in &modules.files {
        let display_path = format!("src/schema/{}", file.file_name);
        let parsed = parse_source_file(&file.source, &display_path).map_err(|errors| {
            let lines: Vec<String> = errors.iter().map(|error| format!("{error:?}")).collect();
            format!(
                "the pulled code does not parse:\n{}\n{listing}",
                lines.join("\n")
            )
        })?;
        declarations.extend(parsed);
    }
    let schema = resolve_schema(declarations).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(|error| format!("{error:?}")).collect();
        format!(
            "the pulled code does not resolve:\n{}\n{listing}",
            lines.join("\n")
        )
    })?;
    Ok((schema, listing))
}

async fn pull_round_trip(schema: &Schema) -> Result<(), String> {
    let (original, _) = database_holding("pull_random", schema).await?;
    let mut pulled = original.introspect().await?;
    without_empty_schemas(&mut pulled);
    let (code, listing) = pulled_code_schema(&pulled)?;

    let baseline = migration_between(&Schema::default(), &code)?;
    let fresh = TestDatabase::create("pull_random_fresh").await?;
    fresh.apply(&baseline).await.map_err(|error| {
        format!(
            "the baseline failed: {error}\n--- baseline ---\n{}\n{listing}",
            baseline.sql
        )
    })?;
    let recreated = fresh.introspect().await?;
    // The baseline always makes what the code declares; the code declares
    // the whole database unless the generator reported something the DSL
    // cannot say (empty schemas aside, which pull leaves out of the
    // comparison too): a foreign key naming a table with a space, say.
    let unexpressed = generate_modules(&pulled, &CodegenOptions::default()).unexpressed;
    let complete = unexpressed
        .iter()
        .all(|item| matches!(item, Unexpressed::EmptySchema { .. }));
    let expected = if complete { &pulled } else { &code };
    let differences = schema_differences(expected, &recreated);
    if !differences.is_empty() {
        return Err(format!(
            "the database made from the pulled code differs from the {}:\n{}--- baseline ---\n{}\n{listing}",
            if complete { "original" } else { "code" },
            format_differences(&differences),
            baseline.sql
        ));
    }
    original.drop_now().await?;
    fresh.drop_now().await
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn pulled_code_recreates_random_databases(schema in arbitrary_schema()) {
        if let Err(report) = runtime().block_on(pull_round_trip(&schema)) {
            return Err(TestCaseError::fail(report));
        }
    }
}

/// A database with a sequence no column owns (which a default calls), a
/// domain and a composite type is pulled as code that declares all three,
/// with nothing reported as left out, and a baseline from that code makes
/// the same database.
#[test]
fn sequences_domains_and_composite_types_are_pulled_as_code() {
    let source = r#"
#[derive(Sequence)]
#[dbkit(name = "order_numbers", start = 1000, increment = 10, cache = 5, as = "integer")]
pub struct OrderNumbers;

#[derive(Domain)]
#[dbkit(name = "email", not_null, default = "'nobody@example.com'", check(name = "email_check", expr = "VALUE ~ '@'"), collate = "C")]
pub struct Email(pub String);

#[derive(CompositeType)]
#[dbkit(schema = "geo")]
pub struct Address {
    pub street: String,
    pub email: Option<Email>,
    #[dbkit(sql_type = "varchar(10)[]")]
    pub zips: Vec<String>,
}

#[derive(Table)]
pub struct Orders {
    #[dbkit(primary_key, default = "nextval('order_numbers')")]
    pub number: i32,
    pub contact: Email,
    pub ship_to: Option<Vec<Address>>,
}
"#;
    let declared = dbkit_tests::source::schema_from_valid_rust(source);
    let outcome: Result<(), String> = runtime().block_on(async {
        let (database, _) = database_holding("pull_types", &declared).await?;
        let pulled = database.introspect().await?;
        let differences = schema_differences(&declared, &pulled);
        if !differences.is_empty() {
            return Err(format!(
                "introspected:\n{}",
                format_differences(&differences)
            ));
        }
        let unsupported = cargo_dbkit::find_unsupported_objects(&database.pool)
            .await
            .map_err(|error| error.to_string())?;
        if !unsupported.is_empty() {
            return Err(format!("reported as left out: {unsupported:?}"));
        }
        let unexpressed = generate_modules(&pulled, &CodegenOptions::default()).unexpressed;
        if !unexpressed.is_empty() {
            return Err(format!("reported as inexpressible: {unexpressed:?}"));
        }
        let (code, listing) = pulled_code_schema(&pulled)?;
        for item in [
            "pub struct OrderNumbers;",
            "pub struct Email(pub String);",
            "pub struct Address {",
            "pub contact: Email,",
            "pub ship_to: Option<Vec<super::geo::Address>>,",
        ] {
            if !listing.contains(item) {
                return Err(format!("`{item}` is not in the pulled code:\n{listing}"));
            }
        }
        let differences = schema_differences(&declared, &code);
        if !differences.is_empty() {
            return Err(format!(
                "the pulled code differs:\n{}{listing}",
                format_differences(&differences)
            ));
        }
        pull_round_trip(&declared).await?;
        database.drop_now().await
    });
    if let Err(report) = outcome {
        panic!("{report}");
    }
}

/// A database that holds every option of tables, columns, constraints and
/// indexes the DSL declares (storage parameters, collations, deferrable and
/// `NOT VALID` constraints, an exclusion constraint, index key options,
/// `INCLUDE` columns) is pulled whole: nothing is named as left out, not
/// compared or carried, the code says all of it, and its baseline makes
/// the same database again.
#[test]
fn a_database_with_every_table_option_is_pulled_whole() {
    runtime().block_on(async {
        let original = TestDatabase::create("pull_options").await.expect("a database");
        sqlx::raw_sql(
            r#"
            CREATE TABLE teams (
                id bigint PRIMARY KEY,
                code text COLLATE "C" NOT NULL,
                CONSTRAINT teams_code_key UNIQUE (code) DEFERRABLE INITIALLY DEFERRED
            ) WITH (fillfactor = 70, autovacuum_enabled = false);
            CREATE TABLE players (
                id bigint NOT NULL,
                team bigint NOT NULL,
                name text NOT NULL,
                position integer NOT NULL,
                during tstzrange,
                CONSTRAINT players_pkey PRIMARY KEY (id) DEFERRABLE
            );
            ALTER TABLE players ADD CONSTRAINT players_team_fkey FOREIGN KEY (team)
                REFERENCES teams (id) DEFERRABLE INITIALLY DEFERRED NOT VALID;
            ALTER TABLE players ADD CONSTRAINT players_position_check CHECK (position > 0) NOT VALID;
            ALTER TABLE players ADD CONSTRAINT players_during_excl
                EXCLUDE USING gist (during WITH &&) WHERE (position > 1);
            ALTER TABLE players ADD CONSTRAINT players_name_excl EXCLUDE (lower(name) WITH =)
                DEFERRABLE INITIALLY DEFERRED;
            CREATE INDEX players_name_position_idx
                ON players (name text_pattern_ops DESC NULLS LAST, position NULLS FIRST)
                INCLUDE (team) WITH (fillfactor = 80);
            CREATE INDEX players_code_idx ON players (name COLLATE "POSIX");
            CREATE INDEX players_lower_name_idx ON players (lower(name) COLLATE "C" DESC);
            "#,
        )
        .execute(&original.pool)
        .await
        .expect("create the tables");

        let left_out = find_unsupported_objects(&original.pool).await.expect("read");
        assert!(left_out.is_empty(), "named as left out: {left_out:?}");
        let not_compared = find_uncompared_options(&original.pool).await.expect("read");
        assert!(not_compared.is_empty(), "named as not compared: {not_compared:?}");

        let pulled = original.introspect().await.expect("introspect");
        let unexpressed = generate_modules(&pulled, &CodegenOptions::default()).unexpressed;
        assert!(unexpressed.is_empty(), "{unexpressed:?}");
        let (code, listing) = pulled_code_schema(&pulled).unwrap_or_else(|report| panic!("{report}"));
        for option in [
            "with = \"autovacuum_enabled=false, fillfactor=70\"",
            "unique(columns(code), deferrable, initially_deferred)",
            "collate = \"C\"",
            "primary_key(columns(id), deferrable)",
            "not_valid",
            "exclude(",
            "name(desc, nulls_last, opclass = \"text_pattern_ops\")",
            "position(nulls_first)",
            "include(team)",
            "collate = \"POSIX\"",
            "lower(name) COLLATE \\\"C\\\" DESC",
        ] {
            assert!(listing.contains(option), "`{option}` in\n{listing}");
        }
        let differences = schema_differences(&pulled, &code);
        assert!(differences.is_empty(), "{}", format_differences(&differences));

        let baseline = migration_between(&Schema::default(), &code).expect("a baseline");
        let fresh = TestDatabase::create("pull_options_fresh").await.expect("a database");
        fresh
            .apply(&baseline)
            .await
            .unwrap_or_else(|error| panic!("{error}\n{}", baseline.sql));
        let recreated = fresh.introspect().await.expect("introspect");
        let differences = schema_differences(&pulled, &recreated);
        assert!(
            differences.is_empty(),
            "{}--- baseline ---\n{}",
            format_differences(&differences),
            baseline.sql
        );
        original.drop_now().await.expect("drop");
        fresh.drop_now().await.expect("drop");
    });
}

/// Views and materialized views written by hand in SQL (their query laid
/// out and spelled as no code would) are pulled into `#[derive(View)]`
/// structs, named in no "left out" warning, and the baseline made from the
/// pulled code recreates them: same queries as PostgreSQL prints them,
/// same columns, indexes, comments and `WITH NO DATA`.
#[tokio::test]
async fn pulled_views_and_materialized_views_recreate_the_database() {
    let original = TestDatabase::create("pull_views").await.expect("database");
    sqlx::raw_sql(
        r#"
        CREATE SCHEMA shop;
        CREATE TYPE shop.mood AS ENUM ('happy', 'sad');
        CREATE TABLE shop.customers (id bigint PRIMARY KEY, email text NOT NULL, mood shop.mood);
        CREATE TABLE shop.orders (
            id bigint PRIMARY KEY,
            customer_id bigint NOT NULL REFERENCES shop.customers (id),
            placed_on date NOT NULL,
            total numeric(12,2) NOT NULL
        );
        CREATE VIEW shop.customer_orders AS
            select c.id, c.email, c.mood, count(o.id) as orders
            from shop.customers c left join shop.orders o on o.customer_id = c.id
            group by c.id, c.email;
        COMMENT ON VIEW shop.customer_orders IS 'Customers with their order count.';
        CREATE VIEW public."Big Customers" AS
            SELECT id AS "Customer Id" FROM shop.customer_orders WHERE orders > 10;
        CREATE MATERIALIZED VIEW shop.daily_sales AS
            SELECT placed_on AS day, sum(total) AS total FROM shop.orders GROUP BY placed_on
            WITH NO DATA;
        CREATE UNIQUE INDEX daily_sales_day_idx ON shop.daily_sales (day);
        CREATE INDEX by_total ON shop.daily_sales (total) WHERE total > 0;
        CREATE MATERIALIZED VIEW public.customer_count AS SELECT count(*) AS n FROM shop.customers;
        "#,
    )
    .execute(&original.pool)
    .await
    .expect("create the views");
    let left_out = cargo_dbkit::find_unsupported_objects(&original.pool)
        .await
        .expect("unsupported objects");
    assert_eq!(left_out, Vec::new());
    let mut pulled = original.introspect().await.expect("introspect");
    assert_eq!(pulled.views.len(), 4, "{:#?}", pulled.views);
    without_empty_schemas(&mut pulled);
    let (code, listing) = pulled_code_schema(&pulled).unwrap_or_else(|report| panic!("{report}"));
    assert!(
        listing.contains("#[derive(Debug, Clone, View)]"),
        "{listing}"
    );
    let unexpressed = generate_modules(&pulled, &CodegenOptions::default()).unexpressed;
    assert_eq!(unexpressed, Vec::new(), "{listing}");

    let baseline = migration_between(&Schema::default(), &code).expect("baseline");
    let fresh = TestDatabase::create("pull_views_fresh")
        .await
        .expect("database");
    fresh
        .apply(&baseline)
        .await
        .unwrap_or_else(|error| panic!("{error}\n{}\n{listing}", baseline.sql));
    let recreated = fresh.introspect().await.expect("introspect");
    let differences = schema_differences(&pulled, &recreated);
    assert!(
        differences.is_empty(),
        "{}--- baseline ---\n{}\n{listing}",
        format_differences(&differences),
        baseline.sql
    );
    assert_eq!(
        pulled.views, recreated.views,
        "the views come back exactly, WITH NO DATA included"
    );
    original.drop_now().await.expect("drop");
    fresh.drop_now().await.expect("drop");
}
