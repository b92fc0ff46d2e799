//! Unit tests of `binary_copy`.

use super::*;

#[test]
fn encodes_header_fields_and_trailer() {
    let mut copy = BinaryCopyBuf::with_capacity(0);
    copy.row(3);
    copy.text("ab");
    copy.opt_int8(None);
    copy.opt_timestamptz(Some("2000-01-01T00:00:01Z".parse().unwrap()));
    assert_eq!(copy.rows(), 1);
    let bytes = copy.finish();
    let mut expected = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0".to_vec();
    expected.extend_from_slice(&[0, 3]);
    expected.extend_from_slice(&[0, 0, 0, 2, b'a', b'b']);
    expected.extend_from_slice(&[0xff, 0xff, 0xff, 0xff]);
    expected.extend_from_slice(&[0, 0, 0, 8, 0, 0, 0, 0, 0, 0x0f, 0x42, 0x40]);
    expected.extend_from_slice(&[0xff, 0xff]);
    assert_eq!(bytes.as_ref(), expected.as_slice());
}
