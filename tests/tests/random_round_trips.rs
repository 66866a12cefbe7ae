//! Random schema pairs (A, B): A is created on a fresh database, migrated to
//! B, and what the database holds must be B.

use dbkit_core::arbitrary::arbitrary_schema_pair;
use dbkit_tests::round_trip;
use proptest::prelude::*;

/// Each case creates a database and applies two migrations; a modest count
/// keeps the suite fast. `PROPTEST_CASES` raises it for a longer hunt. A
/// failing case is saved under `proptest-regressions/` and replayed first.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(48);
    ProptestConfig {
        cases,
        max_shrink_iters: 200,
        ..ProptestConfig::default()
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_schema_pairs_round_trip_through_postgresql((first, second) in arbitrary_schema_pair()) {
        let outcome = runtime().block_on(async {
            let trip = round_trip(&first, &second).await?;
            trip.database.drop_now().await
        });
        if let Err(report) = outcome {
            return Err(TestCaseError::fail(report));
        }
    }
}
