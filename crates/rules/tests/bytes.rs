//! Payload byte keywords: isdataat, byte_test, byte_jump, byte_extract,
//! byte_math (literal and variable operands), base64_decode.

mod common;
use common::*;
use warden_rules::*;

fn v(s: &str) -> IntOrVar {
    IntOrVar::Var(s.into())
}

#[test]
fn isdataat() {
    assert_eq!(
        opt("isdataat:len,relative,rawbytes;"),
        RuleOption::IsDataAt(IsDataAt {
            offset: v("len"),
            negated: false,
            relative: true,
            rawbytes: true
        })
    );
    assert_eq!(
        diag("isdataat:-1;"),
        "t.rules:7:40: sid 1: isdataat: offset -1 is negative, expected 0 or more"
    );
    assert_eq!(
        err("isdataat:1,relative,relative;"),
        "isdataat: option 'relative' given more than once"
    );
    assert_eq!(
        err("isdataat:1x;"),
        "isdataat: expected the offset as an integer or a byte_extract/byte_math variable name, found '1x'"
    );
    assert_eq!(err("isdataat;"), "isdataat: expected a value, found none");
}

#[test]
fn byte_test() {
    assert_eq!(
        opt("byte_test:2,<=,0x100,-2,relative,big,string,hex;"),
        RuleOption::ByteTest(ByteTest {
            bytes: IntOrVar::Int(2),
            negated: false,
            op: ByteTestOp::Le,
            value: IntOrVar::Int(256),
            offset: IntOrVar::Int(-2),
            relative: true,
            endian: Endian::Big,
            string: Some(NumBase::Hex),
            bitmask: None
        })
    );
    // Variables for bytes, value and offset; `!` alone means "not equal".
    let RuleOption::ByteTest(b) = opt("byte_test:n,!,val,off,dce;") else {
        panic!()
    };
    assert_eq!((b.bytes, b.value, b.offset), (v("n"), v("val"), v("off")));
    assert!(b.negated && b.op == ByteTestOp::Eq && b.endian == Endian::Dce);
    let RuleOption::ByteTest(b) = opt("byte_test:1,^,1,0,string dec;") else {
        panic!()
    };
    assert_eq!((b.op, b.string), (ByteTestOp::Xor, Some(NumBase::Dec)));
    // String reads take up to 23 bytes.
    assert!(matches!(
        opt("byte_test:23,>,1,0,string,dec;"),
        RuleOption::ByteTest(_)
    ));
    assert_eq!(
        diag("byte_test:4,>,1;"),
        "t.rules:7:41: sid 1: byte_test: expected at least 4 fields 'bytes, [!]operator, value, offset', found 3"
    );
    assert_eq!(
        err("byte_test:24,>,1,0,string,dec;"),
        "byte_test: number of bytes 24 is out of range, expected 0 to 23"
    );
    assert_eq!(
        err("byte_test:4,>,x y,0;"),
        "byte_test: expected the value as an integer or a byte_extract/byte_math variable name, found 'x y'"
    );
    assert_eq!(
        err("byte_test:4,>,1,0,little,big;"),
        "byte_test: more than one byte order given ('big')"
    );
    assert_eq!(
        err("byte_test:4,>,1,0,string,dce;"),
        "byte_test: 'dce' cannot be combined with 'string'"
    );
    assert_eq!(
        err("byte_test:4,>,1,0,string bin;"),
        "byte_test: unknown string base 'bin', expected hex, dec or oct"
    );
    assert_eq!(
        err("byte_test:4,>,1,0,bitmask;"),
        "byte_test: expected a number after 'bitmask', found ''"
    );
    assert_eq!(
        err("byte_test:4,>,1,0,align;"),
        "byte_test: unknown option 'align', expected one of relative, big, little, dce, string, bitmask"
    );
}

#[test]
fn byte_jump() {
    assert_eq!(
        opt("byte_jump:2,off,little,from_end,bitmask 0x0fff,string,oct;"),
        RuleOption::ByteJump(ByteJump {
            bytes: IntOrVar::Int(2),
            offset: v("off"),
            relative: false,
            multiplier: None,
            endian: Endian::Little,
            string: Some(NumBase::Oct),
            align: false,
            from_beginning: false,
            from_end: true,
            post_offset: None,
            bitmask: Some(0xfff)
        })
    );
    assert_eq!(
        diag("byte_jump:4;"),
        "t.rules:7:41: sid 1: byte_jump: expected at least 2 fields 'bytes, offset', found 1"
    );
    assert_eq!(
        err("byte_jump:9,0;"),
        "byte_jump: number of bytes 9 is out of range, expected 0 to 8"
    );
    assert_eq!(
        err("byte_jump:4,0,multiplier x;"),
        "byte_jump: expected a number after 'multiplier', found 'x'"
    );
    assert_eq!(
        err("byte_jump:4,0,multiplier 4294967296;"),
        "byte_jump: multiplier 4294967296 is out of range"
    );
    assert_eq!(
        err("byte_jump:4,0,post_offset;"),
        "byte_jump: expected a number after 'post_offset', found ''"
    );
}

#[test]
fn byte_extract() {
    assert_eq!(
        opt("byte_extract:4,-2,len,relative,multiplier 4,align 4,dce,bitmask 0xff;"),
        RuleOption::ByteExtract(ByteExtract {
            bytes: 4,
            offset: -2,
            name: "len".into(),
            relative: true,
            multiplier: Some(4),
            endian: Endian::Dce,
            string: None,
            align: Some(4),
            bitmask: Some(255)
        })
    );
    let RuleOption::ByteExtract(e) = opt("byte_extract:3,0,num,string,dec;") else {
        panic!()
    };
    assert_eq!(e.string, Some(NumBase::Dec));
    // The extracted variable feeds later keywords of the same rule.
    let o = opts(
        r#"byte_extract:1,0,off; byte_extract:1,1,n; content:"x"; offset:off; byte_test:n,=,1,off; byte_jump:n,off; isdataat:off;"#,
    );
    assert_eq!(o.len(), 6);
    assert_eq!(
        diag("byte_extract:4,0,1bad;"),
        "t.rules:7:44: sid 1: byte_extract: invalid variable name '1bad'"
    );
    assert_eq!(
        err("byte_extract:n,0,x;"),
        "byte_extract: expected the number of bytes as an integer, found 'n'"
    );
    assert_eq!(
        err("byte_extract:4,x,y;"),
        "byte_extract: expected the offset as an integer, found 'x'"
    );
    assert_eq!(
        err("byte_extract:4,0,x,align 3;"),
        "byte_extract: invalid 'align' value, expected 2 or 4"
    );
    assert_eq!(
        err("byte_extract:4,0,x,from_end;"),
        "byte_extract: unknown option 'from_end', expected one of relative, big, little, dce, string, bitmask, multiplier"
    );
}

#[test]
fn byte_math() {
    assert_eq!(
        opt("byte_math:bytes 4, offset -1, oper <<, rvalue 2, result out, string hex, bitmask 0xf0;"),
        RuleOption::ByteMath(ByteMath {
            bytes: 4,
            offset: -1,
            oper: ByteMathOp::Shl,
            rvalue: IntOrVar::Int(2),
            result: "out".into(),
            relative: false,
            endian: Endian::Big,
            string: Some(NumBase::Hex),
            bitmask: Some(0xf0)
        })
    );
    // Fields in any order, rvalue from a variable, dce byte order.
    let RuleOption::ByteMath(m) =
        opt("byte_math:result r, rvalue n, oper -, offset 0, bytes 2, relative, dce;")
    else {
        panic!()
    };
    assert_eq!(
        (m.rvalue, m.oper, m.endian),
        (v("n"), ByteMathOp::Sub, Endian::Dce)
    );
    for (o, op) in [
        ("+", ByteMathOp::Add),
        ("*", ByteMathOp::Mul),
        ("/", ByteMathOp::Div),
        (">>", ByteMathOp::Shr),
    ] {
        let RuleOption::ByteMath(m) = opt(&format!(
            "byte_math:bytes 1, offset 0, oper {o}, rvalue 1, result r;"
        )) else {
            panic!()
        };
        assert_eq!(m.oper, op);
    }
    assert_eq!(
        diag("byte_math:bytes 11, offset 0, oper +, rvalue 1, result r;"),
        "t.rules:7:41: sid 1: byte_math: number of bytes '11' is out of range, expected 1 to 10"
    );
    assert_eq!(
        err("byte_math:offset 0, oper +, rvalue 1, result r;"),
        "byte_math: missing required field 'bytes'"
    );
    assert_eq!(
        err("byte_math:bytes 1, offset 0, oper +, result r;"),
        "byte_math: missing required field 'rvalue'"
    );
    assert_eq!(
        err("byte_math:bytes 1, offset 0, oper +, rvalue 1, result 9r;"),
        "byte_math: invalid result variable name '9r'"
    );
    assert_eq!(
        err("byte_math:bytes 1, offset x, oper +, rvalue 1, result r;"),
        "byte_math: expected the offset as an integer, found 'x'"
    );
    assert_eq!(
        err("byte_math:bytes 1, offset 0, oper +, rvalue 1, result r, endian middle;"),
        "byte_math: unknown endian 'middle', expected big or little"
    );
    assert_eq!(
        err("byte_math:bytes 1, offset 0, oper +, rvalue 1, result r, result s;"),
        "byte_math: field 'result' given more than once"
    );
}

/// Regression: Suricata documents `bytes <num of bytes> | <variable-name>`;
/// the variable form used to be rejected as out of range.
#[test]
fn byte_math_bytes_from_variable() {
    let o = opts(
        "byte_extract:1,0,len; byte_math:bytes len, offset 1, oper +, rvalue 1, result r, string dec;",
    );
    let RuleOption::ByteMathVarBytes { math, bytes } = &o[1] else {
        panic!("{:?}", o[1])
    };
    assert_eq!(bytes, "len");
    assert_eq!(
        (math.bytes, math.offset, math.result.as_str(), math.string),
        (0, 1, "r", Some(NumBase::Dec))
    );
    assert_eq!(
        err("byte_math:bytes 1x, offset 0, oper +, rvalue 1, result r;"),
        "byte_math: expected the number of bytes as 1 to 10 or a byte_extract/byte_math variable name, found '1x'"
    );
}

#[test]
fn base64_decode() {
    assert_eq!(
        opt("base64_decode;"),
        RuleOption::Base64Decode(Base64Decode::default())
    );
    assert_eq!(
        opt("base64_decode:bytes 12, offset 3, relative;"),
        RuleOption::Base64Decode(Base64Decode {
            bytes: Some(12),
            offset: Some(3),
            relative: true,
            mode: None
        })
    );
    assert_eq!(
        diag("base64_decode:bytes x;"),
        "t.rules:7:45: sid 1: base64_decode: expected a number after 'bytes', found 'x'"
    );
    assert_eq!(
        err("base64_decode:mode strict;"),
        "base64_decode: unknown option 'mode strict', expected bytes N, offset N or relative"
    );
}
