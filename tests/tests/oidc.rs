//! The web sign-in's OpenID Connect client against the test provider, over real HTTP:
//! discovery, the authorization redirect, the code exchange with PKCE and the checks on the
//! ID token, each misbehaviour of the provider refused for its own reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use api::web::oidc::{Identity, InvalidIdToken, Oidc, OidcError, OidcSettings, PendingLogin};
use tests::idp::{self, Idp, IdpUser, Misbehaviour};

const CALLBACK: &str = "http://127.0.0.1:9/signin/callback";

fn users() -> Vec<IdpUser> {
    vec![
        IdpUser::new("u-bureau", "王主任", &["bureau_registrar", "auditor"], "110105"),
        IdpUser { sub: "u-plain".into(), preferred_username: Some("lisi".into()), roles: vec![], ..IdpUser::default() },
    ]
}

fn settings(idp: &Idp, secret: Option<&str>) -> OidcSettings {
    let env = |name: &str| match name {
        "OIDC_ISSUER" => Some(idp.issuer.clone()),
        "OIDC_CLIENT_ID" => Some("edu-web".to_owned()),
        "OIDC_CLIENT_SECRET" => secret.map(str::to_owned),
        "OIDC_REDIRECT_URL" => Some(CALLBACK.to_owned()),
        _ => None,
    };
    OidcSettings::from_env(env).unwrap().unwrap()
}

/// Sends the "browser" to the provider and reads `code` and `state` off the redirect back.
async fn authorize(url: &str) -> (String, String) {
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = browser.get(url).send().await.unwrap();
    assert!(response.status().is_redirection(), "{}: {}", response.status(), response.text().await.unwrap());
    let location = response.headers()[reqwest::header::LOCATION].to_str().unwrap();
    assert!(location.starts_with(CALLBACK), "{location}");
    let back = reqwest::Url::parse(location).unwrap();
    let param = |name: &str| back.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned()).unwrap();
    (param("code"), param("state"))
}

/// One whole sign-in.
async fn sign_in(oidc: &Oidc) -> Result<Identity, OidcError> {
    let (url, pending) = oidc.begin();
    let (code, state) = authorize(&url).await;
    oidc.finish(&pending, &code, &state).await
}

fn bureau() -> Identity {
    Identity {
        sub: "u-bureau".into(),
        name: "王主任".into(),
        roles: vec!["bureau_registrar".into(), "auditor".into()],
        office: "110105".into(),
    }
}

#[tokio::test]
async fn a_public_client_signs_in_with_pkce() {
    let idp = idp::start(users()).await;
    let oidc = Oidc::discover(settings(&idp, None)).await.unwrap();
    let (url, pending) = oidc.begin();
    assert!(url.starts_with(&format!("{}/authorize?", idp.issuer)), "{url}");
    for part in ["response_type=code", "client_id=edu-web", "scope=openid+profile", "code_challenge_method=S256"] {
        assert!(url.contains(part), "{part} in {url}");
    }
    assert!(!url.contains(&pending.verifier), "the verifier stays with us");
    let (code, state) = authorize(&url).await;
    assert_eq!(state, pending.state);
    assert_eq!(oidc.finish(&pending, &code, &state).await.unwrap(), bureau());

    // Without a name claim: preferred_username; without roles or office: empty.
    idp.select("u-plain");
    let plain = sign_in(&oidc).await.unwrap();
    assert_eq!(plain, Identity { sub: "u-plain".into(), name: "lisi".into(), roles: vec![], office: String::new() });
}

#[tokio::test]
async fn login_hint_picks_the_user() {
    let idp = idp::start(users()).await;
    let oidc = Oidc::discover(settings(&idp, None)).await.unwrap();
    let (url, pending) = oidc.begin();
    let (code, state) = authorize(&format!("{url}&login_hint=u-plain")).await;
    assert_eq!(oidc.finish(&pending, &code, &state).await.unwrap().sub, "u-plain");
}

#[tokio::test]
async fn a_confidential_client_authenticates_by_basic_or_post() {
    let idp = idp::start(users()).await;
    idp.require_client_secret("s3cret");
    let oidc = Oidc::discover(settings(&idp, Some("s3cret"))).await.unwrap();
    assert_eq!(sign_in(&oidc).await.unwrap(), bureau());

    idp.announce_auth_methods(&["client_secret_post"]);
    let oidc = Oidc::discover(settings(&idp, Some("s3cret"))).await.unwrap();
    assert_eq!(sign_in(&oidc).await.unwrap(), bureau());

    let wrong = Oidc::discover(settings(&idp, Some("guess"))).await.unwrap();
    let err = sign_in(&wrong).await.unwrap_err();
    assert!(matches!(&err, OidcError::TokenRefused { error } if error == "invalid_client"), "{err}");
    assert!(!err.to_string().contains("guess"), "{err}");
}

#[tokio::test]
async fn a_state_that_does_not_match_is_refused() {
    let idp = idp::start(users()).await;
    let oidc = Oidc::discover(settings(&idp, None)).await.unwrap();
    let (url, pending) = oidc.begin();
    let (code, _) = authorize(&url).await;
    // Another browser's sign-in, or a forged callback.
    let (_, other) = oidc.begin();
    let err = oidc.finish(&pending, &code, &other.state).await.unwrap_err();
    assert!(matches!(err, OidcError::StateMismatch), "{err}");
    let err = oidc.finish(&pending, &code, "").await.unwrap_err();
    assert!(matches!(err, OidcError::StateMismatch), "{err}");
}

#[tokio::test]
async fn the_provider_refuses_a_wrong_pkce_verifier_and_a_used_code() {
    let idp = idp::start(users()).await;
    let oidc = Oidc::discover(settings(&idp, None)).await.unwrap();
    let (url, pending) = oidc.begin();
    let (code, state) = authorize(&url).await;
    let stolen = PendingLogin { verifier: oidc.begin().1.verifier, ..pending.clone() };
    let err = oidc.finish(&stolen, &code, &state).await.unwrap_err();
    assert!(matches!(&err, OidcError::TokenRefused { error } if error == "invalid_grant"), "{err}");
    assert!(!err.to_string().contains(&code), "{err}");
    // The code was spent on the failed try.
    let err = oidc.finish(&pending, &code, &state).await.unwrap_err();
    assert!(matches!(&err, OidcError::TokenRefused { error } if error == "invalid_grant"), "{err}");
}

#[tokio::test]
async fn each_bad_id_token_is_refused_for_its_reason() {
    let idp = idp::start(users()).await;
    let oidc = Oidc::discover(settings(&idp, None)).await.unwrap();
    for (misbehaviour, why) in [
        (Misbehaviour::WrongNonce, InvalidIdToken::Nonce),
        (Misbehaviour::Expired, InvalidIdToken::Expired),
        (Misbehaviour::WrongAudience, InvalidIdToken::Audience),
        (Misbehaviour::UnknownKey, InvalidIdToken::UnknownKey),
        (Misbehaviour::ForgedSignature, InvalidIdToken::Signature),
    ] {
        idp.misbehave(misbehaviour);
        let err = sign_in(&oidc).await.unwrap_err();
        assert!(matches!(&err, OidcError::IdToken(w) if *w == why), "{misbehaviour:?}: {err}");
        assert!(!err.to_string().contains("eyJ"), "no token in {err}");
    }
    idp.misbehave(Misbehaviour::None);
    assert_eq!(sign_in(&oidc).await.unwrap(), bureau());
}

#[tokio::test]
async fn an_unknown_kid_refetches_the_keys_once() {
    let idp = idp::start(users()).await;
    let oidc = Oidc::discover(settings(&idp, None)).await.unwrap();
    assert_eq!(idp.jwks_fetches(), 1);
    sign_in(&oidc).await.unwrap();
    assert_eq!(idp.jwks_fetches(), 1, "known key: no fetch");

    idp.rotate_key();
    assert_eq!(sign_in(&oidc).await.unwrap(), bureau());
    assert_eq!(idp.jwks_fetches(), 2, "rotated key: one fetch");
    sign_in(&oidc).await.unwrap();
    assert_eq!(idp.jwks_fetches(), 2, "the new key is kept");

    idp.misbehave(Misbehaviour::UnknownKey);
    sign_in(&oidc).await.unwrap_err();
    assert_eq!(idp.jwks_fetches(), 3, "a key still unknown after one fetch is refused");
}

#[tokio::test]
async fn discovery_naming_another_issuer_is_refused() {
    let idp = idp::start(users()).await;
    idp.announce_issuer("https://impostor.example");
    let err = Oidc::discover(settings(&idp, None)).await.unwrap_err();
    assert!(matches!(&err, OidcError::Discovery(why) if why.contains("impostor")), "{err}");
}

#[tokio::test]
async fn an_unreachable_provider_fails_discovery() {
    let idp = idp::start(users()).await;
    let settings = settings(&idp, None);
    drop(idp);
    // Nothing listens on the port any more.
    let err = Oidc::discover(settings).await.unwrap_err();
    assert!(matches!(err, OidcError::Discovery(_)), "{err}");
}
