//! Fuzz target: arbitrary text must never panic the rule parser, the file
//! loader or header resolution.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warden_rules::{load_rule_str, parse_rule, resolve_header, Dialect, Vars};

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(rule) = parse_rule(s, Dialect::Suricata) {
            let _ = resolve_header(&rule, &Vars::suricata_defaults());
        }
        let _ = load_rule_str(s, "fuzz.rules");
    }
});
