//! The command table: names mapped to handlers.
//!
//! Whoever owns the state a command touches registers it with
//! [`Dispatcher::register`]: a name, a one-line usage text, and a closure
//! from the request's arguments to a result or a refusal. The closure runs
//! on the connection's thread, so it must be `Send + Sync`; a command that
//! needs the packet loop itself (a reload, say) can hand the work over a
//! channel and wait for the answer inside its closure. `help` is built in
//! and lists what is registered.

use serde_json::{json, Value};

use crate::protocol::{Reply, Request};

/// A command's implementation: arguments in, result or reason out.
pub type Handler = Box<dyn Fn(&[String]) -> Result<Value, String> + Send + Sync>;

struct Command {
    name: String,
    usage: String,
    handler: Handler,
}

/// Registered commands, in registration order.
pub struct Dispatcher {
    commands: Vec<Command>,
}

impl Default for Dispatcher {
    fn default() -> Self {
        Dispatcher::new()
    }
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.commands.iter().map(|c| &c.name))
            .finish()
    }
}

impl Dispatcher {
    /// A table with only `help`.
    pub fn new() -> Dispatcher {
        Dispatcher {
            commands: Vec::new(),
        }
    }

    /// Adds (or replaces) command `name`; `usage` is shown by `help`, e.g.
    /// `"bypass on|off: ..."`.
    pub fn register<F>(&mut self, name: &str, usage: &str, handler: F)
    where
        F: Fn(&[String]) -> Result<Value, String> + Send + Sync + 'static,
    {
        let cmd = Command {
            name: name.to_string(),
            usage: usage.to_string(),
            handler: Box::new(handler),
        };
        match self.commands.iter_mut().find(|c| c.name == name) {
            Some(c) => *c = cmd,
            None => self.commands.push(cmd),
        }
    }

    /// The registered command names (`help` included), in order.
    pub fn names(&self) -> Vec<&str> {
        std::iter::once("help")
            .chain(self.commands.iter().map(|c| c.name.as_str()))
            .collect()
    }

    /// Runs the request's command.
    pub fn dispatch(&self, req: &Request) -> Reply {
        if req.command == "help" && !self.commands.iter().any(|c| c.name == "help") {
            let list: Vec<Value> = std::iter::once(json!({
                "command": "help",
                "usage": "help: lists the commands",
            }))
            .chain(
                self.commands
                    .iter()
                    .map(|c| json!({ "command": c.name, "usage": c.usage })),
            )
            .collect();
            return Reply::Ok(Value::Array(list));
        }
        match self.commands.iter().find(|c| c.name == req.command) {
            Some(c) => match (c.handler)(&req.args) {
                Ok(v) => Reply::Ok(v),
                Err(e) => Reply::Refused(e),
            },
            None => Reply::Refused(format!(
                "unknown command {:?} (known: {})",
                req.command,
                self.names().join(", ")
            )),
        }
    }
}

/// Checks that a command got exactly `n` arguments; the refusal names the
/// usage.
pub fn expect_args(args: &[String], n: usize, usage: &str) -> Result<(), String> {
    if args.len() == n {
        Ok(())
    } else {
        Err(format!(
            "expected {n} argument{}, got {}: usage: {usage}",
            if n == 1 { "" } else { "s" },
            args.len()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Dispatcher {
        let mut d = Dispatcher::new();
        d.register("echo", "echo WORD...", |args| Ok(json!(args)));
        d.register("fail", "fail", |_| Err("not today".into()));
        d
    }

    #[test]
    fn commands_run_by_name_and_refusals_carry_their_reason() {
        let d = table();
        assert_eq!(
            d.dispatch(&Request::new("echo", &["a", "b"])),
            Reply::Ok(json!(["a", "b"]))
        );
        assert_eq!(
            d.dispatch(&Request::new("fail", &[])),
            Reply::refused("not today")
        );
        let Reply::Refused(why) = d.dispatch(&Request::new("nope", &[])) else {
            panic!("an unknown command is refused");
        };
        assert!(
            why.contains("\"nope\"") && why.contains("echo, fail"),
            "{why}"
        );
    }

    #[test]
    fn help_lists_every_command_with_its_usage() {
        let Reply::Ok(Value::Array(list)) = table().dispatch(&Request::new("help", &[])) else {
            panic!("help answers a list");
        };
        let names: Vec<&str> = list.iter().filter_map(|c| c["command"].as_str()).collect();
        assert_eq!(names, ["help", "echo", "fail"]);
        assert_eq!(list[1]["usage"], "echo WORD...");
    }

    #[test]
    fn registering_a_name_again_replaces_it() {
        let mut d = table();
        d.register("echo", "echo", |_| Ok(json!("new")));
        assert_eq!(d.names(), ["help", "echo", "fail"]);
        assert_eq!(
            d.dispatch(&Request::new("echo", &[])),
            Reply::Ok(json!("new"))
        );
    }

    #[test]
    fn argument_counts_are_checked_with_the_usage() {
        assert!(expect_args(&["on".into()], 1, "bypass on|off").is_ok());
        let e = expect_args(&[], 1, "bypass on|off").unwrap_err();
        assert!(e.contains("expected 1 argument, got 0") && e.contains("bypass on|off"));
    }
}
