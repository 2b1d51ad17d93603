//! Flow and state keywords: flow, flowbits, xbits, hostbits, flowint,
//! stream_size, flow.age, flow.pkts*, flow.bytes*, app-layer-protocol.

mod common;
use common::*;
use warden_rules::*;

fn gt(a: u64) -> IntCmp {
    IntCmp {
        op: CmpOp::Gt,
        a,
        b: 0,
    }
}

#[test]
fn flow() {
    assert_eq!(
        opt("flow: not_established , to_client, no_stream, only_frag;"),
        RuleOption::Flow(FlowFlags {
            not_established: true,
            to_client: true,
            no_stream: true,
            only_frag: true,
            ..Default::default()
        })
    );
    assert_eq!(
        opt("flow:stateless,from_server,only_stream,no_frag;"),
        RuleOption::Flow(FlowFlags {
            stateless: true,
            to_client: true,
            only_stream: true,
            no_frag: true,
            ..Default::default()
        })
    );
    assert_eq!(
        diag("flow:established,established;"),
        "t.rules:7:36: sid 1: flow: option 'established' given more than once"
    );
    assert_eq!(
        err("flow:established,stateless;"),
        "flow: option 'stateless' conflicts with established/not_established"
    );
    assert_eq!(
        err("flow:to_server,from_client;"),
        "flow: option 'from_client' given more than once"
    );
    assert_eq!(
        err("flow:no_stream,only_stream;"),
        "flow: option 'only_stream' conflicts with no_stream"
    );
    assert_eq!(
        err("flow:only_frag,no_frag;"),
        "flow: option 'no_frag' conflicts with only_frag"
    );
    assert!(err("flow:to_srever;").ends_with("no_frag (did you mean 'to_server'?)"));
    assert_eq!(err("flow;"), "flow: expected a value, found none");
}

#[test]
fn flowbits() {
    let fb = |cmd, names: &[&str], op| {
        RuleOption::Flowbits(Flowbits {
            cmd,
            names: names.iter().map(|s| s.to_string()).collect(),
            op,
        })
    };
    assert_eq!(
        opt("flowbits:set,a.b-c;"),
        fb(BitsCmd::Set, &["a.b-c"], BitsOp::Single)
    );
    assert_eq!(
        opt("flowbits: unset , x;"),
        fb(BitsCmd::Unset, &["x"], BitsOp::Single)
    );
    assert_eq!(
        opt("flowbits:toggle,x;"),
        fb(BitsCmd::Toggle, &["x"], BitsOp::Single)
    );
    assert_eq!(
        opt("flowbits:isnotset,x;"),
        fb(BitsCmd::IsNotSet, &["x"], BitsOp::Single)
    );
    assert_eq!(
        opt("flowbits:isset,a & b&c;"),
        fb(BitsCmd::IsSet, &["a", "b", "c"], BitsOp::And)
    );
    assert_eq!(
        opt("flowbits:set,a&b;"),
        fb(BitsCmd::Set, &["a", "b"], BitsOp::And)
    );
    assert_eq!(
        opt("flowbits:isnotset,a|b;"),
        fb(BitsCmd::IsNotSet, &["a", "b"], BitsOp::Or)
    );
    assert_eq!(
        diag("flowbits:set,a|b;"),
        "t.rules:7:40: sid 1: flowbits: '|' is only allowed with isset or isnotset"
    );
    assert_eq!(
        err("flowbits:isset,a&b|c;"),
        "flowbits: invalid name 'a&b' in 'a&b|c', expected names joined by only '|' or only '&'"
    );
    assert_eq!(
        err("flowbits:isset,a||b;"),
        "flowbits: invalid name '' in 'a||b', expected names joined by only '|' or only '&'"
    );
    assert_eq!(
        err("flowbits:isset,a b;"),
        "flowbits: invalid name 'a b' in 'a b', expected names joined by only '|' or only '&'"
    );
    assert_eq!(
        err("flowbits:noalert,x;"),
        "flowbits: noalert takes no name, found 'x'"
    );
    assert_eq!(
        err("flowbits:isset;"),
        "flowbits: expected a name after 'isset', found none"
    );
}

#[test]
fn xbits_and_hostbits() {
    assert_eq!(
        opt("xbits:isset,a|b,track ip_pair;"),
        RuleOption::Xbits(Xbits {
            cmd: BitsCmd::IsSet,
            names: vec!["a".into(), "b".into()],
            op: BitsOp::Or,
            track: Some(BitsTrack::IpPair),
            expire: None
        })
    );
    let RuleOption::Xbits(x) = opt("xbits:unset,t,track tx;") else {
        panic!()
    };
    assert_eq!(x.track, Some(BitsTrack::Tx));
    assert_eq!(
        opt("hostbits:set,bad,track ip_dst,expire 3600;"),
        RuleOption::Hostbits(Xbits {
            cmd: BitsCmd::Set,
            names: vec!["bad".into()],
            op: BitsOp::Single,
            track: Some(BitsTrack::IpDst),
            expire: Some(3600)
        })
    );
    let RuleOption::Hostbits(h) = opt("hostbits:isset,bad;") else {
        panic!()
    };
    assert_eq!(h.track, None);
    assert_eq!(
        diag("xbits:set,a,track ip_any;"),
        "t.rules:7:37: sid 1: xbits: unknown track 'ip_any', expected ip_src, ip_dst or ip_pair"
    );
    assert_eq!(
        err("hostbits:set,a,track tx;"),
        "hostbits: unknown track 'tx', expected ip_src, ip_dst or ip_pair"
    );
    assert_eq!(
        err("xbits:set,a,track ip_src,expire soon;"),
        "xbits: expected seconds after 'expire', found 'soon'"
    );
    assert_eq!(
        err("xbits:set,a,track ip_src,ttl 5;"),
        "xbits: unknown option 'ttl 5', expected 'track <type>' or 'expire <seconds>'"
    );
    assert_eq!(
        err("xbits:set;"),
        "xbits: expected a name after the command, found none"
    );
    assert_eq!(
        err("hostbits:flip,a;"),
        "hostbits: unknown command 'flip', expected set, isset, isnotset, unset, toggle or noalert"
    );
}

#[test]
fn flowint() {
    assert_eq!(
        opt("flowint:a,>=,b;"),
        RuleOption::Flowint(Flowint {
            name: "a".into(),
            op: FlowintOp::Ge,
            value: Some(IntOrVar::Var("b".into()))
        })
    );
    assert_eq!(
        opt("flowint:a,notset;"),
        RuleOption::Flowint(Flowint {
            name: "a".into(),
            op: FlowintOp::NotSet,
            value: None
        })
    );
    for (o, op) in [
        ("=", FlowintOp::Set),
        ("-", FlowintOp::Sub),
        ("==", FlowintOp::Eq),
        ("!=", FlowintOp::Ne),
        ("<", FlowintOp::Lt),
        (">", FlowintOp::Gt),
        ("<=", FlowintOp::Le),
    ] {
        let RuleOption::Flowint(f) = opt(&format!("flowint:a,{o},1;")) else {
            panic!()
        };
        assert_eq!(f.op, op, "{o}");
    }
    assert_eq!(
        diag("flowint:a,%,1;"),
        "t.rules:7:39: sid 1: flowint: unknown operator '%', expected =, +, -, ==, !=, <, >, <=, >=, isset or notset"
    );
    assert_eq!(
        err("flowint:a;"),
        "flowint: invalid value 'a', expected 'name, op[, value]'"
    );
    assert_eq!(
        err("flowint:a,+;"),
        "flowint: operator '+' expects exactly one value"
    );
    assert_eq!(
        err("flowint:a,+,1,2;"),
        "flowint: operator '+' expects exactly one value"
    );
}

#[test]
fn stream_size() {
    assert_eq!(
        opt("stream_size:either,=,5;"),
        RuleOption::StreamSize(StreamSize {
            dir: StreamDir::Either,
            cmp: IntCmp {
                op: CmpOp::Eq,
                a: 5,
                b: 0
            }
        })
    );
    let RuleOption::StreamSize(s) = opt("stream_size:both,!=,5;") else {
        panic!()
    };
    assert_eq!((s.dir, s.cmp.op), (StreamDir::Both, CmpOp::Ne));
    let RuleOption::StreamSize(s) = opt("stream_size:client,<=,5;") else {
        panic!()
    };
    assert_eq!((s.dir, s.cmp.op), (StreamDir::Client, CmpOp::Le));
    assert_eq!(
        diag("stream_size:server,~,1;"),
        "t.rules:7:43: sid 1: stream_size: invalid value 'server,~,1', expected '<server|client|both|either>,<op>,<number>'"
    );
    assert_eq!(
        err("stream_size:server,>,4294967296;"),
        "stream_size: value 4294967296 is out of range, expected 0 to 4294967295"
    );
}

#[test]
fn flow_counters_and_age() {
    assert_eq!(opt("flow.age:>10;"), RuleOption::FlowAge(gt(10)));
    assert_eq!(
        opt("flow.pkts:toclient,>3;"),
        RuleOption::FlowPkts(FlowCount {
            dir: Some(FlowDir::ToClient),
            cmp: gt(3)
        })
    );
    assert_eq!(
        opt("flow.pkts:>3;"),
        RuleOption::FlowPkts(FlowCount {
            dir: None,
            cmp: gt(3)
        })
    );
    assert_eq!(
        opt("flow.pkts_toclient:>3;"),
        RuleOption::FlowPkts(FlowCount {
            dir: Some(FlowDir::ToClient),
            cmp: gt(3)
        })
    );
    assert_eq!(
        opt("flow.bytes:either,>3;"),
        RuleOption::FlowBytes(FlowCount {
            dir: Some(FlowDir::Either),
            cmp: gt(3)
        })
    );
    assert_eq!(
        opt("flow.bytes_toserver:>3;"),
        RuleOption::FlowBytes(FlowCount {
            dir: Some(FlowDir::ToServer),
            cmp: gt(3)
        })
    );
    assert_eq!(
        opt("flow.bytes_toclient:>3;"),
        RuleOption::FlowBytes(FlowCount {
            dir: Some(FlowDir::ToClient),
            cmp: gt(3)
        })
    );
    assert_eq!(
        diag("flow.bytes:up,>3;"),
        "t.rules:7:42: sid 1: flow.bytes: unknown direction 'up', expected toserver, toclient or either"
    );
    assert_eq!(
        err("flow.age:old;"),
        "flow.age: invalid comparison 'old', expected N, =N, !N, <N, >N, <=N, >=N, N-M or N<>M"
    );
    assert_eq!(
        err("flow.pkts_toserver:>x;"),
        "flow.pkts_toserver: invalid comparison '>x', expected N, =N, !N, <N, >N, <=N, >=N, N-M or N<>M"
    );
}

#[test]
fn app_layer_protocol() {
    assert_eq!(
        opt("app-layer-protocol:tls;"),
        RuleOption::AppLayerProtocol {
            negated: false,
            name: "tls".into()
        }
    );
    assert_eq!(
        opt("app-layer-protocol:!failed;"),
        RuleOption::AppLayerProtocol {
            negated: true,
            name: "failed".into()
        }
    );
    assert_eq!(
        diag("app-layer-protocol:smbb;"),
        "t.rules:7:50: sid 1: app-layer-protocol: unknown protocol 'smbb' (did you mean 'smb'?)"
    );
}
