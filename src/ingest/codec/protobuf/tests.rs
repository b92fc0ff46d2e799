//! The wire reader checked against a reference runtime: `prost-reflect`'s `DynamicMessage`
//! decodes the same bytes, and the path lookup the codec used before the reader
//! ([`oracle_field`]) reads them. Random messages of two test schemas (proto3 with every
//! scalar kind, lists packed and not, maps of every key kind, a oneof, recursion; proto2 with
//! groups and `optional`), some of them corrupted, must be accepted or refused alike and read
//! the same at every path.

use std::sync::Arc;

use prost_reflect::{
    DescriptorPool, DynamicMessage, Kind, MapKey, MessageDescriptor, ReflectMessage,
};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::{reader, ProtobufDocument};
use crate::catalog::mapping::protobuf::ProtoSchema;
use crate::catalog::mapping::Pointer;
use crate::ingest::mapper::{Document, Field};

const PROTO3: &str = r#"syntax = "proto3"; package t;
enum Color { RED = 0; GREEN = 1; BLUE = 2; }
message Inner { int32 a = 1; string s = 2; Inner next = 3; repeated sint64 r = 4; optional uint64 o = 5; }
message All {
  int32 i32 = 1; int64 i64 = 2; uint32 u32 = 3; uint64 u64 = 4; sint32 s32 = 5; sint64 s64 = 6;
  fixed32 f32 = 7; fixed64 f64 = 8; sfixed32 sf32 = 9; sfixed64 sf64 = 10; float fl = 11;
  double db = 12; bool b = 13; string str = 14; bytes by = 15; Color color = 16; Inner inner = 17;
  optional int32 opt = 18; repeated int32 ri = 19; repeated string rs = 20; repeated Inner rm = 21;
  map<string, int64> ms = 22; map<int32, Inner> mi = 23; map<uint64, string> mu = 24;
  map<bool, int32> mb = 25; oneof choice { int32 c1 = 26; string c2 = 27; Inner c3 = 28; }
  repeated double rd = 29; map<sint64, fixed32> mz = 30;
}"#;

const PROTO2: &str = r#"syntax = "proto2"; package u;
message Two {
  optional int32 a = 1; optional string s = 2 [default = "x"]; repeated group G = 3 { optional int32 g = 4; }
  optional group H = 5 { optional int64 h = 6; optional Two deep = 7; } repeated int32 unpacked = 8;
  repeated int64 packed = 9 [packed = true];
}"#;

const PATHS3: &[&str] = &[
    "/i32",
    "/i64",
    "/u32",
    "/u64",
    "/s32",
    "/s64",
    "/f32",
    "/f64",
    "/sf32",
    "/sf64",
    "/fl",
    "/db",
    "/b",
    "/str",
    "/by",
    "/color",
    "/inner",
    "/inner/a",
    "/inner/s",
    "/inner/next/a",
    "/inner/next/next/s",
    "/inner/r",
    "/inner/r/0",
    "/inner/r/2",
    "/inner/o",
    "/inner/next/o",
    "/opt",
    "/ri",
    "/ri/0",
    "/ri/3",
    "/rs/1",
    "/rm/0/a",
    "/rm/1/next/s",
    "/ms/k",
    "/ms/0",
    "/ms/-1",
    "/mi/0/a",
    "/mi/-3/s",
    "/mi/7",
    "/mu/5",
    "/mu/0",
    "/mu/-1",
    "/mb/1",
    "/mb/true",
    "/c1",
    "/c2",
    "/c3",
    "/c3/a",
    "/rd/0",
    "/mz/-2",
    "/mz/0",
    "/nope",
    "/i32/x",
    "/inner/zz",
];

const PATHS2: &[&str] = &[
    "/a",
    "/s",
    "/G",
    "/G/0/g",
    "/G/1/g",
    "/H",
    "/H/h",
    "/H/deep/a",
    "/H/deep/H/h",
    "/unpacked",
    "/unpacked/0",
    "/unpacked/2",
    "/packed/0",
    "/packed/1",
];

fn pool(name: &str, text: &str) -> DescriptorPool {
    let dir = std::env::temp_dir().join(format!("gs-pbdiff-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.proto")), text).unwrap();
    let set = protox::compile([dir.join(format!("{name}.proto"))], [&dir]).unwrap();
    DescriptorPool::from_file_descriptor_set(set).unwrap()
}

/// How the codec read paths with `prost-reflect` before it had a reader of its own.
fn oracle_field<'m>(message: &'m DynamicMessage, path: &Pointer) -> Field<'m> {
    use prost_reflect::Value;
    enum At<'a> {
        Message(&'a DynamicMessage),
        Value(&'a Value),
    }
    let mut at = At::Message(message);
    let last = path.segments().len().saturating_sub(1);
    for (i, segment) in path.segments().iter().enumerate() {
        at = match at {
            At::Message(message) | At::Value(Value::Message(message)) => {
                let Some(field) = message.descriptor().get_field_by_name(&segment.key) else {
                    return Field::Missing;
                };
                if !message.has_field(&field) {
                    let implicit = !field.supports_presence() && !field.is_list();
                    return match field.kind() {
                        _ if !implicit || field.is_map() || i != last => Field::Missing,
                        Kind::Bool => Field::Bool(false),
                        Kind::String => Field::Str(""),
                        Kind::Float | Kind::Double => Field::Float(0.0),
                        Kind::Bytes => Field::Other("bytes"),
                        _ => Field::Int(0),
                    };
                }
                match message.get_field(&field) {
                    std::borrow::Cow::Borrowed(value) => At::Value(value),
                    std::borrow::Cow::Owned(_) => return Field::Missing,
                }
            }
            At::Value(Value::List(list)) => match segment.index.and_then(|i| list.get(i)) {
                Some(value) => At::Value(value),
                None => return Field::Missing,
            },
            At::Value(Value::Map(map)) => {
                let number: Option<i64> = segment.key.parse().ok();
                let keys = [
                    Some(MapKey::String(segment.key.clone())),
                    number.and_then(|n| i32::try_from(n).ok()).map(MapKey::I32),
                    number.map(MapKey::I64),
                    number.and_then(|n| u32::try_from(n).ok()).map(MapKey::U32),
                    number.and_then(|n| u64::try_from(n).ok()).map(MapKey::U64),
                ];
                match keys.into_iter().flatten().find_map(|k| map.get(&k)) {
                    Some(value) => At::Value(value),
                    None => return Field::Missing,
                }
            }
            At::Value(_) => return Field::Missing,
        };
    }
    match at {
        At::Message(_) | At::Value(Value::Message(_)) => Field::Other("a message"),
        At::Value(value) => match value {
            Value::Bool(b) => Field::Bool(*b),
            Value::I32(n) | Value::EnumNumber(n) => Field::Int(i64::from(*n)),
            Value::I64(n) => Field::Int(*n),
            Value::U32(n) => Field::Int(i64::from(*n)),
            Value::U64(n) => i64::try_from(*n).map_or(Field::BigUint(*n), Field::Int),
            Value::F32(x) => Field::Float(f64::from(*x)),
            Value::F64(x) => Field::Float(*x),
            Value::String(s) => Field::Str(s),
            Value::Bytes(_) => Field::Other("bytes"),
            Value::Message(_) => Field::Other("a message"),
            Value::List(_) => Field::Other("a list"),
            Value::Map(_) => Field::Other("a map"),
        },
    }
}

/// Random wire bytes for `message`: mostly well-formed, now and then a wrong wire type, an
/// unknown field, a bad string or a cut.
struct Gen {
    rng: SmallRng,
}

impl Gen {
    fn varint(out: &mut Vec<u8>, mut n: u64) {
        while n >= 0x80 {
            out.push((n as u8) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
    }

    fn key(out: &mut Vec<u8>, number: u32, wire: u8) {
        Gen::varint(out, (u64::from(number) << 3) | u64::from(wire));
    }

    fn number(&mut self) -> u64 {
        match self.rng.random_range(0..6) {
            0 => 0,
            1 => self.rng.random_range(0..4),
            2 => u64::MAX - self.rng.random_range(0..3),
            3 => u64::from(self.rng.random::<u32>()),
            _ => self.rng.random(),
        }
    }

    fn message(&mut self, descriptor: &MessageDescriptor, depth: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let fields: Vec<_> = descriptor.fields().collect();
        for _ in 0..self.rng.random_range(0..8) {
            if self.rng.random_ratio(1, 12) {
                let number = self.rng.random_range(40..60);
                let wire = self.rng.random_range(0..6);
                self.value(&mut out, number, None, wire, depth);
                continue;
            }
            let field = &fields[self.rng.random_range(0..fields.len())];
            let kind = field.kind();
            let wire = if self.rng.random_ratio(1, 25) {
                self.rng.random_range(0..6)
            } else if field.is_map()
                || (field.is_list() && packable(&field.kind()) && self.rng.random_bool(0.5))
            {
                2
            } else {
                wire_of(&kind, field.is_group())
            };
            self.value(&mut out, field.number(), Some(field), wire, depth);
        }
        if self.rng.random_ratio(1, 20) && !out.is_empty() {
            let cut = self.rng.random_range(0..out.len());
            out.truncate(cut);
        }
        out
    }

    fn value(
        &mut self,
        out: &mut Vec<u8>,
        number: u32,
        field: Option<&prost_reflect::FieldDescriptor>,
        wire: u8,
        depth: usize,
    ) {
        Gen::key(out, number, wire);
        match wire {
            0 => Gen::varint(out, self.number()),
            1 => out.extend(self.number().to_le_bytes()),
            5 => out.extend((self.number() as u32).to_le_bytes()),
            3 => {
                if let Some(Kind::Message(m)) = field.map(|f| f.kind()) {
                    if depth < 4 {
                        out.extend(self.message(&m, depth + 1));
                    }
                }
                if !self.rng.random_ratio(1, 30) {
                    Gen::key(out, number, 4);
                }
            }
            2 => {
                let body = match field {
                    Some(f) if f.is_map() => self.entry(f, depth),
                    Some(f) if f.is_list() && packable(&f.kind()) => {
                        let mut body = Vec::new();
                        for _ in 0..self.rng.random_range(0..4) {
                            match wire_of(&f.kind(), false) {
                                0 => Gen::varint(&mut body, self.number()),
                                1 => body.extend(self.number().to_le_bytes()),
                                _ => body.extend((self.number() as u32).to_le_bytes()),
                            }
                        }
                        body
                    }
                    Some(f) => match f.kind() {
                        Kind::Message(m) if depth < 4 => self.message(&m, depth + 1),
                        _ => self.string(),
                    },
                    None => self.string(),
                };
                Gen::varint(out, body.len() as u64);
                out.extend(body);
            }
            _ => {}
        }
    }

    fn entry(&mut self, field: &prost_reflect::FieldDescriptor, depth: usize) -> Vec<u8> {
        let Kind::Message(entry) = field.kind() else { unreachable!() };
        let mut body = Vec::new();
        for number in [1, 2, 2, 1] {
            if self.rng.random_bool(0.6) {
                let f = entry.get_field(number).unwrap();
                let wire = if self.rng.random_ratio(1, 30) { 0 } else { wire_of(&f.kind(), false) };
                self.value(&mut body, number, Some(&f), wire, depth);
            }
        }
        body
    }

    fn string(&mut self) -> Vec<u8> {
        let words: [&[u8]; 6] = [b"", b"k", b"0", b"-1", b"\xff\xfe", b"5"];
        words[self.rng.random_range(0..words.len())].to_vec()
    }
}

fn packable(kind: &Kind) -> bool {
    !matches!(kind, Kind::String | Kind::Bytes | Kind::Message(_))
}

fn wire_of(kind: &Kind, group: bool) -> u8 {
    match kind {
        _ if group => 3,
        Kind::Fixed64 | Kind::Sfixed64 | Kind::Double => 1,
        Kind::Fixed32 | Kind::Sfixed32 | Kind::Float => 5,
        Kind::String | Kind::Bytes | Kind::Message(_) => 2,
        _ => 0,
    }
}

fn check(message: &str, proto: (&str, &str), paths: &[&str], seed: u64) {
    let pool = pool(proto.0, proto.1);
    let descriptor = pool.get_message_by_name(message).unwrap();
    let schema = Arc::new(ProtoSchema::compile(&descriptor));
    let paths: Vec<Pointer> = paths.iter().map(|p| Pointer::parse(p).unwrap()).collect();
    let mut gen = Gen { rng: SmallRng::seed_from_u64(seed) };
    let (mut accepted, mut refused) = (0, 0);
    for case in 0..4_000 {
        let bytes = gen.message(&descriptor, 0);
        let mut tree = reader::Tree::default();
        let ours = reader::message(&schema, &bytes, &mut tree);
        let theirs = DynamicMessage::decode(descriptor.clone(), &bytes[..]);
        match (ours, theirs) {
            (Ok(()), Ok(message)) => {
                accepted += 1;
                let document = ProtobufDocument { schema: &schema, tree };
                for path in &paths {
                    let (a, b) = (document.field(path), oracle_field(&message, path));
                    assert_eq!(
                        format!("{a:?}"),
                        format!("{b:?}"),
                        "case {case} {path} of {bytes:?}"
                    );
                }
            }
            (Err(_), Err(_)) => refused += 1,
            // The one difference kept on purpose: prost-reflect reads a map entry written with
            // another wire type than length-delimited as if it were one (its length being the
            // varint or the fixed bytes); the reader refuses it, as a wire type mismatch is.
            (Err(ours), Ok(_)) if ours.contains("a map entry with wire type") => refused += 1,
            (ours, theirs) => panic!(
                "case {case}: ours {:?}, prost-reflect {:?}, bytes {bytes:?}",
                ours.err(),
                theirs.err()
            ),
        }
    }
    assert!(accepted > 1_000 && refused > 100, "accepted {accepted}, refused {refused}");
}

#[test]
fn the_reader_reads_proto3_as_prost_reflect_does() {
    check("t.All", ("three", PROTO3), PATHS3, 1);
    check("t.All", ("three", PROTO3), PATHS3, 2);
}

#[test]
fn the_reader_reads_proto2_groups_as_prost_reflect_does() {
    check("u.Two", ("two", PROTO2), PATHS2, 3);
}

#[test]
fn deep_recursion_is_refused_not_overflowed() {
    let pool = pool("three", PROTO3);
    let descriptor = pool.get_message_by_name("t.Inner").unwrap();
    let schema = ProtoSchema::compile(&descriptor);
    // Inner.next nested 200 deep: each level is a key (field 3, wire 2) and a length.
    let mut bytes = Vec::new();
    for _ in 0..200 {
        let mut outer = Vec::new();
        Gen::key(&mut outer, 3, 2);
        Gen::varint(&mut outer, bytes.len() as u64);
        outer.extend(bytes);
        bytes = outer;
    }
    let error = reader::message(&schema, &bytes, &mut reader::Tree::default()).unwrap_err();
    assert!(error.contains("nested deeper than 64"), "{error}");
}
