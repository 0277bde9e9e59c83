//! Auth and the instance resource: list, create, retrieve, update, delete.

use fake_waapi::{Config, Envelopes};
use reqwest::Method;
use serde_json::json;

use crate::support::{instant, Fake, ADMIN, VIEWER};

fn support(is_trial: serde_json::Value) -> serde_json::Value {
    json!({
        "id": 1, "name": "Support", "owner": "admin@example.com",
        "webhook_url": "https://hooks.example.com/waapi",
        "webhook_events": ["message", "message_ack", "ready"], "is_trial": is_trial,
    })
}

#[tokio::test]
async fn missing_or_unknown_bearer_is_401() {
    let fake = Fake::start(instant()).await;
    for token in [None, Some("nope")] {
        let reply = fake.get("/api/v1/instances", token).await;
        assert_eq!(reply.status, 401);
        assert_eq!(reply.json(), json!({"message": "Unauthenticated."}));
        assert_eq!(reply.header("content-type"), Some("application/json"));
    }
    let reply = fake
        .call(Method::GET, "/api/v1/instances", None, None)
        .await;
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn token_without_the_route_permission_is_403() {
    let fake = Fake::start(instant()).await;
    let cases = [
        (Method::POST, "/api/v1/instances", "create"),
        (Method::PUT, "/api/v1/instances/1", "update"),
        (Method::DELETE, "/api/v1/instances/1", "delete"),
        (
            Method::POST,
            "/api/v1/instances/1/client/action/reboot",
            "update",
        ),
    ];
    for (method, path, permission) in cases {
        let reply = fake.call(method, path, VIEWER, Some("{}")).await;
        assert_eq!(reply.status, 403, "{path}");
        assert_eq!(
            reply.json(),
            json!({"status": "error", "message": format!("This token lacks the {permission} permission.")})
        );
    }
    // The check comes before the instance lookup.
    assert_eq!(
        fake.call(Method::DELETE, "/api/v1/instances/99", VIEWER, None)
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn custom_tokens_carry_exactly_their_permissions() {
    let mut config = instant();
    config.tokens = [("writer".to_owned(), "create,update".parse().unwrap())].into();
    let fake = Fake::start(config).await;
    assert_eq!(fake.get("/api/v1/instances", ADMIN).await.status, 401);
    let reply = fake.get("/api/v1/instances", Some("writer")).await;
    assert_eq!(reply.status, 403);
    assert_eq!(
        reply.json()["message"],
        "This token lacks the read permission."
    );
    assert_eq!(
        fake.post("/api/v1/instances", Some("writer"), None)
            .await
            .status,
        201
    );
}

#[tokio::test]
async fn unknown_instances_and_routes_are_404() {
    let fake = Fake::start(instant()).await;
    for (path, id) in [
        ("/api/v1/instances/12", "12"),
        ("/api/v1/instances/abc/client/status", "abc"),
        ("/api/v1/instances/12/client/qr", "12"),
    ] {
        let reply = fake.get(path, ADMIN).await;
        assert_eq!(reply.status, 404);
        assert_eq!(
            reply.json(),
            json!({"status": "error", "message": format!("Instance {id} not found.")})
        );
    }
    // Auth comes before the lookup.
    assert_eq!(fake.get("/api/v1/instances/12", None).await.status, 401);

    let reply = fake.get("/api/v1/nothing-here", ADMIN).await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json()["status"], "error");
    assert_eq!(reply.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn list_returns_the_seed_and_filters_by_id_or_name() {
    let fake = Fake::start(instant()).await;
    let reply = fake.get("/api/v1/instances", VIEWER).await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(body["status"], "success");
    assert_eq!(body["instances"][0], support(json!(0)));
    assert_eq!(
        body["instances"][1],
        json!({"id": 2, "name": "Sales", "owner": "admin@example.com",
               "webhook_url": null, "webhook_events": [], "is_trial": 1})
    );
    assert_eq!(
        body["instances"][2],
        json!({"id": 3, "name": "Marketing", "owner": "admin@example.com",
               "webhook_url": "https://example.org/hooks/marketing",
               "webhook_events": ["message_create"], "is_trial": 0})
    );

    let ids = |filter: &'static str| {
        let fake = &fake;
        async move {
            let body = fake
                .get(&format!("/api/v1/instances?filter={filter}"), ADMIN)
                .await
                .json();
            body["instances"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_u64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(ids("2").await, [2]);
    assert_eq!(ids("SAL").await, [2]);
    assert_eq!(ids("r").await, [1, 3]);
    assert_eq!(ids("ket").await, [3]);
    assert_eq!(ids("").await, [1, 2, 3]);
    assert_eq!(ids("9").await, Vec::<u64>::new());
}

#[tokio::test]
async fn create_numbers_from_4_and_stops_at_the_limit() {
    let fake = Fake::start(instant()).await;
    let reply = fake.post("/api/v1/instances", ADMIN, None).await;
    assert_eq!(reply.status, 201);
    assert_eq!(
        reply.json(),
        json!({"instance": {"id": 4, "name": "Instance 4", "owner": "admin@example.com",
               "webhook_url": null, "webhook_events": [], "is_trial": 0}, "status": "success"})
    );
    assert_eq!(
        fake.post("/api/v1/instances", ADMIN, Some(r#"{"name":"ignored"}"#))
            .await
            .json()["instance"]["id"],
        5
    );
    let reply = fake.post("/api/v1/instances", ADMIN, None).await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.json(),
        json!({"status": "error", "message": "Instance limit reached: this account may have at most 5 instances."})
    );
    // Ids are never reused.
    let deleted = fake
        .call(Method::DELETE, "/api/v1/instances/5", ADMIN, None)
        .await;
    assert_eq!(deleted.status, 204);
    assert_eq!(
        fake.post("/api/v1/instances", ADMIN, None).await.json()["instance"]["id"],
        6
    );
}

#[tokio::test]
async fn instance_limit_is_configurable() {
    let fake = Fake::start(Config {
        instance_limit: 3,
        ..instant()
    })
    .await;
    let reply = fake.post("/api/v1/instances", ADMIN, None).await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.json()["message"],
        "Instance limit reached: this account may have at most 3 instances."
    );
}

#[tokio::test]
async fn retrieve_differs_between_live_and_spec() {
    let live = Fake::start(instant()).await;
    let reply = live.get("/api/v1/instances/1", VIEWER).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json(),
        json!({"instance": support(json!(0)), "status": "success"})
    );

    let spec = Fake::start(Config {
        envelopes: Envelopes::Spec,
        ..instant()
    })
    .await;
    assert_eq!(
        spec.get("/api/v1/instances/1", VIEWER).await.json(),
        json!({"instances": [support(json!(false))], "status": "success"})
    );
    assert_eq!(
        spec.get("/api/v1/instances", VIEWER).await.json()["instances"][1]["is_trial"],
        true
    );
    let created = spec.post("/api/v1/instances", ADMIN, None).await;
    assert_eq!(created.status, 200);
    assert_eq!(created.json()["instance"]["is_trial"], false);
}

#[tokio::test]
async fn update_changes_only_given_fields_and_answers_a_client_status() {
    let fake = Fake::start(instant()).await;
    let reply = fake
        .put(
            "/api/v1/instances/1",
            ADMIN,
            r#"{"name":"Help Desk","extra":1}"#,
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json(),
        json!({
            "data": {
                "status": "success", "instanceId": 1, "name": "Help Desk", "data": null,
                "instanceStatus": "ready", "instanceWebhook": "https://hooks.example.com/waapi",
                "instanceEvents": ["message", "message_ack", "ready"],
            },
            "links": {"self": fake.url("/api/v1/instances/1")},
            "status": "success",
        })
    );

    let body = r#"{"webhook":{"url":"http://example.com/new","events":["vote_update","call"]}}"#;
    let data = fake.put("/api/v1/instances/1", ADMIN, body).await.json()["data"].clone();
    assert_eq!(data["name"], "Help Desk");
    assert_eq!(data["instanceWebhook"], "http://example.com/new");
    assert_eq!(data["instanceEvents"], json!(["vote_update", "call"]));

    // Only the url: the events stay.
    let data = fake
        .put("/api/v1/instances/1", ADMIN, r#"{"webhook":{"url":null}}"#)
        .await
        .json()["data"]
        .clone();
    assert_eq!(data["instanceWebhook"], json!(null));
    assert_eq!(data["instanceEvents"], json!(["vote_update", "call"]));

    let data = fake
        .put(
            "/api/v1/instances/1",
            ADMIN,
            r#"{"webhook":{"events":null}}"#,
        )
        .await
        .json()["data"]
        .clone();
    assert_eq!(data["instanceEvents"], json!([]));

    let instance = fake.get("/api/v1/instances/1", ADMIN).await.json()["instance"].clone();
    assert_eq!(instance["name"], "Help Desk");
    assert_eq!(instance["webhook_url"], json!(null));
    assert_eq!(instance["webhook_events"], json!([]));

    fake.put(
        "/api/v1/instances/3",
        ADMIN,
        r#"{"webhook":{"url":"https://x.example","events":[]}}"#,
    )
    .await;
    let instance = fake.get("/api/v1/instances/3", ADMIN).await.json()["instance"].clone();
    assert_eq!(instance["webhook_events"], json!([]));
    assert_eq!(instance["webhook_url"], "https://x.example");
}

#[tokio::test]
async fn update_in_spec_mode_has_string_id_and_nested_events() {
    let fake = Fake::start(Config {
        envelopes: Envelopes::Spec,
        ..instant()
    })
    .await;
    let data = fake.put("/api/v1/instances/1", ADMIN, "{}").await.json()["data"].clone();
    assert_eq!(data["instanceId"], "1");
    assert_eq!(
        data["instanceEvents"],
        json!([["message", "message_ack", "ready"]])
    );
    let data = fake.put("/api/v1/instances/2", ADMIN, "{}").await.json()["data"].clone();
    assert_eq!(data["instanceEvents"], json!([]));
    assert_eq!(data["instanceStatus"], "qr");
}

#[tokio::test]
async fn invalid_updates_are_422_and_change_nothing() {
    let fake = Fake::start(instant()).await;
    let long = "x".repeat(256);
    let cases = [
        (
            "[1]",
            json!({"body": ["The request body must be a JSON object."]}),
        ),
        (
            "not json",
            json!({"body": ["The request body must be a JSON object."]}),
        ),
        (
            r#"{"name":5}"#,
            json!({"name": ["The name field must be a string."]}),
        ),
        (
            r#"{"name":""}"#,
            json!({"name": ["The name field is required."]}),
        ),
        (
            &format!(r#"{{"name":"{long}"}}"#),
            json!({"name": ["The name field must not be greater than 255 characters."]}),
        ),
        (
            r#"{"webhook":{"url":"not a url"}}"#,
            json!({"webhook.url": ["The webhook.url field must be a valid URL."]}),
        ),
        (
            r#"{"webhook":{"url":"ftp://example.com/x"}}"#,
            json!({"webhook.url": ["The webhook.url field must be a valid URL."]}),
        ),
        (
            r#"{"webhook":{"events":["message","nope","ready",7]}}"#,
            json!({
                "webhook.events.1": ["The selected webhook.events.1 is invalid."],
                "webhook.events.3": ["The selected webhook.events.3 is invalid."],
            }),
        ),
        (
            r#"{"name":"","webhook":{"url":"/relative"}}"#,
            json!({
                "name": ["The name field is required."],
                "webhook.url": ["The webhook.url field must be a valid URL."],
            }),
        ),
    ];
    for (body, errors) in cases {
        let reply = fake.put("/api/v1/instances/1", ADMIN, body).await;
        assert_eq!(reply.status, 422, "{body}");
        assert_eq!(
            reply.json(),
            json!({"message": "The given data was invalid.", "errors": errors, "status": "error"}),
            "{body}"
        );
    }
    assert_eq!(
        fake.get("/api/v1/instances/1", ADMIN).await.json()["instance"],
        support(json!(0))
    );
    // A missing instance is 404 even with an invalid body.
    assert_eq!(
        fake.put("/api/v1/instances/9", ADMIN, "[1]").await.status,
        404
    );
}

#[tokio::test]
async fn delete_is_204_with_an_empty_body() {
    let fake = Fake::start(instant()).await;
    let reply = fake
        .call(Method::DELETE, "/api/v1/instances/2", ADMIN, None)
        .await;
    assert_eq!(reply.status, 204);
    assert_eq!(reply.text, "");
    assert_eq!(fake.get("/api/v1/instances/2", ADMIN).await.status, 404);
    assert_eq!(
        fake.call(Method::DELETE, "/api/v1/instances/2", ADMIN, None)
            .await
            .status,
        404
    );
}
