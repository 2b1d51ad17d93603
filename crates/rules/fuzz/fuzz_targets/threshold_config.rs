//! Fuzz target: arbitrary text must never panic the threshold.config
//! parser, and every entry's addresses must resolve or fail cleanly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warden_rules::{parse_threshold_config, resolve_addr, ThresholdEntry, Vars};

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let cfg = parse_threshold_config(s, "fuzz.config");
        let vars = Vars::suricata_defaults();
        for (_, e) in &cfg.entries {
            if let ThresholdEntry::Suppress {
                track: Some((_, expr)),
                ..
            } = e
            {
                let _ = resolve_addr(expr, &vars);
            }
        }
    }
});
