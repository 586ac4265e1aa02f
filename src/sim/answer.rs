//! A handler's answer and the API envelope around it, written to bytes.
//!
//! Most handlers answer a `serde_json::Value` tree (`SimResult`), which is
//! convenient and cheap for small answers. Large, hot answers (a page of
//! `DescribeInstances`) are better serialized straight from the generated
//! models: building a tree of 20 instances and then serializing it cost
//! ~85 % of a request. [`Answer::Json`] carries such an answer already
//! serialized, and [`envelope`] splices it into
//! `{"Response":{...,"RequestId":"..."}}` without parsing it again.

use serde::Serialize;
use serde_json::{json, Value};

use crate::sim::world::{SimError, SimResult};

/// The Response object of a successful call, without `RequestId`.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// A tree (what `SimResult` handlers return).
    Tree(Value),
    /// A JSON object already serialized (made by [`Answer::object`], so it
    /// is compact serde_json output starting with `{` and ending with `}`).
    Json(Vec<u8>),
}

/// What the server gets from a service: an answer or an API error.
pub type AnswerResult = Result<Answer, SimError>;

impl Answer {
    /// Serializes `object`, a struct (or map) that serializes as a JSON object.
    pub fn object<T: Serialize + ?Sized>(object: &T) -> Answer {
        let bytes = serde_json::to_vec(object).unwrap_or_default();
        // A struct always serializes as an object; anything else would
        // make `envelope` write invalid JSON, so fall back to a tree.
        if bytes.first() == Some(&b'{') && bytes.last() == Some(&b'}') {
            Answer::Json(bytes)
        } else {
            Answer::Tree(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
        }
    }

    /// The answer as a tree, for callers that inspect it (in-process
    /// `handle` calls and tests).
    pub fn into_value(self) -> Value {
        match self {
            Answer::Tree(v) => v,
            Answer::Json(bytes) => serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }
}

/// `SimResult` handlers' answers, as the server takes them.
pub fn from_tree(result: SimResult) -> AnswerResult {
    result.map(Answer::Tree)
}

/// The whole body of an API answer: `{"Response":{...,"RequestId":"..."}}`,
/// or `{"Response":{"Error":{...},"RequestId":"..."}}` for an error.
pub fn envelope(result: AnswerResult, request_id: &str) -> Vec<u8> {
    match result {
        Ok(Answer::Json(object)) => {
            let mut out = Vec::with_capacity(object.len() + request_id.len() + 32);
            out.extend_from_slice(b"{\"Response\":");
            // The object without its closing brace, then RequestId as its last member.
            let open = &object[..object.len() - 1];
            out.extend_from_slice(open);
            if open != b"{" {
                out.push(b',');
            }
            out.extend_from_slice(b"\"RequestId\":");
            // A request id is a UUID, but quote it properly anyway.
            let _ = serde_json::to_writer(&mut out, request_id);
            out.extend_from_slice(b"}}");
            out
        }
        Ok(Answer::Tree(Value::Object(mut map))) => {
            map.insert("RequestId".into(), Value::String(request_id.to_string()));
            to_bytes(&json!({ "Response": map }))
        }
        Ok(Answer::Tree(_)) => to_bytes(&json!({"Response": {"RequestId": request_id}})),
        Err(e) => to_bytes(&json!({"Response": {
            "Error": {"Code": e.code, "Message": e.message},
            "RequestId": request_id,
        }})),
    }
}

fn to_bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Page<'a> {
        total_count: usize,
        names: &'a [&'a str],
    }

    fn parsed(bytes: &[u8]) -> Value {
        serde_json::from_slice(bytes).expect("the envelope is valid JSON")
    }

    #[test]
    fn serialized_answers_get_the_request_id_as_last_member() {
        let a = Answer::object(&Page {
            total_count: 2,
            names: &["a", "b\"c"],
        });
        let body = envelope(Ok(a), "id-1");
        assert_eq!(
            String::from_utf8(body.clone()).unwrap(),
            r#"{"Response":{"TotalCount":2,"Names":["a","b\"c"],"RequestId":"id-1"}}"#
        );
        assert_eq!(
            parsed(&body),
            json!({"Response": {"TotalCount": 2, "Names": ["a", "b\"c"], "RequestId": "id-1"}})
        );
    }

    #[test]
    fn an_empty_object_gets_only_the_request_id() {
        let empty = Answer::object(&serde_json::Map::new());
        assert_eq!(
            envelope(Ok(empty), "x"),
            br#"{"Response":{"RequestId":"x"}}"#.to_vec()
        );
    }

    #[test]
    fn trees_and_errors_are_answered_as_before() {
        let tree = envelope(Ok(Answer::Tree(json!({"B": 1, "A": [true]}))), "r");
        assert_eq!(
            tree,
            br#"{"Response":{"A":[true],"B":1,"RequestId":"r"}}"#.to_vec()
        );
        let not_object = envelope(Ok(Answer::Tree(Value::Null)), "r");
        assert_eq!(not_object, br#"{"Response":{"RequestId":"r"}}"#.to_vec());
        let e = envelope(Err(SimError::new("InvalidFilter", "no")), "r");
        assert_eq!(
            parsed(&e),
            json!({"Response": {"Error": {"Code": "InvalidFilter", "Message": "no"}, "RequestId": "r"}})
        );
    }

    #[test]
    fn a_non_object_never_becomes_raw_bytes() {
        assert_eq!(Answer::object(&[1, 2]), Answer::Tree(json!([1, 2])));
        assert_eq!(Answer::object(&[1, 2]).into_value(), json!([1, 2]));
        let a = Answer::object(&Page {
            total_count: 0,
            names: &[],
        });
        assert_eq!(a.into_value(), json!({"TotalCount": 0, "Names": []}));
    }
}
