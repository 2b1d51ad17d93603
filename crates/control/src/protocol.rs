//! The control socket's wire format: JSON lines.
//!
//! A request is one JSON object on one line (at most [`MAX_REQUEST`]
//! bytes, `\n`-terminated):
//!
//! ```text
//! {"command": "bypass", "args": ["on"]}
//! ```
//!
//! `command` is a name of lowercase letters, digits, `-` and `_`; `args`
//! (optional) is a list of strings. Any other field is refused, so a typo
//! is reported rather than ignored. Every request gets exactly one reply
//! line, in order:
//!
//! ```text
//! {"ok": true, "result": ...}
//! {"ok": false, "error": "why the request was refused"}
//! ```
//!
//! [`parse_request`] reads untrusted bytes: it never panics, and says what
//! is wrong with a request in words a person can act on.

use std::fmt;

use serde_json::{json, Map, Value};

/// Longest request line accepted, in bytes (without the newline).
pub const MAX_REQUEST: usize = 64 * 1024;

/// Longest command name.
pub const MAX_COMMAND: usize = 64;

/// Most arguments a request may carry.
pub const MAX_ARGS: usize = 64;

/// One request: a command and its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The command's name.
    pub command: String,
    /// Its arguments, in order.
    pub args: Vec<String>,
}

impl Request {
    /// A request for `command` with `args`.
    pub fn new(command: &str, args: &[&str]) -> Request {
        Request {
            command: command.to_string(),
            args: args.iter().map(|a| a.to_string()).collect(),
        }
    }

    /// The request as one JSON line, newline included.
    pub fn to_line(&self) -> String {
        let mut line = if self.args.is_empty() {
            json!({ "command": self.command })
        } else {
            json!({ "command": self.command, "args": self.args })
        }
        .to_string();
        line.push('\n');
        line
    }
}

/// What is wrong with a request line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestError {
    /// Longer than [`MAX_REQUEST`] bytes.
    TooLong,
    /// Not UTF-8 text.
    NotUtf8,
    /// Not JSON; the parser's message.
    NotJson(String),
    /// JSON, but not an object.
    NotAnObject,
    /// No `command` field.
    NoCommand,
    /// `command` is not a string of allowed characters.
    BadCommand,
    /// `args` is not a list of strings (or has too many).
    BadArgs,
    /// A field other than `command` and `args`.
    UnknownField(String),
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::TooLong => write!(f, "request longer than {MAX_REQUEST} bytes"),
            RequestError::NotUtf8 => write!(f, "request is not UTF-8 text"),
            RequestError::NotJson(e) => write!(f, "request is not JSON: {e}"),
            RequestError::NotAnObject => {
                write!(f, "request must be a JSON object like {{\"command\": \"version\"}}")
            }
            RequestError::NoCommand => write!(f, "request has no \"command\" field"),
            RequestError::BadCommand => write!(
                f,
                "\"command\" must be a name of at most {MAX_COMMAND} lowercase letters, digits, '-' or '_'"
            ),
            RequestError::BadArgs => write!(
                f,
                "\"args\" must be a list of at most {MAX_ARGS} strings"
            ),
            RequestError::UnknownField(k) => write!(
                f,
                "unknown field {k:?} (a request has \"command\" and \"args\")"
            ),
        }
    }
}

impl std::error::Error for RequestError {}

fn valid_command(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_COMMAND
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Reads one request line (a trailing `\r` and surrounding blanks are
/// ignored).
pub fn parse_request(line: &[u8]) -> Result<Request, RequestError> {
    if line.len() > MAX_REQUEST {
        return Err(RequestError::TooLong);
    }
    let text = std::str::from_utf8(line).map_err(|_| RequestError::NotUtf8)?;
    let value: Value =
        serde_json::from_str(text.trim()).map_err(|e| RequestError::NotJson(e.to_string()))?;
    let Value::Object(obj) = value else {
        return Err(RequestError::NotAnObject);
    };
    if let Some(k) = obj.keys().find(|k| *k != "command" && *k != "args") {
        return Err(RequestError::UnknownField(k.clone()));
    }
    let command = match obj.get("command") {
        None => return Err(RequestError::NoCommand),
        Some(Value::String(s)) if valid_command(s) => s.clone(),
        Some(_) => return Err(RequestError::BadCommand),
    };
    let args = match obj.get("args") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) if items.len() <= MAX_ARGS => items
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or(RequestError::BadArgs)?,
        Some(_) => return Err(RequestError::BadArgs),
    };
    Ok(Request { command, args })
}

/// The answer to one request.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// Done; what the command returns.
    Ok(Value),
    /// Refused, with the reason.
    Refused(String),
}

impl Reply {
    /// A refusal with `reason`.
    pub fn refused(reason: impl Into<String>) -> Reply {
        Reply::Refused(reason.into())
    }

    /// Whether the command was carried out.
    pub fn is_ok(&self) -> bool {
        matches!(self, Reply::Ok(_))
    }

    /// The reply as one JSON line, newline included.
    pub fn to_line(&self) -> String {
        let mut line = match self {
            Reply::Ok(v) => json!({ "ok": true, "result": v }),
            Reply::Refused(e) => json!({ "ok": false, "error": e }),
        }
        .to_string();
        line.push('\n');
        line
    }

    /// Reads a reply line (the client's side).
    pub fn parse(line: &str) -> Result<Reply, String> {
        let v: Value = serde_json::from_str(line.trim()).map_err(|e| format!("bad reply: {e}"))?;
        let obj: &Map<String, Value> = v.as_object().ok_or("bad reply: not an object")?;
        match obj.get("ok") {
            Some(Value::Bool(true)) => {
                Ok(Reply::Ok(obj.get("result").cloned().unwrap_or_default()))
            }
            Some(Value::Bool(false)) => Ok(Reply::Refused(
                obj.get("error")
                    .and_then(Value::as_str)
                    .unwrap_or("refused (no reason given)")
                    .to_string(),
            )),
            _ => Err("bad reply: no \"ok\" field".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_reads_its_command_and_arguments() {
        let r = parse_request(br#"{"command":"bypass","args":["on"]}"#).unwrap();
        assert_eq!(r, Request::new("bypass", &["on"]));
        let r = parse_request(b"  {\"command\": \"version\"}\r").unwrap();
        assert_eq!(r, Request::new("version", &[]));
        assert_eq!(
            parse_request(Request::new("a-b_1", &["x", "y z"]).to_line().as_bytes()).unwrap(),
            Request::new("a-b_1", &["x", "y z"])
        );
    }

    #[test]
    fn malformed_requests_say_what_is_wrong() {
        let err = |b: &[u8]| parse_request(b).unwrap_err();
        assert!(matches!(err(b"bypass on"), RequestError::NotJson(_)));
        assert!(matches!(err(b"{\"command\":"), RequestError::NotJson(_)));
        assert_eq!(err(b"[\"bypass\"]"), RequestError::NotAnObject);
        assert_eq!(err(b"\"version\""), RequestError::NotAnObject);
        assert_eq!(err(b"{}"), RequestError::NoCommand);
        assert_eq!(err(b"{\"command\":1}"), RequestError::BadCommand);
        assert_eq!(err(b"{\"command\":\"\"}"), RequestError::BadCommand);
        assert_eq!(err(b"{\"command\":\"Bypass\"}"), RequestError::BadCommand);
        assert_eq!(err(b"{\"command\":\"a b\"}"), RequestError::BadCommand);
        assert_eq!(
            err(b"{\"command\":\"bypass\",\"args\":\"on\"}"),
            RequestError::BadArgs
        );
        assert_eq!(
            err(b"{\"command\":\"bypass\",\"args\":[true]}"),
            RequestError::BadArgs
        );
        assert_eq!(
            err(b"{\"command\":\"bypass\",\"arg\":[\"on\"]}"),
            RequestError::UnknownField("arg".into())
        );
        assert_eq!(err(b"{\"command\":\"\xff\"}"), RequestError::NotUtf8);
        assert_eq!(err(&vec![b' '; MAX_REQUEST + 1]), RequestError::TooLong);
        let many = format!(
            "{{\"command\":\"x\",\"args\":[{}]}}",
            vec!["\"a\""; MAX_ARGS + 1].join(",")
        );
        assert_eq!(err(many.as_bytes()), RequestError::BadArgs);
        // every message is one line a person can read
        for e in [err(b"{"), err(b"{}"), err(b"[]")] {
            assert!(!e.to_string().contains('\n'));
        }
    }

    #[test]
    fn deeply_nested_json_is_an_error_not_a_crash() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(matches!(
            parse_request(deep.as_bytes()),
            Err(RequestError::NotJson(_))
        ));
    }

    #[test]
    fn mangled_requests_never_panic_and_parsed_ones_round_trip() {
        // a small deterministic mutation loop (cargo-fuzz runs the same
        // checks in fuzz/fuzz_targets/request.rs)
        let seeds: [&[u8]; 3] = [
            br#"{"command":"bypass","args":["on"]}"#,
            br#"{"command":"version"}"#,
            br#"{"args":["a","\u00e9\n"],"command":"x-1"}"#,
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for i in 0..20_000 {
            let mut b = seeds[i % seeds.len()].to_vec();
            for _ in 0..(next() % 4 + 1) {
                let r = next();
                let at = (r >> 8) as usize % (b.len() + 1);
                match r % 3 {
                    0 if at < b.len() => b[at] = (r >> 32) as u8,
                    1 => b.insert(at, (r >> 40) as u8),
                    _ if at < b.len() => {
                        b.remove(at);
                    }
                    _ => {}
                }
            }
            if let Ok(req) = parse_request(&b) {
                assert_eq!(parse_request(req.to_line().as_bytes()), Ok(req));
            }
        }
    }

    #[test]
    fn replies_round_trip() {
        for r in [
            Reply::Ok(json!({"bypass": "on"})),
            Reply::Ok(Value::Null),
            Reply::refused("no such command \"x\""),
        ] {
            let line = r.to_line();
            assert!(line.ends_with('\n') && !line[..line.len() - 1].contains('\n'));
            assert_eq!(Reply::parse(&line).unwrap(), r);
        }
        assert!(Reply::parse("{\"result\":1}").is_err());
        assert!(Reply::parse("nope").is_err());
    }
}
