//! The generic item tree: every present item of a record decoded from its table into values
//! scaled to the specification's units, keyed by item number and subfield mnemonic. It
//! serialises to the `tessera decode` JSON schema of `formats.md`.

use crate::bits::{read_bits, sign_extend};
use crate::record::{RawRecord, compound_subs};
use crate::spec::{Field, FieldKind, ItemKind, ItemSpec};
use serde::Serialize;
use std::collections::BTreeMap;

/// A decoded value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// Unsigned raw or table value.
    UInt(u64),
    /// Signed integer.
    Int(i64),
    /// Scaled quantity.
    Float(f64),
    /// Text (octal codes, callsigns, hex).
    Str(String),
    /// Repetitions.
    List(Vec<Value>),
    /// Subfields or subitems.
    Map(BTreeMap<String, Value>),
}

impl Value {
    /// Numeric view (floats, integers).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::UInt(u) => Some(*u as f64),
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// Child by key (maps) or index (lists, key as decimal).
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(m) => m.get(key),
            Value::List(l) => key.parse::<usize>().ok().and_then(|i| l.get(i)),
            _ => None,
        }
    }
}

/// Items of one record keyed by item number.
pub type Items = BTreeMap<String, Value>;

const ICAO: &[u8; 64] = b" ABCDEFGHIJKLMNOPQRSTUVWXYZ????? ???????????????0123456789??????";

/// Decodes 6-bit ICAO characters.
pub fn icao_chars(v: u64, nchars: usize) -> String {
    (0..nchars)
        .map(|i| {
            let c = (v >> (6 * (nchars - 1 - i))) & 0x3f;
            char::from(ICAO[c as usize])
        })
        .collect()
}

/// Formats a raw field as octal digits (3 bits each).
pub fn octal(v: u64, bits: usize) -> String {
    let digits = bits.div_ceil(3);
    format!("{v:0digits$o}")
}

fn field_value(f: &Field, data: &[u8], base_bit: usize, im: Option<u64>) -> Option<Value> {
    let off = base_bit + f.bit_off;
    let v = match f.kind {
        FieldKind::Spare => return None,
        FieldKind::Icao => {
            let mut s = String::new();
            for i in 0..f.bits / 6 {
                let c = read_bits(data, off + 6 * i, 6)?;
                s.push(char::from(ICAO[c as usize]));
            }
            return Some(Value::Str(s));
        }
        FieldKind::Ascii => {
            let mut s = String::new();
            for i in 0..f.bits / 8 {
                let c = read_bits(data, off + 8 * i, 8)? as u8;
                s.push(if c.is_ascii() { char::from(c) } else { '?' });
            }
            return Some(Value::Str(s));
        }
        FieldKind::Hex if f.bits > 64 => {
            let mut s = String::new();
            for i in 0..f.bits / 8 {
                let c = read_bits(data, off + 8 * i, 8)?;
                s.push_str(&format!("{c:02X}"));
            }
            return Some(Value::Str(s));
        }
        _ => read_bits(data, off, f.bits)?,
    };
    Some(match f.kind {
        FieldKind::Raw | FieldKind::Table => Value::UInt(v),
        FieldKind::Unsigned(s) => Value::Float(v as f64 * s),
        FieldKind::Signed(s) => Value::Float(sign_extend(v, f.bits) as f64 * s),
        FieldKind::SignedInt => Value::Int(sign_extend(v, f.bits)),
        FieldKind::Octal => Value::Str(octal(v, f.bits)),
        FieldKind::Hex => Value::Str(format!("{v:0w$X}", w = f.bits.div_ceil(4))),
        FieldKind::Ias => Value::Float(if im == Some(1) {
            v as f64 * 0.001
        } else {
            v as f64 / 16384.0
        }),
        FieldKind::Icao | FieldKind::Ascii | FieldKind::Spare => return None,
    })
}

fn insert_nested(map: &mut BTreeMap<String, Value>, name: &str, v: Value) {
    match name.split_once('.') {
        None => {
            map.insert(name.to_string(), v);
        }
        Some((head, tail)) => {
            let e = map
                .entry(head.to_string())
                .or_insert_with(|| Value::Map(BTreeMap::new()));
            if let Value::Map(m) = e {
                insert_nested(m, tail, v);
            }
        }
    }
}

fn fields_map(fields: &[Field], data: &[u8], base_bit: usize) -> BTreeMap<String, Value> {
    let mut m = BTreeMap::new();
    let mut im = None;
    for f in fields {
        if f.name == "IM" {
            im = read_bits(data, base_bit + f.bit_off, f.bits);
        }
        if let Some(v) = field_value(f, data, base_bit, im) {
            insert_nested(&mut m, f.name, v);
        }
    }
    m
}

/// Decodes one item (or subitem) from its bytes.
pub fn decode_item(spec: &ItemSpec, data: &[u8]) -> Value {
    match &spec.kind {
        ItemKind::Fixed { fields, .. } | ItemKind::Extended { fields, .. } => {
            Value::Map(fields_map(fields, data, 0))
        }
        ItemKind::Repetitive { elem, fields } => {
            let n = data.first().map_or(0, |&b| usize::from(b));
            Value::List(
                (0..n)
                    .filter_map(|i| data.get(1 + i * elem..1 + (i + 1) * elem))
                    .map(|e| Value::Map(fields_map(fields, e, 0)))
                    .collect(),
            )
        }
        ItemKind::RepetitiveFx { elem, fields } => Value::List(
            data.chunks(*elem)
                .filter(|c| c.len() == *elem)
                .map(|e| Value::Map(fields_map(fields, e, 0)))
                .collect(),
        ),
        ItemKind::Compound { subs } => {
            let mut m = BTreeMap::new();
            for (slot, bytes) in compound_subs(spec, data) {
                if let Some(Some(sub)) = subs.get(slot) {
                    m.insert(sub.id.to_string(), decode_subitem(sub, bytes));
                }
            }
            Value::Map(m)
        }
        ItemKind::Explicit => {
            let mut m = BTreeMap::new();
            m.insert("LEN".to_string(), Value::UInt(data.len() as u64));
            let hex: String = data.iter().skip(1).map(|b| format!("{b:02X}")).collect();
            m.insert("DATA".to_string(), Value::Str(hex));
            Value::Map(m)
        }
    }
}

/// A compound subitem: a single element named like the subitem decodes to a scalar.
fn decode_subitem(sub: &ItemSpec, data: &[u8]) -> Value {
    if let ItemKind::Fixed { fields, .. } = &sub.kind {
        let mut named = fields.iter().filter(|f| f.kind != FieldKind::Spare);
        if let (Some(f), None) = (named.next(), named.next())
            && f.name == sub.id
            && let Some(v) = field_value(f, data, 0, None)
        {
            return v;
        }
    }
    decode_item(sub, data)
}

/// Decodes every present item of a record.
pub fn decode_items(rec: &RawRecord<'_>) -> Items {
    rec.items()
        .map(|(spec, bytes)| (spec.id.to_string(), decode_item(spec, bytes)))
        .collect()
}

/// One record as the JSON object of `formats.md`: `{"cat":…,"offset":…,"items":{…}}`.
#[derive(Debug, Clone, Serialize)]
pub struct RecordJson {
    /// Category.
    pub cat: u8,
    /// Byte offset of the record.
    pub offset: usize,
    /// Items.
    pub items: Items,
}

impl RecordJson {
    /// Builds the JSON view of a record, with `offset` relative to the start of the file.
    pub fn from_record(rec: &RawRecord<'_>) -> Self {
        Self {
            cat: rec.cat,
            offset: rec.offset,
            items: decode_items(rec),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icao_and_octal() {
        // "DLH65A  " from cat048.raw
        assert_eq!(icao_chars(0x10C236D41820, 8), "DLH65A  ");
        assert_eq!(octal(0o1000, 12), "1000");
    }
}
