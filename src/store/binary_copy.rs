//! Encoder for PostgreSQL's binary `COPY ... FROM STDIN (FORMAT binary)` stream.
//!
//! Written by hand rather than with `tokio_postgres::binary_copy` so a row costs a few
//! appends with no dynamic dispatch, and so the flush knows exactly how many bytes it sent.

use bytes::{BufMut, Bytes, BytesMut};
use chrono::{DateTime, Utc};

/// Microseconds between the Unix epoch and PostgreSQL's epoch (2000-01-01T00:00:00Z).
const PG_EPOCH_OFFSET_MICROS: i64 = 946_684_800_000_000;

/// Builds one binary COPY payload: header, rows, trailer.
#[derive(Debug)]
pub struct BinaryCopyBuf {
    buf: BytesMut,
    rows: usize,
}

impl BinaryCopyBuf {
    /// A payload with room for about `capacity` bytes, header already written.
    pub fn with_capacity(capacity: usize) -> Self {
        let mut buf = BytesMut::with_capacity(capacity.max(32));
        buf.put_slice(b"PGCOPY\n\xff\r\n\0");
        buf.put_i32(0); // flags: no OIDs
        buf.put_i32(0); // header extension length
        BinaryCopyBuf { buf, rows: 0 }
    }

    /// Starts a row of `fields` columns; the caller then writes exactly that many fields.
    pub fn row(&mut self, fields: i16) {
        self.buf.put_i16(fields);
        self.rows += 1;
    }

    /// A `text` field.
    pub fn text(&mut self, value: &str) {
        self.len_prefix(value.len());
        self.buf.put_slice(value.as_bytes());
    }

    /// A `bytea` field.
    pub fn bytea(&mut self, value: &[u8]) {
        self.len_prefix(value.len());
        self.buf.put_slice(value);
    }

    /// A `smallint` field.
    pub fn int2(&mut self, value: i16) {
        self.buf.put_i32(2);
        self.buf.put_i16(value);
    }

    /// An `integer` field.
    pub fn int4(&mut self, value: i32) {
        self.buf.put_i32(4);
        self.buf.put_i32(value);
    }

    /// A `bigint` field.
    pub fn int8(&mut self, value: i64) {
        self.buf.put_i32(8);
        self.buf.put_i64(value);
    }

    /// A nullable `bigint` field.
    pub fn opt_int8(&mut self, value: Option<i64>) {
        match value {
            Some(v) => self.int8(v),
            None => self.null(),
        }
    }

    /// A `boolean` field.
    pub fn bool(&mut self, value: bool) {
        self.buf.put_i32(1);
        self.buf.put_u8(u8::from(value));
    }

    /// A nullable `timestamptz` field.
    pub fn opt_timestamptz(&mut self, value: Option<DateTime<Utc>>) {
        match value {
            Some(t) => self.int8(t.timestamp_micros() - PG_EPOCH_OFFSET_MICROS),
            None => self.null(),
        }
    }

    /// A NULL field.
    pub fn null(&mut self) {
        self.buf.put_i32(-1);
    }

    /// Rows written so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Writes the trailer and hands back the payload.
    pub fn finish(mut self) -> Bytes {
        self.buf.put_i16(-1);
        self.buf.freeze()
    }

    fn len_prefix(&mut self, len: usize) {
        self.buf.put_i32(i32::try_from(len).expect("a COPY field is smaller than 2 GiB"));
    }
}

#[cfg(test)]
mod tests;
