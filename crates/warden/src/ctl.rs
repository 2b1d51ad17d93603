//! `warden ctl [--socket PATH] COMMAND [ARGS...]`: sends one command to a
//! running warden's control socket and prints the reply.
//!
//! Exit status: 0 when the command was carried out, 1 when warden refused
//! it (the reason on stderr), 2 when no answer could be had (no socket,
//! no warden behind it, an unreadable reply).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use serde_json::Value;
use warden_control::client::call;
use warden_control::{Reply, Request, DEFAULT_SOCKET};

/// How long to wait for a reply.
const REPLY_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Parser, Debug)]
#[command(
    name = "warden ctl",
    about = "Send a command to a running warden (its --unix-socket)",
    after_help = "Commands: version, bypass on|off, shutdown, help.\n\
                  Exit status: 0 done, 1 refused, 2 no answer."
)]
struct CtlCli {
    /// The control socket.
    #[arg(long = "socket", value_name = "PATH", default_value = DEFAULT_SOCKET)]
    socket: PathBuf,

    /// Print the reply as the JSON line received.
    #[arg(long = "json")]
    json: bool,

    /// The command (`warden ctl help` lists what the engine knows).
    command: String,

    /// Its arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

/// Runs `warden ctl` with the arguments after `ctl`.
pub(crate) fn main(args: impl Iterator<Item = std::ffi::OsString>) -> ExitCode {
    let cli = match CtlCli::try_parse_from(std::iter::once("warden ctl".into()).chain(args)) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let req = Request {
        command: cli.command.clone(),
        args: cli.args.clone(),
    };
    match call(&cli.socket, &req, REPLY_TIMEOUT) {
        Ok(reply) => {
            if cli.json {
                print!("{}", reply.to_line());
            }
            match reply {
                Reply::Ok(v) => {
                    if !cli.json {
                        print_result(&v);
                    }
                    ExitCode::SUCCESS
                }
                Reply::Refused(why) => {
                    eprintln!("warden ctl: {} refused: {why}", cli.command);
                    ExitCode::from(1)
                }
            }
        }
        Err(e) => {
            eprintln!("warden ctl: {e}");
            ExitCode::from(2)
        }
    }
}

/// A string result as text, anything else as JSON.
fn print_result(v: &Value) {
    match v {
        Value::String(s) => println!("{s}"),
        Value::Null => {}
        Value::Array(items) if items.iter().all(|i| i.get("usage").is_some()) => {
            for i in items {
                println!("{}", i["usage"].as_str().unwrap_or_default());
            }
        }
        other => println!("{other}"),
    }
}
