//! EVE `fileinfo` events: one per file a transaction carried.
//!
//! Key order (Suricata 8): the app-layer envelope (`timestamp` ...
//! `pkt_src`), the protocol object of the file's transaction (`http`),
//! `app_proto`, then `fileinfo` with `filename`, `sid` (when rules matched
//! the file), `gaps`, `state`, the hashes (closed files only), `stored`,
//! `size`, `tx_id`.

use crate::eve_app::{write_app_header, write_http_object};
use crate::json::JsonBuf;
use crate::record::{FileFields, FileinfoRecord};

/// Appends one `fileinfo` event (no trailing newline) to `out`.
pub fn render_fileinfo(out: &mut Vec<u8>, r: &FileinfoRecord<'_>) {
    let mut j = JsonBuf::new(out);
    j.begin_object();
    write_app_header(&mut j, &r.header, "fileinfo");
    if let Some(h) = &r.http {
        write_http_object(&mut j, h);
    }
    j.str("app_proto", r.app_proto);
    write_file_object(&mut j, &r.file);
    j.end_object();
}

fn write_file_object(j: &mut JsonBuf<'_>, f: &FileFields<'_>) {
    j.begin_object_key("fileinfo");
    j.str_from_bytes("filename", f.filename);
    if !f.sids.is_empty() {
        j.begin_array_key("sid");
        for &s in f.sids {
            j.elem_u64(u64::from(s));
        }
        j.end_array();
    }
    j.bool("gaps", f.gaps);
    j.str("state", f.state);
    if f.state == "CLOSED" {
        for (k, v) in [("md5", f.md5), ("sha1", f.sha1), ("sha256", f.sha256)] {
            if let Some(v) = v {
                j.str(k, v);
            }
        }
    }
    j.bool("stored", f.stored);
    j.u64("size", f.size);
    j.u64("tx_id", f.tx_id);
    j.end_object();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{AppHeader, HttpFields};
    use crate::time::Timestamp;

    fn record<'a>(file: FileFields<'a>, http: Option<HttpFields<'a>>) -> FileinfoRecord<'a> {
        let mut header = AppHeader::new(
            Timestamp {
                secs: 1_700_000_000,
                nanos: 0,
            },
            42,
            ("10.0.0.2".parse().unwrap(), Some(80)),
            ("10.0.0.1".parse().unwrap(), Some(40000)),
            6,
        );
        header.pcap_cnt = Some(7);
        FileinfoRecord {
            header,
            http,
            app_proto: "http",
            file,
        }
    }

    #[test]
    fn closed_file_with_http_object() {
        let http = HttpFields {
            hostname: Some(b"evader.example.com"),
            url: Some(b"/eicar.txt"),
            http_method: Some(b"GET"),
            protocol: Some(b"HTTP/1.1"),
            status: Some(200),
            length: Some(68),
            ..HttpFields::default()
        };
        let file = FileFields {
            filename: b"eicar.txt",
            state: "CLOSED",
            md5: Some("44d88612fea8a8f36de82e1278abb02f"),
            size: 68,
            tx_id: 0,
            ..FileFields::default()
        };
        let mut out = Vec::new();
        render_fileinfo(&mut out, &record(file, Some(http)));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            concat!(
                r#"{"timestamp":"2023-11-14T22:13:20.000000+0000","flow_id":42,"pcap_cnt":7,"#,
                r#""event_type":"fileinfo","src_ip":"10.0.0.2","src_port":80,"#,
                r#""dest_ip":"10.0.0.1","dest_port":40000,"proto":"TCP","ip_v":4,"#,
                r#""pkt_src":"wire/pcap","http":{"hostname":"evader.example.com","#,
                r#""url":"/eicar.txt","http_method":"GET","protocol":"HTTP/1.1","#,
                r#""status":200,"length":68},"app_proto":"http","#,
                r#""fileinfo":{"filename":"eicar.txt","gaps":false,"state":"CLOSED","#,
                r#""md5":"44d88612fea8a8f36de82e1278abb02f","stored":false,"size":68,"#,
                r#""tx_id":0}}"#
            )
        );
    }

    #[test]
    fn truncated_file_has_no_hashes_and_lists_sids() {
        let file = FileFields {
            filename: b"/up\xff",
            sids: &[5, 9],
            gaps: true,
            state: "TRUNCATED",
            md5: Some("00"),
            size: 3,
            tx_id: 2,
            ..FileFields::default()
        };
        let mut out = Vec::new();
        render_fileinfo(&mut out, &record(file, None));
        let s = String::from_utf8(out).unwrap();
        assert!(
            s.ends_with(concat!(
                r#""app_proto":"http","fileinfo":{"filename":"/up\\xff","sid":[5,9],"#,
                r#""gaps":true,"state":"TRUNCATED","stored":false,"size":3,"tx_id":2}}"#
            )),
            "{s}"
        );
        assert!(!s.contains("md5"));
    }
}
