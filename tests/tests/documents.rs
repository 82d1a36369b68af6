//! Files and the calendar over real HTTP, on SQLite and PostgreSQL: uploads are kept by
//! content with type and size limits, a material must cite an uploaded file, a file is
//! served only to whoever uploaded it or may see a case citing it; the calendar shows the
//! official year.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use tests::server::{code, pdf, raw, serve_in_process, token, upload};
use tests::{backends, open, transfer_form};

#[tokio::test]
async fn uploads_are_kept_by_content_and_served_only_to_those_entitled() {
    for backend in backends().await {
        let n = backend.name;
        let url = serve_in_process(open(&backend).await).await;
        let http = reqwest::Client::new();
        let parent = token("parent-1", &["applicant"], "");
        let stranger = token("parent-2", &["applicant"], "");
        let clerk = token("clerk-1", &["school_registrar"], "110105001");
        let far_clerk = token("clerk-9", &["school_registrar"], "3101");

        let bytes = pdf("户口簿");
        let first = upload(&http, &url, &parent, "户口簿.pdf", &bytes).await;
        let file = &first["data"]["uploadFile"];
        let sha = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(&bytes))
        };
        assert_eq!(file["sha256"], sha, "{n}: {first}");
        assert_eq!(file["size"], bytes.len(), "{n}");
        assert_eq!(file["contentType"], "application/pdf", "{n}");
        let again = upload(&http, &url, &stranger, "copy.pdf", &bytes).await;
        assert_eq!(again["data"]["uploadFile"]["sha256"], sha, "{n}: same content, same file");

        // The type is read from the content, whatever the name says; size is bounded.
        let exe = upload(&http, &url, &parent, "scan.pdf", b"MZ\x90\x00\x03 not a document").await;
        assert_eq!(code(&exe).as_deref(), Some("BAD_USER_INPUT"), "{n}: {exe}");
        assert!(exe["errors"][0]["message"].as_str().unwrap().contains("PDF, JPEG, PNG or OFD"), "{n}");
        let mut big = pdf("big");
        big.resize(21 * 1024 * 1024, b' ');
        let too_big = upload(&http, &url, &parent, "big.pdf", &big).await;
        assert_eq!(code(&too_big).as_deref(), Some("BAD_USER_INPUT"), "{n}: {too_big}");
        let empty = upload(&http, &url, &parent, "empty.pdf", b"").await;
        assert_eq!(code(&empty).as_deref(), Some("BAD_USER_INPUT"), "{n}: {empty}");
        let anonymous = upload(&http, &url, "not-a-token", "a.pdf", &bytes).await;
        assert_eq!(code(&anonymous).as_deref(), Some("UNAUTHENTICATED"), "{n}");

        // A material must cite a file that was uploaded.
        let submit = "mutation($f: JSON!, $m: [MaterialInput!]!) { submitCase(service: \"JY-GG-0001\", form: $f, materials: $m) { id } }";
        let unknown = json!([{ "code": "transfer_reason_proof", "sha256": "ab".repeat(32), "fileName": "x.pdf" }]);
        let r = raw(
            &http,
            &url,
            Some(&parent),
            json!({ "query": submit, "variables": { "f": transfer_form(), "m": unknown } }),
        )
        .await;
        assert_eq!(code(&r).as_deref(), Some("BAD_USER_INPUT"), "{n}: {r}");
        assert!(r["errors"][0]["message"].as_str().unwrap().contains("materials.transfer_reason_proof.sha256"), "{n}");

        // Before any case cites it, only the uploaders may fetch it.
        let get = |t: Option<String>| {
            let mut rq = http.get(format!("{url}/files/{sha}"));
            if let Some(t) = t {
                rq = rq.bearer_auth(t);
            }
            rq.send()
        };
        let ok = get(Some(parent.clone())).await.unwrap();
        assert_eq!(ok.status(), 200, "{n}");
        assert_eq!(ok.headers()["content-type"], "application/pdf");
        assert_eq!(ok.bytes().await.unwrap().as_ref(), &bytes[..], "{n}: the bytes uploaded");
        assert_eq!(get(Some(clerk.clone())).await.unwrap().status(), 404, "{n}: no case cites it yet");
        assert_eq!(get(None).await.unwrap().status(), 401, "{n}");

        let cited = json!([{ "code": "transfer_reason_proof", "sha256": sha, "fileName": "户口簿.pdf" }]);
        let r = raw(
            &http,
            &url,
            Some(&parent),
            json!({ "query": submit, "variables": { "f": transfer_form(), "m": cited } }),
        )
        .await;
        assert!(r["errors"].is_null(), "{n}: {r}");
        assert_eq!(get(Some(clerk)).await.unwrap().status(), 200, "{n}: the clerk handling the case reads it");
        assert_eq!(get(Some(far_clerk)).await.unwrap().status(), 404, "{n}: another city's clerk does not");
        let other = upload(&http, &url, &stranger, "other.png", b"\x89PNG\r\n\x1a\nrest").await;
        let other_sha = other["data"]["uploadFile"]["sha256"].as_str().unwrap().to_owned();
        let r = http.get(format!("{url}/files/{other_sha}")).bearer_auth(&parent).send().await.unwrap();
        assert_eq!(r.status(), 404, "{n}: another applicant's file");
        let r = http.get(format!("{url}/files/not-a-digest")).bearer_auth(&parent).send().await.unwrap();
        assert_eq!(r.status(), 404, "{n}");
    }
}

#[tokio::test]
async fn the_calendar_shows_the_official_year_and_the_signing_key_is_published() {
    let backend = &backends().await[0];
    let url = serve_in_process(open(backend).await).await;
    let http = reqwest::Client::new();
    let q =
        json!({ "query": "{ calendar(year: 2025) { year provisional workingDays namedDays { date name offDay } } }" });
    let r = raw(&http, &url, None, q).await;
    let year = &r["data"]["calendar"];
    // 国务院办公厅关于2025年部分节假日安排的通知: 248 working days.
    assert_eq!(year["workingDays"], 248, "{r}");
    assert_eq!(year["provisional"], false);
    let days = year["namedDays"].as_array().unwrap();
    assert!(days.contains(&json!({ "date": "2025-10-01", "name": "国庆节、中秋节", "offDay": true })), "{r}");
    assert!(days.iter().any(|d| d["offDay"] == false), "make-up working days are listed too");
    let r = raw(&http, &url, None, json!({ "query": "{ calendar(year: 1990) { workingDays } }" })).await;
    assert_eq!(code(&r).as_deref(), Some("BAD_USER_INPUT"), "{r}");

    let pem = http.get(format!("{url}/certificate-key.pem")).send().await.unwrap().text().await.unwrap();
    let r = raw(&http, &url, None, json!({ "query": "{ certificatePublicKey { algorithm pem } }" })).await;
    assert_eq!(r["data"]["certificatePublicKey"]["algorithm"], "Ed25519");
    assert_eq!(r["data"]["certificatePublicKey"]["pem"], pem);
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA"), "an Ed25519 SPKI: {pem}");
}
