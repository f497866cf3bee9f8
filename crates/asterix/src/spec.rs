//! Category specifications: the UAP of each category and the layout of every data item, declared
//! as compact text tables (see `tables/`) and parsed once into these structures.
//!
//! Table syntax (one item per line, `#` starts a comment):
//!
//! ```text
//! cat 048 1.32                      category and edition
//! uap 010 140 020 - ... SP RE       UAP in FRN order, `-` for a spare FRN
//! 010 = SAC 8, SIC 8                fixed item: fields
//! 020 ext TYP 3 t, SIM 1 t | TST 1  extended item: octet groups separated by `|` (FX implied)
//! 250 rep MBDATA 56 h, BDS1 4, BDS2 4   repetitive item (1-octet REP)
//! 030 repfx CODE 7 t                repetitive item, FX-terminated elements
//! 380 comp ADR ID - MHG             compound item; subitems declared as `380/ADR = ...`
//! SP exp                            explicit-length item
//! ```
//!
//! A field is `NAME BITS [TYPE [SCALE [UNIT]]]`; NAME `-` is spare. TYPE: `r` raw (default),
//! `t` table, `u`/`s` unsigned/signed quantity with SCALE (`1/128`, `360/2^16`, `0.25`), `i`
//! signed integer, `o` octal string, `c` 6-bit ICAO characters, `a` ASCII, `h` hex string,
//! `ias` airspeed scaled by the preceding IM bit (IAS 2^-14 NM/s or Mach 0.001). A NAME with `.`
//! nests (`ADSB.EP`).

use std::collections::HashMap;

/// How a field's bits are interpreted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldKind {
    /// Unsigned raw integer.
    Raw,
    /// Enumerated value (raw integer with a table meaning).
    Table,
    /// Unsigned quantity: raw × scale.
    Unsigned(f64),
    /// Two's-complement quantity: raw × scale.
    Signed(f64),
    /// Two's-complement integer.
    SignedInt,
    /// Octal digits (3 bits each), e.g. Mode 3/A.
    Octal,
    /// ICAO 6-bit characters (aircraft identification).
    Icao,
    /// 8-bit ASCII characters.
    Ascii,
    /// Hexadecimal string (addresses, Comm-B data).
    Hex,
    /// Airspeed scaled by the IM bit before it.
    Ias,
    /// Spare bits.
    Spare,
}

/// One field of an item, with its bit offset from the start of the item (or repetition element).
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Mnemonic (asterix-specs spelling).
    pub name: &'static str,
    /// Bit offset from the start of the item (MSB of the first octet is 0).
    pub bit_off: usize,
    /// Width in bits.
    pub bits: usize,
    /// Interpretation.
    pub kind: FieldKind,
    /// Unit of a quantity ("" for none).
    pub unit: &'static str,
}

impl Field {
    /// The scale (LSB) of a quantity, 1 otherwise.
    pub fn scale(&self) -> f64 {
        match self.kind {
            FieldKind::Unsigned(s) | FieldKind::Signed(s) => s,
            _ => 1.0,
        }
    }
}

/// The structure of a data item.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemKind {
    /// Fixed length in octets.
    Fixed {
        /// Length in octets.
        len: usize,
        /// Fields.
        fields: Vec<Field>,
    },
    /// FX-extended octet groups; `parts[i]` is the octet length of group i, fields carry absolute
    /// bit offsets (FX bits skipped).
    Extended {
        /// Octet length of each group (FX included).
        parts: Vec<usize>,
        /// Fields of all groups.
        fields: Vec<Field>,
    },
    /// One-octet repetition count then `elem` octets per repetition.
    Repetitive {
        /// Element length in octets.
        elem: usize,
        /// Fields of one element.
        fields: Vec<Field>,
    },
    /// Elements terminated by an FX bit in their last octet.
    RepetitiveFx {
        /// Element length in octets (FX included).
        elem: usize,
        /// Fields of one element.
        fields: Vec<Field>,
    },
    /// Presence octets (FX-extended, 7 bits each), then the present subitems in order.
    Compound {
        /// Subitems, `None` for a spare slot.
        subs: Vec<Option<ItemSpec>>,
    },
    /// Length octet (including itself) then opaque data (SP, RE).
    Explicit,
}

/// A data item (or compound subitem).
#[derive(Debug, Clone, PartialEq)]
pub struct ItemSpec {
    /// Item number ("040") or subitem mnemonic ("ADR").
    pub id: &'static str,
    /// Structure.
    pub kind: ItemKind,
}

impl ItemSpec {
    /// Finds a field by name in a fixed, extended or repetitive item.
    pub fn field(&self, name: &str) -> Option<&Field> {
        match &self.kind {
            ItemKind::Fixed { fields, .. }
            | ItemKind::Extended { fields, .. }
            | ItemKind::Repetitive { fields, .. }
            | ItemKind::RepetitiveFx { fields, .. } => fields.iter().find(|f| f.name == name),
            _ => None,
        }
    }

    /// Index and spec of a compound subitem.
    pub fn sub(&self, name: &str) -> Option<(usize, &ItemSpec)> {
        match &self.kind {
            ItemKind::Compound { subs } => subs
                .iter()
                .enumerate()
                .find_map(|(i, s)| s.as_ref().filter(|s| s.id == name).map(|s| (i, s))),
            _ => None,
        }
    }
}

/// A category edition: its UAP and items.
#[derive(Debug, Clone, PartialEq)]
pub struct CategorySpec {
    /// Category number.
    pub cat: u8,
    /// Edition of the specification the table follows.
    pub edition: &'static str,
    /// UAP: FRN i (0-based) → index into `items`, or `None` for spare.
    pub uap: Vec<Option<usize>>,
    /// Items.
    pub items: Vec<ItemSpec>,
}

impl CategorySpec {
    /// Item spec and FRN (0-based) for an item number.
    pub fn item(&self, id: &str) -> Option<(usize, &ItemSpec)> {
        self.uap.iter().enumerate().find_map(|(frn, ix)| {
            ix.and_then(|i| self.items.get(i))
                .filter(|it| it.id == id)
                .map(|it| (frn, it))
        })
    }

    /// Item at an FRN (0-based).
    pub fn at(&self, frn: usize) -> Option<&ItemSpec> {
        self.uap
            .get(frn)
            .copied()
            .flatten()
            .and_then(|i| self.items.get(i))
    }
}

/// Error in a table (a programming error, caught by the unit tests).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("table line {line}: {msg}")]
pub struct TableError {
    /// 1-based line in the table text.
    pub line: usize,
    /// Problem.
    pub msg: String,
}

fn parse_scale(s: &str) -> Option<f64> {
    let (num, den) = match s.split_once('/') {
        Some((n, d)) => (n, Some(d)),
        None => (s, None),
    };
    let n: f64 = num.parse().ok()?;
    let d = match den {
        None => 1.0,
        Some(d) => match d.split_once('^') {
            Some((b, e)) => b.parse::<f64>().ok()?.powi(e.parse::<i32>().ok()?),
            None => d.parse().ok()?,
        },
    };
    Some(n / d)
}

fn parse_fields(text: &'static str, start_bit: usize) -> Result<(Vec<Field>, usize), String> {
    let mut fields = Vec::new();
    let mut bit = start_bit;
    for part in text.split(',') {
        let toks: Vec<&'static str> = part.split_whitespace().collect();
        if toks.is_empty() {
            continue;
        }
        if toks.len() < 2 {
            return Err(format!("field needs a name and a width: {part:?}"));
        }
        let bits: usize = toks[1]
            .parse()
            .map_err(|_| format!("bad width in {part:?}"))?;
        let scale = || {
            toks.get(3)
                .and_then(|s| parse_scale(s))
                .ok_or_else(|| format!("bad scale in {part:?}"))
        };
        let kind = if toks[0] == "-" {
            FieldKind::Spare
        } else {
            match toks.get(2).copied().unwrap_or("r") {
                "r" => FieldKind::Raw,
                "t" => FieldKind::Table,
                "u" => FieldKind::Unsigned(scale()?),
                "s" => FieldKind::Signed(scale()?),
                "i" => FieldKind::SignedInt,
                "o" => FieldKind::Octal,
                "c" => FieldKind::Icao,
                "a" => FieldKind::Ascii,
                "h" => FieldKind::Hex,
                "ias" => FieldKind::Ias,
                other => return Err(format!("unknown field type {other}")),
            }
        };
        let unit = toks.get(4).copied().unwrap_or("");
        fields.push(Field {
            name: toks[0],
            bit_off: bit,
            bits,
            kind,
            unit,
        });
        bit += bits;
    }
    Ok((fields, bit - start_bit))
}

fn parse_kind(
    kind: &'static str,
    rest: &'static str,
    subs: &mut HashMap<&'static str, ItemSpec>,
    id_path: &str,
) -> Result<ItemKind, String> {
    match kind {
        "=" => {
            let (fields, bits) = parse_fields(rest, 0)?;
            if bits % 8 != 0 {
                return Err(format!("fixed item of {bits} bits"));
            }
            Ok(ItemKind::Fixed {
                len: bits / 8,
                fields,
            })
        }
        "ext" => {
            let mut parts = Vec::new();
            let mut fields = Vec::new();
            let mut bit = 0;
            for p in rest.split('|') {
                let (mut f, bits) = parse_fields(p, bit)?;
                if (bits + 1) % 8 != 0 {
                    return Err(format!("extended group of {bits} bits"));
                }
                parts.push((bits + 1) / 8);
                fields.append(&mut f);
                bit += bits + 1;
            }
            Ok(ItemKind::Extended { parts, fields })
        }
        "rep" | "repfx" => {
            let (fields, bits) = parse_fields(rest, 0)?;
            if kind == "rep" {
                if bits % 8 != 0 {
                    return Err(format!("repetitive element of {bits} bits"));
                }
                Ok(ItemKind::Repetitive {
                    elem: bits / 8,
                    fields,
                })
            } else {
                if (bits + 1) % 8 != 0 {
                    return Err(format!("FX repetitive element of {bits} bits"));
                }
                Ok(ItemKind::RepetitiveFx {
                    elem: (bits + 1) / 8,
                    fields,
                })
            }
        }
        "comp" => {
            let mut v = Vec::new();
            for name in rest.split_whitespace() {
                if name == "-" {
                    v.push(None);
                } else {
                    let key = format!("{id_path}/{name}");
                    let s = subs
                        .remove(key.as_str())
                        .ok_or_else(|| format!("subitem {key} not declared before use"))?;
                    v.push(Some(s));
                }
            }
            Ok(ItemKind::Compound { subs: v })
        }
        "exp" => Ok(ItemKind::Explicit),
        other => Err(format!("unknown item kind {other}")),
    }
}

/// Parses a category table (see the module documentation for the syntax).
pub fn parse_table(text: &'static str) -> Result<CategorySpec, TableError> {
    let mut cat = None;
    let mut edition = "";
    let mut uap_ids: Vec<&'static str> = Vec::new();
    let mut items: Vec<ItemSpec> = Vec::new();
    let mut subs: HashMap<&'static str, ItemSpec> = HashMap::new();
    for (ln, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let err = |msg: String| TableError { line: ln + 1, msg };
        let (head, rest) = line.split_once(' ').unwrap_or((line, ""));
        let rest = rest.trim();
        match head {
            "cat" => {
                let mut t = rest.split_whitespace();
                cat = t.next().and_then(|c| c.parse::<u8>().ok());
                edition = t.next().unwrap_or("");
            }
            "uap" => uap_ids = rest.split_whitespace().collect(),
            id => {
                let (kind, body) = rest.split_once(' ').unwrap_or((rest, ""));
                let parsed = parse_kind(kind, body, &mut subs, id).map_err(err)?;
                if let Some((_, sub)) = id.rsplit_once('/') {
                    subs.insert(
                        id,
                        ItemSpec {
                            id: sub,
                            kind: parsed,
                        },
                    );
                } else {
                    items.push(ItemSpec { id, kind: parsed });
                }
            }
        }
    }
    let cat = cat.ok_or(TableError {
        line: 0,
        msg: "missing `cat` line".into(),
    })?;
    if let Some(k) = subs.keys().next() {
        return Err(TableError {
            line: 0,
            msg: format!("subitem {k} declared but unused"),
        });
    }
    let mut uap = Vec::new();
    for id in uap_ids {
        if id == "-" {
            uap.push(None);
        } else {
            let ix = items
                .iter()
                .position(|it| it.id == id)
                .ok_or_else(|| TableError {
                    line: 0,
                    msg: format!("UAP names undefined item {id}"),
                })?;
            uap.push(Some(ix));
        }
    }
    Ok(CategorySpec {
        cat,
        edition,
        uap,
        items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales() {
        assert_eq!(parse_scale("1/128"), Some(1.0 / 128.0));
        assert_eq!(parse_scale("360/2^16"), Some(360.0 / 65536.0));
        assert_eq!(parse_scale("0.25"), Some(0.25));
    }

    #[test]
    fn small_table() {
        let t = parse_table(
            "cat 1 0.1\nuap 010 020 - 030\n010 = SAC 8, SIC 8\n020 ext A 3 t, B 4 | C 7\n030/X = X 8\n030 comp X -\n",
        )
        .expect("table parses");
        assert_eq!(t.uap.len(), 4);
        let (_, i20) = t.item("020").expect("020");
        assert_eq!(i20.field("C").map(|f| f.bit_off), Some(8));
    }
}
