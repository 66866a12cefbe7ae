//! Views in a push: PostgreSQL prints a view's query its own way, so the
//! live view and the code's are like with like only once the code's query
//! has been printed by the same server. The code's queries are put through
//! the live database (`dbkit_introspect::canonicalize_view_queries`: a
//! temporary view per query, in a `READ WRITE` transaction of the read-only
//! session that is always rolled back), and a live view equal to the
//! code's printed one takes the code's spelling, so the differ sees no
//! change; any other view is replaced or recreated as the differ decides.

use crate::database::session::{SessionError, connect_pool, read_only_connect_options};
use dbkit_core::compare::schema_differences;
use dbkit_core::model::{Schema, View};
use dbkit_runtime::migrate::DatabaseUrl;
use std::time::Duration;

/// `live` with each view that is the code's, as PostgreSQL prints it,
/// spelled as the code spells it.
pub async fn views_spelled_as_code(
    url: &DatabaseUrl,
    application_name: &str,
    live: Schema,
    code: &Schema,
    connect_timeout: Duration,
) -> Result<Schema, SessionError> {
    if live.views.is_empty() || code.views.is_empty() {
        return Ok(live);
    }
    let options = read_only_connect_options(url, application_name).map_err(SessionError::Failed)?;
    let pool = connect_pool(options, 1, connect_timeout).await?;
    let printed = match pool.acquire().await {
        Ok(mut connection) => {
            dbkit_introspect::canonicalize_view_queries(&mut connection, code.clone())
                .await
                .ok()
        }
        Err(_) => None,
    };
    pool.close().await;
    Ok(match printed {
        Some(printed) => live_views_spelled_as_code(live, code, &printed),
        None => live,
    })
}

/// `live` with each view equal to the code's view as PostgreSQL prints it
/// (`printed`: `code` with its view queries printed by the live server, in
/// the same order) spelled as the code spells it.
pub fn live_views_spelled_as_code(mut live: Schema, code: &Schema, printed: &Schema) -> Schema {
    for view in &mut live.views {
        let found = printed
            .views
            .iter()
            .zip(&code.views)
            .find(|(printed, _)| printed.name == view.name);
        if let Some((printed, written)) = found
            && same_view(printed, view)
        {
            *view = written.clone();
        }
    }
    live
}

fn same_view(a: &View, b: &View) -> bool {
    let alone = |view: &View| Schema {
        views: vec![view.clone()],
        ..Schema::default()
    };
    schema_differences(&alone(a), &alone(b)).is_empty()
}
