//! How the admin resources' lists page: forwards and back, one at a time, with the caller's
//! own count; bad page sizes and cursors are refused.

use dbaas_tests::{refused, TestStack};
use serde_json::{json, Value};

const MIB: i64 = 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_page_forwards_and_back() {
    let stack = TestStack::start().await;
    let admin = stack.as_admin();
    for i in 1..=3 {
        admin.create("/api/team", json!({"name": format!("team{i}")})).await;
        admin
            .create(
                "/api/user",
                json!({"username": format!("user{i}"), "password": "twelve-chars"}),
            )
            .await;
        admin
            .create(
                "/api/plan",
                json!({"name": format!("plan{i}"), "engine": "postgres", "image": "postgres:16",
                   "memory_bytes": 64 * MIB, "cpus": 1, "size_bytes": 1}),
            )
            .await;
        admin
            .create(
                "/api/environment",
                json!({"name": format!("env{i}"), "docker_endpoint": "unix:///run/d.sock",
                   "host_address": "127.0.0.1", "port_min": 1000, "port_max": 2000}),
            )
            .await;
        admin
            .create("/api/project", json!({"name": format!("project{i}")}))
            .await;
    }

    for resource in ["team", "user", "plan", "environment", "project"] {
        let (status, all) = admin.get(&format!("/api/{resource}?page_size=1000")).await;
        assert_eq!(status, 200, "{all}");
        let ids: Vec<i64> = all[resource]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["id"].as_i64().unwrap())
            .collect();
        assert!(ids.len() >= 3, "{resource}: {all}");
        assert_eq!(all["_links"]["count"], ids.len());

        // Forwards, one at a time, to the end.
        let mut walked = Vec::new();
        let mut link = Some(stack.url(&format!("/api/{resource}/?page_size=1")));
        let mut last = Value::Null;
        while let Some(url) = link {
            let (status, page) = admin.get(&url).await;
            assert_eq!(status, 200, "{url}: {page}");
            assert_eq!(page[resource].as_array().unwrap().len(), 1, "{page}");
            assert_eq!(page["_links"]["count"], ids.len());
            walked.push(page[resource][0]["id"].as_i64().unwrap());
            link = page["_links"]["next"].as_str().map(str::to_owned);
            if link.is_none() {
                last = page;
            } else {
                assert!(link.as_deref().unwrap().contains("page_size=1"), "{page}");
            }
            assert!(walked.len() <= ids.len(), "{resource}: the walk does not end");
        }
        assert_eq!(walked, ids, "{resource} forwards");

        // And back to the start.
        let mut back = vec![last[resource][0]["id"].as_i64().unwrap()];
        let mut link = last["_links"]["previous"].as_str().map(str::to_owned);
        while let Some(url) = link {
            let (status, page) = admin.get(&url).await;
            assert_eq!(status, 200, "{url}: {page}");
            back.push(page[resource][0]["id"].as_i64().unwrap());
            link = page["_links"]["previous"].as_str().map(str::to_owned);
            assert!(back.len() <= ids.len(), "{resource}: the walk back does not end");
        }
        back.reverse();
        assert_eq!(back, ids, "{resource} backwards");

        for size in ["0", "1001", "-1"] {
            refused(
                admin.get(&format!("/api/{resource}?page_size={size}")).await,
                400,
                Some("page_size"),
            );
        }
        // Any string fits the schema of a cursor; one this API did not give out points
        // nowhere: 422.
        refused(
            admin.get(&format!("/api/{resource}?cursor=junk")).await,
            422,
            Some("cursor"),
        );
    }

    // The count and the pages are the caller's: a non-admin pages through their own.
    admin
        .create(
            "/api/user",
            json!({"username": "member", "password": "twelve-chars", "teams": ["team1", "team2"]}),
        )
        .await;
    let member = stack.as_user("member", "twelve-chars");
    let (_, first) = member.get("/api/team?page_size=1").await;
    assert_eq!(first["_links"]["count"], 2);
    assert_eq!(first["team"][0]["name"], "team1");
    let (_, second) = member.get(first["_links"]["next"].as_str().unwrap()).await;
    assert_eq!(second["team"][0]["name"], "team2");
    assert_eq!(second["_links"]["next"], Value::Null);

    stack.cleanup().await;
}
