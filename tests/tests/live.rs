//! Subscriptions over a real WebSocket (graphql-transport-ws), on SQLite and PostgreSQL: a
//! clerk's queue fills and empties as cases move, an applicant follows their case's events,
//! nobody follows a case they may not see, a bad token is refused, and on PostgreSQL a
//! subscriber on one node hears of a command carried out on another.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tests::server::{serve_in_process, token};
use tests::{backends, open, transfer_form};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Connects and sends `connection_init` with the token; the server's first answer.
async fn connect(url: &str, token: &str) -> (Socket, Value) {
    let mut request = format!("{}/ws", url.replacen("http", "ws", 1)).into_client_request().unwrap();
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    socket.send(Message::text(init.to_string())).await.unwrap();
    let first = next(&mut socket).await;
    (socket, first)
}

/// The next JSON message, or `{"closed": …}` when the server closed; panics after 10 s.
async fn next(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next()).await.expect("no message in 10 s");
        match message {
            Some(Ok(Message::Text(t))) => return serde_json::from_str(&t).unwrap(),
            Some(Ok(Message::Close(frame))) => return json!({ "closed": frame.map(|f| f.reason.to_string()) }),
            Some(Ok(_)) => {}
            None | Some(Err(_)) => return json!({ "closed": null }),
        }
    }
}

async fn subscribe(socket: &mut Socket, id: &str, query: &str, variables: Value) {
    let start = json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } });
    socket.send(Message::text(start.to_string())).await.unwrap();
}

async fn gql(url: &str, who: &str, query: &str, variables: Value) -> Value {
    let http = reqwest::Client::new();
    tests::server::gql(&http, url, who, query, variables).await.unwrap()
}

const QUEUE: &str = "subscription { taskQueue { caseId version tasks { taskId step office } } }";
const EVENTS: &str =
    "subscription($c: String!) { caseEvents(caseId: $c) { caseId seq actor kind entry { role what } } }";
const SUBMIT: &str = "mutation($f: JSON!) { submitCase(service: \"JY-GG-0001\", form: $f) { id tasks { id } } }";
const COMPLETE: &str =
    "mutation($c: String!, $t: Int!) { completeTask(caseId: $c, taskId: $t, action: \"approve\") { version } }";

#[tokio::test]
async fn queues_and_case_events_arrive_as_cases_move() {
    for backend in backends().await {
        let n = backend.name;
        let url = serve_in_process(open(&backend).await).await;
        let parent = token("parent-1", &["applicant"], "");
        let other = token("parent-2", &["applicant"], "");
        let school = token("reg-1", &["school_registrar"], "110105001");
        let bureau = token("reg-2", &["bureau_registrar"], "110105");

        let (mut clerk_ws, ack) = connect(&url, &school).await;
        assert_eq!(ack["type"], "connection_ack", "{n}: {ack}");
        subscribe(&mut clerk_ws, "q", QUEUE, json!({})).await;
        let (mut bureau_ws, _) = connect(&url, &bureau).await;
        subscribe(&mut bureau_ws, "q", QUEUE, json!({})).await;
        // Let the subscriptions start before anything happens.
        tokio::time::sleep(Duration::from_millis(200)).await;

        let case = gql(&url, &parent, SUBMIT, json!({ "f": transfer_form() })).await["submitCase"].clone();
        let id = case["id"].as_str().unwrap().to_owned();
        let arrived = next(&mut clerk_ws).await;
        assert_eq!(arrived["type"], "next", "{n}: {arrived}");
        let change = &arrived["payload"]["data"]["taskQueue"];
        assert_eq!(change["caseId"], id.as_str(), "{n}");
        assert_eq!(change["tasks"][0]["step"], "receiving_school", "{n}: the new task is in the school's queue");

        let (mut parent_ws, _) = connect(&url, &parent).await;
        subscribe(&mut parent_ws, "e", EVENTS, json!({ "c": id })).await;
        let (mut other_ws, _) = connect(&url, &other).await;
        subscribe(&mut other_ws, "e", EVENTS, json!({ "c": id })).await;
        let refused = next(&mut other_ws).await;
        assert_eq!(refused["payload"]["data"], Value::Null, "{n}: {refused}");
        assert_eq!(refused["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND", "{n}: another parent's case");
        tokio::time::sleep(Duration::from_millis(200)).await;

        let task = case["tasks"][0]["id"].as_i64().unwrap();
        let done = gql(&url, &school, COMPLETE, json!({ "c": id, "t": task })).await;
        let version = done["completeTask"]["version"].as_u64().unwrap();

        // The school's queue loses the case, the bureau's gains it, the parent sees why.
        let gone = next(&mut clerk_ws).await;
        assert_eq!(gone["payload"]["data"]["taskQueue"]["tasks"], json!([]), "{n}: {gone}");
        let gained = next(&mut bureau_ws).await;
        assert_eq!(gained["payload"]["data"]["taskQueue"]["tasks"][0]["step"], "receiving_bureau", "{n}: {gained}");
        let mut seen = Vec::new();
        let mut completed = 0;
        while seen.last().is_none_or(|s| *s < version) {
            let e = next(&mut parent_ws).await;
            assert_eq!(e["type"], "next", "{n}: {e}");
            let event = &e["payload"]["data"]["caseEvents"];
            assert_eq!(event["caseId"], id.as_str());
            seen.push(event["seq"].as_u64().unwrap());
            if event["kind"] == "TASK_COMPLETED" {
                completed += 1;
                assert_eq!(event["actor"], "reg-1", "{n}: who did it");
                assert_eq!(
                    event["entry"],
                    json!({ "role": "学校学籍管理员", "what": "转入学校审核：同意转入" }),
                    "{n}: {event}"
                );
            }
        }
        assert_eq!(completed, 1, "{n}: the approval arrived as one TASK_COMPLETED");
        assert!(seen.windows(2).all(|w| w[1] == w[0] + 1), "{n}: every event once, in order: {seen:?}");

        let (_, refused) = connect(&url, "not-a-token").await;
        assert_ne!(refused["type"], "connection_ack", "{n}: a bad token gets no connection: {refused}");
    }
}

#[tokio::test]
async fn a_subscriber_on_one_node_hears_of_commands_on_another() {
    let backends = backends().await;
    let Some(pg) = backends.iter().find(|b| b.name == "postgres") else {
        return; // Several nodes share a database only on PostgreSQL.
    };
    let one = serve_in_process(open(pg).await).await;
    let two = serve_in_process(open(pg).await).await;
    let parent = token("parent-1", &["applicant"], "");
    let school = token("reg-1", &["school_registrar"], "110105001");
    let (mut ws, _) = connect(&one, &school).await;
    subscribe(&mut ws, "q", QUEUE, json!({})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let case = gql(&two, &parent, SUBMIT, json!({ "f": transfer_form() })).await["submitCase"].clone();
    let arrived = next(&mut ws).await;
    assert_eq!(arrived["payload"]["data"]["taskQueue"]["caseId"], case["id"], "{arrived}");
}

#[tokio::test]
async fn a_staff_token_without_an_office_hears_no_queue() {
    for backend in backends().await {
        let n = backend.name;
        let url = serve_in_process(open(&backend).await).await;
        for (who, nowhere) in [
            ("staff, no office", token("reg-x", &["school_registrar"], "")),
            ("staff, malformed office", token("reg-x", &["school_registrar"], "1101;DROP")),
            ("an auditor (reads cases, has no queue)", token("a1", &["auditor"], "1101")),
            ("an applicant", token("parent-1", &["applicant"], "")),
        ] {
            let (mut ws, ack) = connect(&url, &nowhere).await;
            assert_eq!(ack["type"], "connection_ack", "{n}: {who}: {ack}");
            subscribe(&mut ws, "q", QUEUE, json!({})).await;
            let answer = next(&mut ws).await;
            // Refused at once: one answer with the error and no data, then nothing.
            assert_eq!(answer["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN", "{n}: {who}: {answer}");
            assert!(answer["payload"]["data"].is_null(), "{n}: {who}: {answer}");
            let done = next(&mut ws).await;
            assert_eq!(done["type"], "complete", "{n}: {who}: {done}");
            // The `tasks` query says the same.
            let http = reqwest::Client::new();
            let r =
                tests::server::raw(&http, &url, Some(&nowhere), json!({ "query": "{ tasks { nodes { caseId } } }" }))
                    .await;
            assert_eq!(tests::server::code(&r).as_deref(), Some("FORBIDDEN"), "{n}: {who}: {r}");
        }
    }
}

#[tokio::test]
async fn a_case_feed_ends_when_the_case_leaves_the_subscribers_sight() {
    for backend in backends().await {
        let n = backend.name;
        let url = serve_in_process(open(&backend).await).await;
        let parent = token("parent-1", &["applicant"], "");
        let school = token("reg-1", &["school_registrar"], "110105001");
        let case = gql(&url, &parent, SUBMIT, json!({ "f": transfer_form() })).await["submitCase"].clone();
        let id = case["id"].as_str().unwrap().to_owned();
        let (mut ws, _) = connect(&url, &school).await;
        subscribe(&mut ws, "e", EVENTS, json!({ "c": id })).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        // The receiving school approves: the case moves on to the bureau, out of the
        // school's office; its feed ends instead of streaming a case it may no longer see.
        gql(&url, &school, COMPLETE, json!({ "c": id, "t": case["tasks"][0]["id"] })).await;
        let r = tests::server::raw(
            &reqwest::Client::new(),
            &url,
            Some(&school),
            json!({ "query": format!("{{ case(id: \"{id}\") {{ id }} }}") }),
        )
        .await;
        assert_eq!(tests::server::code(&r).as_deref(), Some("NOT_FOUND"), "{n}: the school no longer sees it: {r}");
        let end = next(&mut ws).await;
        assert_eq!(end["type"], "complete", "{n}: {end}");
    }
}
