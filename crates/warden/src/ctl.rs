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

/// How long to wait for commands that build a ruleset (`reload`,
/// `ruleset-diff`): a little longer than the engine waits for the build.
const BUILD_TIMEOUT: Duration = Duration::from_secs(620);

#[derive(Parser, Debug)]
#[command(
    name = "warden ctl",
    about = "Send a command to a running warden (its --unix-socket)",
    after_help = "Commands: version, bypass on|off, reload, rollback, ruleset-diff [PATH...],\n\
                  rules [index], stats, shadow SID on|off, shutdown, help.\n\
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
    let mut args = cli.args.clone();
    if cli.command == "ruleset-diff" {
        // warden reads the files from its own working directory
        for a in &mut args {
            if let Ok(p) = std::path::absolute(&*a) {
                *a = p.display().to_string();
            }
        }
    }
    let timeout = match cli.command.as_str() {
        "reload" | "ruleset-diff" => BUILD_TIMEOUT,
        _ => REPLY_TIMEOUT,
    };
    let req = Request {
        command: cli.command.clone(),
        args,
    };
    match call(&cli.socket, &req, timeout) {
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
