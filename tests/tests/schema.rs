//! Standard tools can read the schema: the introspection query that graphql-js's
//! `getIntrospectionQuery()` builds (sent by GraphiQL, code generators and IDEs) is answered
//! over HTTP while user queries stay limited in depth; every argument is described; pages
//! are Relay connections; instants are DateTime and statuses enums.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use tests::server::{raw, serve_in_process, token};
use tests::{backends, open};

/// `getIntrospectionQuery()` of graphql-js 16 with its default options, verbatim.
const INTROSPECTION: &str = r"
    query IntrospectionQuery {
      __schema {
        queryType { name }
        mutationType { name }
        subscriptionType { name }
        types {
          ...FullType
        }
        directives {
          name
          description
          locations
          args {
            ...InputValue
          }
        }
      }
    }

    fragment FullType on __Type {
      kind
      name
      description
      fields(includeDeprecated: true) {
        name
        description
        args {
          ...InputValue
        }
        type {
          ...TypeRef
        }
        isDeprecated
        deprecationReason
      }
      inputFields {
        ...InputValue
      }
      interfaces {
        ...TypeRef
      }
      enumValues(includeDeprecated: true) {
        name
        description
        isDeprecated
        deprecationReason
      }
      possibleTypes {
        ...TypeRef
      }
    }

    fragment InputValue on __InputValue {
      name
      description
      type { ...TypeRef }
      defaultValue
    }

    fragment TypeRef on __Type {
      kind
      name
      ofType {
        kind
        name
        ofType {
          kind
          name
          ofType {
            kind
            name
            ofType {
              kind
              name
              ofType {
                kind
                name
                ofType {
                  kind
                  name
                  ofType {
                    kind
                    name
                  }
                }
              }
            }
          }
        }
      }
    }
  ";

fn named<'a>(types: &'a [Value], name: &str) -> &'a Value {
    types.iter().find(|t| t["name"] == name).unwrap_or_else(|| panic!("no type {name}"))
}

fn field_names(t: &Value) -> Vec<&str> {
    t["fields"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn the_standard_introspection_query_is_answered_and_the_schema_reads_well() {
    for backend in backends().await {
        check(&serve_in_process(open(&backend).await).await).await;
    }
}

async fn check(url: &str) {
    let url = url.to_owned();
    let http = reqwest::Client::new();
    // Anonymous, as GraphiQL sends it.
    let r = raw(&http, &url, None, json!({ "query": INTROSPECTION, "operationName": "IntrospectionQuery" })).await;
    assert!(r["errors"].is_null(), "{r}");
    let schema = &r["data"]["__schema"];
    assert_eq!(schema["queryType"]["name"], "Query");
    let types = schema["types"].as_array().unwrap();

    // Every argument of every field is described.
    let mut undescribed = Vec::new();
    for t in types.iter().filter(|t| !t["name"].as_str().unwrap().starts_with("__")) {
        for f in t["fields"].as_array().into_iter().flatten() {
            for a in f["args"].as_array().unwrap() {
                if a["description"].as_str().is_none_or(|d| d.trim().is_empty()) {
                    undescribed.push(format!("{}.{}({})", t["name"], f["name"], a["name"]));
                }
            }
        }
    }
    assert!(undescribed.is_empty(), "arguments without a description: {undescribed:?}");

    // Pages are Relay connections: edges of node and cursor, and pageInfo.
    let connections: Vec<&Value> =
        types.iter().filter(|t| t["name"].as_str().unwrap().ends_with("Connection")).collect();
    assert!(connections.len() >= 2, "tasks and cases are connections");
    for c in connections {
        let fields = field_names(c);
        assert!(fields.contains(&"edges") && fields.contains(&"pageInfo"), "{}: {fields:?}", c["name"]);
    }
    let page_info = field_names(named(types, "PageInfo"));
    for f in ["hasNextPage", "hasPreviousPage", "startCursor", "endCursor"] {
        assert!(page_info.contains(&f), "PageInfo.{f}");
    }
    assert!(!types.iter().any(|t| t["name"] == "TaskPage"), "the old page type is gone");

    // Typed values: instants are DateTime, statuses and levels enums, no internal state.
    let case = named(types, "CaseView");
    let field = |name: &str| case["fields"].as_array().unwrap().iter().find(|f| f["name"] == name).cloned();
    assert!(field("state").is_none(), "CaseView.state is gone");
    let type_name = |f: Value| {
        let mut t = f["type"].clone();
        while t["name"].is_null() {
            t = t["ofType"].clone();
        }
        (t["kind"].as_str().unwrap().to_owned(), t["name"].as_str().unwrap().to_owned())
    };
    assert_eq!(type_name(field("receivedAt").unwrap()), ("SCALAR".to_owned(), "DateTime".to_owned()));
    assert_eq!(type_name(field("status").unwrap()), ("ENUM".to_owned(), "CaseStatus".to_owned()));
    assert_eq!(type_name(field("level").unwrap()), ("ENUM".to_owned(), "Level".to_owned()));
    assert_eq!(type_name(field("outcome").unwrap()), ("ENUM".to_owned(), "Outcome".to_owned()));

    // User queries stay limited in depth; introspection alone is not.
    let ok = raw(&http, &url, None, json!({ "query": "{ services { steps { merges { limit { text } } } } }" })).await;
    assert!(ok["errors"].is_null(), "a reasonable query passes: {ok}");
    let of_types = "ofType { ".repeat(10) + "name" + &" }".repeat(10);
    let deep_schema = format!("__schema {{ types {{ fields {{ type {{ {of_types} }} }} }} }}");
    let alone = raw(&http, &url, None, json!({ "query": format!("{{ {deep_schema} }}") })).await;
    assert!(alone["errors"].is_null(), "fifteen levels of introspection alone pass");
    let clerk = token("c1", &["window_clerk"], "4101");
    let mixed = raw(&http, &url, Some(&clerk), json!({ "query": format!("{{ me {{ id }} {deep_schema} }}") })).await;
    assert_eq!(tests::server::code(&mixed).as_deref(), Some("BAD_USER_INPUT"), "{mixed}");
    assert!(mixed["errors"][0]["message"].as_str().unwrap().contains("nested too deep"), "{mixed}");
    assert!(mixed["data"].is_null(), "nothing of a refused query runs: {mixed}");
    // Aliases cannot multiply the schema into a huge answer.
    let bomb: String = (0..600).map(|i| format!("a{i}: __schema {{ types {{ fields {{ name }} }} }} ")).collect();
    let r = raw(&http, &url, None, json!({ "query": format!("{{ {bomb} }}") })).await;
    assert_eq!(tests::server::code(&r).as_deref(), Some("BAD_USER_INPUT"), "refused, not answered");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("complex"), "{}", r["errors"]);
}
