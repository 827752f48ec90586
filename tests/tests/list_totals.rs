//! A database list's total (`_links.count`) comes from counts the catalog keeps per (team,
//! environment, project, status), not from counting rows: it must still be exactly what a
//! count of the rows says, for every filter, through inserts, moves between teams, projects
//! and statuses, multi-row updates and deletions, and moves in opposite directions at once.

use dbaas_tests::TestStack;
use serde_json::{json, Value};

/// The filters of the list, as query strings, and the same as a SQL condition on `databases`.
fn filters(team: i64, project: i64) -> Vec<(String, String)> {
    let live = "status <> 'deleted'";
    vec![
        (String::new(), live.to_owned()),
        ("showDeleted=true".into(), "true".into()),
        (format!("team={team}"), format!("team_id = {team} AND {live}")),
        ("status=ready".into(), "status = 'ready'".into()),
        ("status=quarantined".into(), "status = 'quarantined'".into()),
        ("status=deleted&showDeleted=true".into(), "status = 'deleted'".into()),
        // Asking for destroyed ones shows them.
        ("status=deleted".into(), "status = 'deleted'".into()),
        (
            format!("project={project}"),
            format!("project_id = {project} AND {live}"),
        ),
        (
            format!("team={team}&status=failed&showDeleted=true"),
            format!("team_id = {team} AND status = 'failed'"),
        ),
        ("environment=1".into(), format!("environment_id = 1 AND {live}")),
        ("name=d7".into(), format!("name = 'd7' AND {live}")),
    ]
}

async fn count_of(catalog: &tokio_postgres::Client, condition: &str) -> i64 {
    catalog
        .query_one(&format!("SELECT count(*) FROM databases WHERE {condition}"), &[])
        .await
        .expect("count")
        .get(0)
}

/// Every filter's total, as the admin sees it, against a count of the rows; and the tenant's
/// (scoped to their team).
async fn totals_match(stack: &TestStack, tenant: (&str, &str), team: i64, project: i64, when: &str) {
    let catalog = stack.catalog().await;
    let admin = stack.as_admin();
    for (query, condition) in filters(team, project) {
        let (status, page) = admin.get(&format!("/api/database/?page_size=2&{query}")).await;
        assert_eq!(status, 200, "{query}: {page}");
        assert_eq!(
            page["_links"]["count"].as_i64(),
            Some(count_of(&catalog, &condition).await),
            "{when}: the admin's total of ?{query}: {page}"
        );
    }
    let (status, page) = stack
        .as_user(tenant.0, tenant.1)
        .get("/api/database/?page_size=2")
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        page["_links"]["count"].as_i64(),
        Some(count_of(&catalog, &format!("team_id = {team} AND status <> 'deleted'")).await),
        "{when}: the tenant's total: {page}"
    );
    // A page past the end still says how many there are.
    let (status, page) = admin
        .get(&format!("/api/database/?page_size=2&team={team}&status=failed"))
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        page["_links"]["count"].as_i64(),
        Some(count_of(&catalog, &format!("team_id = {team} AND status = 'failed'")).await),
        "{when}: a total with no row on the page: {page}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_totals_follow_every_change_of_the_rows() {
    let stack = TestStack::start_api_only(|_| {}).await;
    let admin = stack.as_admin();
    let team: Value = admin.create("/api/team", json!({"name": "counted"})).await;
    let team = team["id"].as_i64().expect("team id");
    let tenant = ("counted-tenant", "counted-password-1");
    admin
        .create(
            "/api/user",
            json!({"username": tenant.0, "password": tenant.1, "teams": [team]}),
        )
        .await;
    let project: Value = admin
        .create(
            "/api/project",
            json!({"name": "counted-app", "team": format!("/api/team/{team}/")}),
        )
        .await;
    let project = project["id"].as_i64().expect("project id");

    // Rows made before: half the team's, a third in the project.
    let mut ids = Vec::new();
    for n in 0..24 {
        let owner = (n % 2 == 0).then_some(team);
        let in_project = (n % 3 == 0 && owner.is_some()).then_some(project);
        ids.push(
            stack
                .database_row(&format!("d{n}"), [owner, None, None, in_project])
                .await,
        );
    }
    totals_match(&stack, tenant, team, project, "after inserts").await;

    let catalog = stack.catalog().await;
    let steps = [
        ("statuses changed one by one", "UPDATE databases SET status = 'quarantined' WHERE name IN ('d0', 'd1', 'd2')"),
        ("many rows at once", "UPDATE databases SET status = 'failed' WHERE name LIKE 'd1%'"),
        ("moved to another team", "UPDATE databases SET team_id = 1 WHERE name IN ('d4', 'd6')"),
        ("taken out of the project", "UPDATE databases SET project_id = NULL WHERE name = 'd0'"),
        ("put in the project", "UPDATE databases SET project_id = (SELECT id FROM projects WHERE name = 'counted-app') WHERE name = 'd8'"),
        ("destroyed", "UPDATE databases SET status = 'deleted', deleted_at = now() WHERE name IN ('d2', 'd3', 'd7')"),
        ("a change that moves nothing", "UPDATE databases SET description = 'x', status = status"),
        ("rows deleted", "DELETE FROM databases WHERE name IN ('d20', 'd21')"),
        ("several keys at once", "UPDATE databases SET team_id = CASE WHEN team_id = 1 THEN (SELECT id FROM teams WHERE name = 'counted') ELSE 1 END, status = 'ready' WHERE name IN ('d4', 'd5', 'd9')"),
    ];
    for (when, statement) in steps {
        catalog
            .batch_execute(statement)
            .await
            .unwrap_or_else(|e| panic!("{when}: {e}"));
        totals_match(&stack, tenant, team, project, when).await;
    }

    // Moves in opposite directions at once: one row goes from ready to failed while another
    // of the same key goes from failed to ready, over and over, each move taking the two
    // keys' counts. None deadlocks, and the totals still match.
    let (a, b) = (ids[10], ids[14]);
    catalog
        .execute("UPDATE databases SET status = 'ready' WHERE id = $1", &[&a])
        .await
        .expect("a ready");
    catalog
        .execute("UPDATE databases SET status = 'failed' WHERE id = $1", &[&b])
        .await
        .expect("b failed");
    let mover = |id: i64| {
        let url = stack.config.database_url.clone();
        tokio::spawn(async move {
            let client = dbaas_tests::pg_connect(&url).await.expect("catalog");
            for _ in 0..200 {
                client
                    .execute(
                        "UPDATE databases SET status = CASE status WHEN 'ready' THEN 'failed' ELSE 'ready' END WHERE id = $1",
                        &[&id],
                    )
                    .await
                    .expect("a move (a deadlock fails it)");
            }
        })
    };
    let (one, other) = (mover(a), mover(b));
    one.await.expect("first mover");
    other.await.expect("second mover");
    totals_match(&stack, tenant, team, project, "after concurrent moves").await;
    stack.cleanup().await;
}
